// An HTTP server that serves its connections in batches. Connections are accepted paused and
// handed to node's HTTP server together, every `batchMs`: a spoke never notices a tenth of a
// second, and the hub wakes ten times a second instead of several times per poll. At 10,000
// spokes polling once a minute that took the hub's CPU for them from 10-11 % of a core to
// 7-8 % (docs/agent.md).
import http from "node:http";
import net from "node:net";

export interface BatchedServerOptions {
    batchMs: number;
    /** No connection lives longer than this, whatever it sends or doesn't (checked every tenth of it). */
    lifetimeMs: number;
    maxConnections: number;
    /** Open connections one source address may hold: an agent needs one, so one host can't take the others' places. */
    perAddress: number;
}

export const batchedServerDefaults: BatchedServerOptions = { batchMs: 100, lifetimeMs: 30_000, maxConnections: 4096, perAddress: 8 };

export class BatchedHttpServer {
    private readonly front: net.Server;
    private readonly http: http.Server;
    /** Every connection accepted and not yet closed, with when it was accepted. */
    private readonly open = new Map<net.Socket, number>();
    private readonly openByAddress = new Map<string, number>();
    private waiting: net.Socket[] = [];
    private batchTimer: NodeJS.Timeout | null = null;
    private sweepTimer: NodeJS.Timeout | null = null;

    /** `accepts(address)` sees each connection's source address first; a refused one is closed before a byte is read. */
    constructor(handler: http.RequestListener, accepts: (address: string) => boolean, private readonly options = batchedServerDefaults) {
        this.http = http.createServer(handler);
        this.http.keepAliveTimeout = 5_000;
        this.front = net.createServer({ pauseOnConnect: true }, socket => {
            const address = sourceAddress(socket);
            const held = this.openByAddress.get(address) ?? 0;
            if (!accepts(address) || held >= options.perAddress) {
                socket.destroy();
                return;
            }
            this.open.set(socket, Date.now());
            this.openByAddress.set(address, held + 1);
            socket.once("close", () => {
                this.open.delete(socket);
                const left = (this.openByAddress.get(address) ?? 1) - 1;
                if (left > 0) this.openByAddress.set(address, left);
                else this.openByAddress.delete(address);
            });
            this.waiting.push(socket);
            this.batchTimer ??= setTimeout(() => this.serveWaiting(), options.batchMs);
        });
        this.front.maxConnections = options.maxConnections;
    }

    /** Resolves to the port it listens on (port 0: one the system chose). */
    listen(port: number, host: string): Promise<number> {
        return new Promise((resolve, reject) => {
            this.front.once("error", reject);
            this.front.listen(port, host, () => {
                this.front.off("error", reject);
                this.sweepTimer = setInterval(() => this.closeOverdue(), Math.max(10, this.options.lifetimeMs / 10));
                this.sweepTimer.unref();
                resolve((this.front.address() as net.AddressInfo).port);
            });
        });
    }

    on(event: "error", listener: (err: Error) => void): void {
        this.front.on(event, listener);
    }

    /** How many connections are open (waiting for their batch or being served). */
    get connections(): number {
        return this.open.size;
    }

    private serveWaiting(): void {
        this.batchTimer = null;
        const sockets = this.waiting;
        this.waiting = [];
        for (const socket of sockets) {
            if (socket.destroyed) continue;
            this.http.emit("connection", socket);
            socket.resume();
        }
    }

    private closeOverdue(): void {
        const oldest = Date.now() - this.options.lifetimeMs;
        for (const [socket, accepted] of this.open) if (accepted < oldest) socket.destroy();
    }

    /** Stops listening and closes every connection at once. */
    close(): Promise<void> {
        if (this.batchTimer) clearTimeout(this.batchTimer);
        if (this.sweepTimer) clearInterval(this.sweepTimer);
        this.batchTimer = this.sweepTimer = null;
        this.waiting = [];
        for (const socket of this.open.keys()) socket.destroy();
        this.open.clear();
        this.openByAddress.clear();
        return new Promise(resolve => this.front.close(() => resolve()));
    }
}

/** Where a connection comes from, without IPv4-mapped notation: a spoke's tunnel address. */
export function sourceAddress(socket: net.Socket): string {
    const address = socket.remoteAddress ?? "";
    return address.startsWith("::ffff:") ? address.slice(7) : address;
}
