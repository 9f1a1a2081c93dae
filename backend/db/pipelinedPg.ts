// node-postgres as the hub gives it to Sequelize: every client in pipeline mode, its writes
// gathered into one system call a turn of the event loop.
//
// In pipeline mode the statements queued on one connection go out without waiting for each
// other's answers, each with its own Sync. Only the requests of a pipelined turn
// (writeQueue.ts) queue several at once: a turn's statements then take one round trip instead
// of one each. A failed statement still fails the ones after it in the same transaction (the
// server refuses them until the turn's savepoint is rolled back), as it does one at a time.
// Sequelize passes the driver none of its options but a fixed few, so the mode is set by the
// client class it is given.
//
// The driver writes each statement to the socket by itself: a profile of registration bursts
// at 100,000 spokes spent a fifth of the service's CPU in those writes. The socket is corked
// at a turn's first statement and uncorked once the statements queued in the same turn are in.

interface PgStream {
    cork(): void;
    uncork(): void;
}

type PgClientClass = new (config: object) => { query(...args: unknown[]): unknown; connection?: { stream?: PgStream } };

export type PgModule = { Client: PgClientClass };

export function pipelinedPg(pg: PgModule): PgModule {
    class PipelinedClient extends pg.Client {
        private corked = false;

        constructor(config: object) {
            super({ ...config, pipeline: true });
        }

        override query(...args: unknown[]): unknown {
            const stream = this.connection?.stream;
            if (stream && !this.corked) {
                this.corked = true;
                stream.cork();
                process.nextTick(() => {
                    this.corked = false;
                    stream.uncork();
                });
            }
            return super.query(...args);
        }
    }
    return Object.create(pg, { Client: { value: PipelinedClient } }) as PgModule;
}
