// SQLite in WAL mode appends each commit to the log, and a checkpoint copies the log back into
// the database file. Left to itself, the connection whose COMMIT takes the log past 1,000 pages
// runs the checkpoint inside that COMMIT. At 100,000 spokes one took 100-250 ms of the single
// writer (pages spread over the whole file, then two fsyncs), three or four times in a burst of
// 1,000 registrations, and every registration queued behind it waited (strace of a burst,
// 2026-12-06). Here a connection of its own checkpoints shortly after writes, on another of
// libuv's threads, while the writer goes on: a PASSIVE checkpoint takes no lock a writer needs,
// and copies only frames no reader still needs. The writer keeps an automatic checkpoint, at a
// larger size, as a backstop should this one fall behind.

/** The writer's own checkpoint threshold, in pages (SQLite's default is 1,000). */
export const writerAutoCheckpointPages = 10_000;

/** What `PRAGMA wal_checkpoint` reports: frames in the log, and how many are in the database file. */
export interface CheckpointResult {
    busy: number;
    log: number;
    checkpointed: number;
}

export interface CheckpointConnection {
    all(sql: string, params: unknown[], cb: (err: Error | null, rows?: unknown[]) => void): void;
}

export class WalCheckpointer {
    private timer: NodeJS.Timeout | null = null;
    private running: Promise<void> | null = null;
    private pending = false;
    private closed = false;
    private done = 0;
    private lastResult: CheckpointResult | null = null;

    constructor(private readonly connection: () => Promise<CheckpointConnection>,
        private readonly onError: (err: unknown) => void, private readonly delayMs = 200) {}

    /** Checkpoints run so far. */
    get runs(): number {
        return this.done;
    }

    /** What the last checkpoint reported. */
    get last(): CheckpointResult | null {
        return this.lastResult;
    }

    /** A write transaction ended: a checkpoint follows within `delayMs` (one at a time). */
    wrote(): void {
        if (this.closed) return;
        this.pending = true;
        if (this.timer || this.running) return;
        this.timer = setTimeout(() => this.start(), this.delayMs);
        this.timer.unref();
    }

    /** Resolves once no checkpoint is waiting or running. */
    async idle(): Promise<void> {
        while (this.timer || this.running) {
            if (this.timer) {
                clearTimeout(this.timer);
                this.start();
            }
            await this.running;
        }
    }

    /** No checkpoint starts after this; resolves once the one running has ended. */
    async close(): Promise<void> {
        this.closed = true;
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        await this.running;
    }

    private start(): void {
        this.timer = null;
        this.pending = false;
        this.running = this.checkpoint().catch(this.onError).finally(() => {
            this.running = null;
            if (this.pending) this.wrote();
        });
    }

    private async checkpoint(): Promise<void> {
        const conn = await this.connection();
        const rows = await new Promise<unknown[]>((resolve, reject) =>
            conn.all("PRAGMA wal_checkpoint(PASSIVE)", [], (err, result) => (err ? reject(err) : resolve(result ?? []))));
        this.done++;
        this.lastResult = rows[0] as CheckpointResult;
    }
}
