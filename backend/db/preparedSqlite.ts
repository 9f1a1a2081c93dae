// node-sqlite3 as the hub gives it to Sequelize: each connection keeps the statements of the
// plain SQL layer (sql.ts) prepared, by their text.
//
// The driver's own run() and all() prepare a new statement for every call and finalize it
// after: a CPU profile of registration bursts at 100,000 spokes spent about a sixth of the
// service's time in that wrapper. A statement with parameters has the same text at every call
// (the values are bound), so it is prepared once per connection and bound again each time.
// Statements without parameters (SAVEPOINT wghub_17, the list's one-off reads) are not kept.
//
// A kept statement runs to its end at every call (all() steps until the last row; run() is
// given only statements that return no rows), so it holds no snapshot and no lock between
// calls: test/api/preparedSqlite.test.ts checks that a full checkpoint and a COMMIT go through
// right after one. Calls on the same statement queue in the driver, one after another, each
// with its own parameters and its own answer.

/** How many statements one connection keeps: the hot paths use a few dozen texts. */
export const keptStatements = 128;

export type Callback<T> = (this: { changes: number }, err: Error | null, result?: T) => void;

export interface SqliteStatement {
    all(params: unknown[], cb: Callback<unknown[]>): void;
    run(params: unknown[], cb: Callback<never>): void;
    finalize(cb?: (err: Error | null) => void): void;
}

interface SqliteDatabase {
    close(cb?: (err: Error | null) => void): void;
}

/** What sql.ts asks of a connection: its statement for `text`, prepared once. */
export interface PreparedStatements {
    prepared(text: string): Promise<SqliteStatement>;
    /** `method` with `params` on the statement kept for `text`; `cb` as the driver calls it. */
    callPrepared(text: string, method: "all" | "run", params: unknown[], cb: Callback<unknown[]>): void;
}

export type SqliteModule = {
    Database: new (...args: never[]) => SqliteDatabase;
    /** The driver's statement: `done` is called once it is prepared, with the error if it could not be. */
    Statement: new (db: SqliteDatabase, sql: string, done: (err: Error | null) => void) => SqliteStatement;
};

export function preparedSqlite(sqlite: SqliteModule): SqliteModule {
    class PreparedDatabase extends sqlite.Database implements PreparedStatements {
        /** In order of last use: the first is the one let go when a new text needs room. */
        private readonly statements = new Map<string, Promise<SqliteStatement>>();

        prepared(text: string): Promise<SqliteStatement> {
            const kept = this.statements.get(text);
            if (kept) {
                this.statements.delete(text);
                this.statements.set(text, kept);
                return kept;
            }
            // Not through the driver's prepare(): the calls it queues on a statement that fails
            // to prepare are dropped without an answer. A failed text is not kept.
            const statement = new Promise<SqliteStatement>((resolve, reject) => {
                const made = new sqlite.Statement(this, text, err => {
                    if (!err) return resolve(made);
                    if (this.statements.get(text) === statement) this.statements.delete(text);
                    reject(err);
                });
            });
            this.statements.set(text, statement);
            if (this.statements.size > keptStatements) {
                const [oldest, old] = this.statements.entries().next().value!;
                this.statements.delete(oldest);
                // Finalized once the calls queued on it have run.
                old.then(s => s.finalize(), () => undefined);
            }
            return statement;
        }

        callPrepared(text: string, method: "all" | "run", params: unknown[], cb: Callback<unknown[]>): void {
            // Asked for in the same turn as the statement: a statement is let go only once 128
            // newer texts came after it, so this call reaches it before its finalize() does, and
            // the driver runs a finalize after the calls queued before it. A caller that waited
            // turns between prepared() and its call could meet a finalized statement.
            this.prepared(text).then(statement => statement[method](params, cb), (err: Error) => cb.call({ changes: 0 }, err));
        }

        override close(cb?: (err: Error | null) => void): void {
            // SQLite refuses to close a connection whose statements are not finalized.
            const statements = [...this.statements.values()];
            this.statements.clear();
            void Promise.allSettled(statements.map(p => p.then(s => new Promise(resolve => s.finalize(resolve)))))
                .then(() => super.close(cb));
        }
    }
    return Object.create(sqlite, { Database: { value: PreparedDatabase } }) as SqliteModule;
}
