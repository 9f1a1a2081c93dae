// An orderly stop: listeners stop accepting, requests in flight finish (a registration whose
// transaction committed gets its answer), the write queue drains, then the process ends.
import type { Server } from "node:http";

export class RequestTracker {
    private active = 0;
    private waiters: (() => void)[] = [];
    private stopping = false;

    watch(server: Server): void {
        server.on("request", (_req, res) => {
            this.active++;
            if (this.stopping) res.shouldKeepAlive = false;
            res.once("close", () => {
                this.active--;
                if (this.active === 0) for (const wake of this.waiters.splice(0)) wake();
            });
        });
    }

    /** From now on every answer closes its connection. */
    beginStop(): void {
        this.stopping = true;
    }

    get inFlight(): number {
        return this.active;
    }

    /** Resolves true once no request is in flight, false if `ms` pass first. */
    settled(ms: number): Promise<boolean> {
        if (this.active === 0) return Promise.resolve(true);
        return new Promise(resolve => {
            const timer = setTimeout(() => {
                this.waiters = this.waiters.filter(w => w !== wake);
                resolve(false);
            }, Math.max(0, ms));
            const wake = () => {
                clearTimeout(timer);
                resolve(true);
            };
            this.waiters.push(wake);
        });
    }
}
