// Write transactions, one at a time, with group commit: the requests that queued up while a
// transaction ran share the next one, so their statements pipeline on the connection instead
// of each paying a round trip per statement plus BEGIN/COMMIT. The rules stay those of one
// transaction per request: if any request of a group fails, the group is rolled back and each
// request runs again alone, so a failure reaches only its own caller and nothing half-done of
// it is kept. (Conditional updates keep grouped requests honest with each other: two requests
// consuming one token see the second update change 0 rows.)
import type { Sequelize, Transaction } from "sequelize";

type Work<T> = (t: Transaction) => Promise<T>;

interface Job {
    work: Work<unknown>;
    resolve(value: unknown): void;
    reject(err: unknown): void;
}

export const maxGroup = 64;

class GroupFailed extends Error {}

export function createWriteQueue(sequelize: Sequelize, rolledBack: (t: Transaction) => void) {
    const pending: Job[] = [];
    let draining = false;

    async function runAlone(job: Job): Promise<void> {
        let current: Transaction | null = null;
        try {
            job.resolve(await sequelize.transaction(t => {
                current = t;
                return job.work(t);
            }));
        } catch (err) {
            if (current) rolledBack(current);
            job.reject(err);
        }
    }

    async function runGroup(group: Job[]): Promise<void> {
        let current: Transaction | null = null;
        let results: unknown[] = [];
        try {
            await sequelize.transaction(async t => {
                current = t;
                const settled = await Promise.allSettled(group.map(job => job.work(t)));
                if (settled.some(s => s.status === "rejected")) throw new GroupFailed();
                results = settled.map(s => (s as PromiseFulfilledResult<unknown>).value);
            });
        } catch {
            if (current) rolledBack(current);
            for (const job of group) await runAlone(job);
            return;
        }
        group.forEach((job, i) => job.resolve(results[i]));
    }

    async function drain(): Promise<void> {
        draining = true;
        try {
            while (pending.length) {
                const group = pending.splice(0, maxGroup);
                await (group.length === 1 ? runAlone(group[0]) : runGroup(group));
            }
        } finally {
            draining = false;
        }
    }

    return function writeTx<T>(work: Work<T>): Promise<T> {
        return new Promise<T>((resolve, reject) => {
            pending.push({ work, resolve: resolve as (v: unknown) => void, reject });
            if (!draining) void drain();
        });
    };
}
