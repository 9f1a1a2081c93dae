// Write transactions, one at a time, with group commit: the requests that queued up while a
// transaction ran share the next one, and so share its BEGIN and COMMIT. Inside a group every
// request behaves as if it ran alone, after those before it:
// - A request that reads and then writes (is this routed subnet free? is there a live
//   re-enroll token?) runs by itself in a savepoint, after the ones before it have finished,
//   so its reads see their writes. If it fails, it rolls back to its savepoint and fails alone.
// - Requests marked `pipelined` check everything in SQL (a conditional UPDATE, a unique
//   index) and touch only their own rows otherwise: consecutive ones send their statements
//   together, in one savepoint. Statements that commute give the state of any serial order;
//   a conflict between them shows as a failure (0 rows changed, a unique violation), and then
//   the batch is rolled back and its requests run again one by one. Registrations take this
//   path: one by one, each would wait for its statements' round trips while holding the writer.
//   On PostgreSQL the statements a turn's requests queue at once go out pipelined
//   (pipelinedPg.ts): a turn of 24 registrations waits for about 3 round trips, not about 75.
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
    pipelined: boolean;
    resolve(value: unknown): void;
    reject(err: unknown): void;
}

export interface WriteOptions {
    /**
     * Every check of this work is a conditional statement or a unique index, and it writes
     * no row another request's work reads in JavaScript: it may share its turn with others.
     */
    pipelined?: boolean;
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
    writeTx<T>(work: Work<T>, options?: WriteOptions): Promise<T>;
    /** Refuses new work with `reason` and resolves once the queue is empty. */
    close(reason: () => Error): Promise<void>;
}

type Outcome = { ok: true; value: unknown; scope: Scope } | { ok: false; err: unknown; scope: Scope };

/** Splits a group into turns: a run of pipelined jobs, or one job alone. */
function turnsOf(group: Job[]): Job[][] {
    const turns: Job[][] = [];
    for (const job of group) {
        const last = turns.at(-1);
        if (job.pipelined && last?.[0].pipelined) last.push(job);
        else turns.push([job]);
    }
    return turns;
}

/**
 * `exec` runs a statement without parameters on the transaction's connection (the driver's
 * own call: a savepoint through Sequelize costs more than the request's own statements).
 */
export function createWriteQueue(sequelize: Sequelize, exec: (statement: string, t: Transaction) => Promise<unknown>,
    hookFailed: (err: unknown) => void): WriteQueue {
    const pending: Job[] = [];
    let draining: Promise<void> | null = null;
    let closedWith: (() => Error) | null = null;
    let savepoints = 0;

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

    /** Runs `work` in `t` with its own hook scope, collecting instead of throwing. */
    async function attempt(t: Transaction, job: Job): Promise<Outcome> {
        const scope: Scope = { committed: [], rolledBack: [] };
        scopes.set(t, scope);
        try {
            return { ok: true, value: await job.work(t), scope };
        } catch (err) {
            return { ok: false, err, scope };
        }
    }

    /** Runs `body` in a savepoint; undoes it (and its memory changes) if `body` says so. */
    async function inSavepoint(t: Transaction, body: () => Promise<{ keep: boolean; undo: Hook[] }>): Promise<boolean> {
        const name = `wghub_${++savepoints}`;
        await exec(`SAVEPOINT ${name}`, t);
        const { keep, undo } = await body();
        if (!keep) {
            await exec(`ROLLBACK TO SAVEPOINT ${name}`, t);
            await runHooks(undo);
        }
        await exec(`RELEASE SAVEPOINT ${name}`, t);
        return keep;
    }

    async function runAloneInGroup(t: Transaction, job: Job): Promise<Outcome> {
        let outcome!: Outcome;
        await inSavepoint(t, async () => {
            outcome = await attempt(t, job);
            return { keep: outcome.ok, undo: outcome.scope.rolledBack };
        });
        return outcome;
    }

    async function runTurn(t: Transaction, turn: Job[]): Promise<Outcome[]> {
        if (turn.length === 1) return [await runAloneInGroup(t, turn[0])];
        // Hooks are scoped per transaction, and these jobs run at once: each gets its own
        // scope through a transaction-shaped view of `t`.
        let outcomes: Outcome[] = [];
        const kept = await inSavepoint(t, async () => {
            outcomes = await Promise.all(turn.map(job => attempt(viewOf(t), job)));
            return { keep: outcomes.every(o => o.ok), undo: outcomes.flatMap(o => o.scope.rolledBack) };
        });
        if (kept) return outcomes;
        const again: Outcome[] = [];
        for (const job of turn) again.push(await runAloneInGroup(t, job));
        return again;
    }

    async function runGroup(group: Job[]): Promise<void> {
        const outcomes: Outcome[] = [];
        try {
            await sequelize.transaction(async t => {
                if (group.length === 1) {
                    const outcome = await attempt(t, group[0]);
                    outcomes.push(outcome);
                    if (!outcome.ok) throw outcome.err;
                    return;
                }
                for (const turn of turnsOf(group)) outcomes.push(...await runTurn(t, turn));
            });
        } catch (err) {
            // The whole transaction is undone: every request's memory changes go back, and
            // every request fails (its own error if it failed, else the commit's).
            await runHooks(outcomes.flatMap(o => o.scope.rolledBack));
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
        writeTx<T>(work: Work<T>, options: WriteOptions = {}): Promise<T> {
            if (closedWith) return Promise.reject(closedWith());
            return new Promise<T>((resolve, reject) => {
                pending.push({ work, pipelined: options.pipelined ?? false, resolve: resolve as (v: unknown) => void, reject });
                kick();
            });
        },
        async close(reason) {
            closedWith = reason;
            while (draining) await draining;
        },
    };
}

/**
 * An object that is `t` to Sequelize and to the SQL helpers (same prototype, same
 * connection), but a key of its own for the hook scopes.
 */
function viewOf(t: Transaction): Transaction {
    return Object.create(t) as Transaction;
}
