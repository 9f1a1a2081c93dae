// Write transactions, one at a time, with group commit: the requests that queued up while a
// transaction ran share the next one, and so share its BEGIN and COMMIT. Inside a group the
// requests run one after the other, each in its own savepoint, so each sees the writes of
// those before it exactly as if it ran alone: a read-then-write check (a routed subnet still
// free, one live re-enroll token per spoke) holds across a group. A request that fails rolls
// back to its savepoint and fails alone; the others go on.
//
// Side effects on memory follow their request: afterCommit() hooks run once the group has
// committed, onRollback() hooks when the request's writes are undone, and both before the
// next transaction begins, so a request queued behind a change never sees a cache that
// lags the database (the address pool after a re-initialisation, say).
import type { Sequelize, Transaction } from "sequelize";

type Work<T> = (t: Transaction) => Promise<T>;
type Hook = () => void | Promise<void>;

interface Job {
    work: Work<unknown>;
    resolve(value: unknown): void;
    reject(err: unknown): void;
}

/** The hooks one request registered while it ran. */
interface Scope {
    committed: Hook[];
    rolledBack: Hook[];
}

export const maxGroup = 64;

const scopes = new WeakMap<Transaction, Scope>();

function scopeOf(t: Transaction): Scope {
    const scope = scopes.get(t);
    if (!scope) throw new Error("afterCommit/onRollback called outside a writeTx job");
    return scope;
}

/** Runs `hook` once the transaction holding the current request has committed. */
export function afterCommit(t: Transaction, hook: Hook): void {
    scopeOf(t).committed.push(hook);
}

/** Undoes in-memory state (an address taken from the pool) if the request's writes are undone. */
export function onRollback(t: Transaction, hook: Hook): void {
    scopeOf(t).rolledBack.push(hook);
}

export interface WriteQueue {
    writeTx<T>(work: Work<T>): Promise<T>;
    /** Refuses new work with `reason` and resolves once the queue is empty. */
    close(reason: () => Error): Promise<void>;
}

export function createWriteQueue(sequelize: Sequelize, hookFailed: (err: unknown) => void): WriteQueue {
    const pending: Job[] = [];
    let draining: Promise<void> | null = null;
    let closedWith: (() => Error) | null = null;

    async function runHooks(hooks: Hook[]): Promise<void> {
        for (const hook of hooks) {
            try {
                await hook();
            } catch (err) {
                // The change is committed (or undone) whatever a cache refresh does: its
                // failure is logged, never turned into a failure of the request.
                hookFailed(err);
            }
        }
    }

    async function savepoint(t: Transaction, statement: string): Promise<void> {
        await sequelize.query(statement, { transaction: t, raw: true });
    }

    async function runGroup(group: Job[]): Promise<void> {
        const outcomes: ({ ok: true; value: unknown; scope: Scope } | { ok: false; err: unknown })[] = [];
        const undone: Hook[] = [];
        const alone = group.length === 1;
        try {
            await sequelize.transaction(async t => {
                for (const [i, job] of group.entries()) {
                    const scope: Scope = { committed: [], rolledBack: [] };
                    scopes.set(t, scope);
                    const name = `wghub_job_${i}`;
                    if (!alone) await savepoint(t, `SAVEPOINT ${name}`);
                    try {
                        const value = await job.work(t);
                        if (!alone) await savepoint(t, `RELEASE SAVEPOINT ${name}`);
                        outcomes.push({ ok: true, value, scope });
                    } catch (err) {
                        if (alone) {
                            undone.push(...scope.rolledBack);
                            throw err;
                        }
                        await savepoint(t, `ROLLBACK TO SAVEPOINT ${name}`);
                        // PostgreSQL keeps the savepoint after a rollback to it; SQLite too. Release both ways.
                        await savepoint(t, `RELEASE SAVEPOINT ${name}`);
                        await runHooks(scope.rolledBack);
                        outcomes.push({ ok: false, err });
                    }
                }
                scopes.delete(t);
            });
        } catch (err) {
            // The whole transaction is undone: every request's memory changes go back, and
            // every request fails (its own error if it failed, else the commit's).
            for (const o of outcomes) if (o.ok) undone.push(...o.scope.rolledBack);
            await runHooks(undone);
            group.forEach((job, i) => {
                const o = outcomes[i];
                job.reject(o && !o.ok ? o.err : err);
            });
            return;
        }
        for (const [i, job] of group.entries()) {
            const o = outcomes[i];
            if (o.ok) {
                await runHooks(o.scope.committed);
                job.resolve(o.value);
            } else {
                job.reject(o.err);
            }
        }
    }

    async function drain(): Promise<void> {
        while (pending.length) await runGroup(pending.splice(0, maxGroup));
    }

    function kick(): void {
        if (draining) return;
        draining = drain().finally(() => {
            draining = null;
            if (pending.length) kick();
        });
    }

    return {
        writeTx<T>(work: Work<T>): Promise<T> {
            if (closedWith) return Promise.reject(closedWith());
            return new Promise<T>((resolve, reject) => {
                pending.push({ work, resolve: resolve as (v: unknown) => void, reject });
                kick();
            });
        },
        async close(reason) {
            closedWith = reason;
            while (draining) await draining;
        },
    };
}
