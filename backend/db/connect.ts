// Opens the database named by WGHUB_DATABASE_URL, migrates it forward, and gives the
// domain one way to write: writeTx (writeQueue.ts), which runs write transactions one at a
// time in this process (SQLite allows one writer; queuing here beats SQLITE_BUSY retries)
// while the unique indexes and conditional updates keep the rules even across processes.
import fs from "node:fs";
import path from "node:path";
import { Sequelize, Transaction } from "sequelize";
import type { Logger } from "../log";
import { defineModels, type Models } from "./models";
import { migrate } from "./migrations";
import { apartReads, createSql, type Sql } from "./sql";
import { connectionManager, patchConnectionManager } from "./sequelizeInternals";
import { createWriteQueue, type WriteOptions } from "./writeQueue";
import { pipelinedPg, type PgModule } from "./pipelinedPg";
import { preparedSqlite, type SqliteModule } from "./preparedSqlite";
import { WalCheckpointer, writerAutoCheckpointPages, type CheckpointConnection } from "./walCheckpoint";

export { afterCommit, onRollback } from "./writeQueue";

export interface Database {
    sequelize: Sequelize;
    models: Models;
    dialect: "sqlite" | "postgres";
    /** Plain SQL for the hot paths (sql.ts). */
    sql: Sql;
    writeTx<T>(work: (t: Transaction) => Promise<T>, options?: WriteOptions & { whileHeld?: boolean }): Promise<T>;
    /**
     * Refuses every new write transaction but those marked `whileHeld` (with `reason`) until
     * the returned function is called: a restore replaces the whole database in one of them.
     */
    holdWrites(reason: () => Error): () => void;
    /**
     * How many write transactions have ended, counted after each commit or rollback: what is
     * read while the count holds still is current (caches of whole tables key on it).
     */
    readonly writes: number;
    /** Called after each write transaction ends (the hubs sharing a PostgreSQL database tell each other). */
    onWrite: (() => void) | null;
    /** Counts a write another hub made to the shared database (told by a notification): caches of whole tables read again. */
    externalWrite(): void;
    /** Refuses new write transactions (with `reason`) and resolves once those queued have ended. */
    closeWrites(reason: () => Error): Promise<void>;
    /** SQLite's checkpoints of its write-ahead log, off the writer (walCheckpoint.ts); null on PostgreSQL. */
    readonly checkpointer: WalCheckpointer | null;
    close(): Promise<void>;
}

function dialectModuleFor(url: string): object {
    // Required here, not at the top, so the bundle loads only the driver in use.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return url.startsWith("sqlite:") ? preparedSqlite(require("sqlite3") as SqliteModule) : pipelinedPg(require("pg") as PgModule);
}

type SqliteHandle = CheckpointConnection & {
    configure(option: "busyTimeout", ms: number): void;
    exec(sql: string, cb: (err: Error | null) => void): void;
    wghubTuned?: boolean;
};

/** The uuid of SQLite's connection for checkpoints. */
const checkpoints = "wghub-checkpoints";

/**
 * Sequelize opens (and closes) a new SQLite connection for every transaction, and has no
 * connect hook for SQLite. Since writeTx runs one transaction at a time, every transaction
 * shares one long-lived writer connection instead (about 5x cheaper per transaction), while
 * reads keep the default connection (long ones their own, see ReadOptions) and never see
 * uncommitted rows. Each handle is tuned:
 * wait on a lock instead of failing, and WAL with synchronous=NORMAL (durable at checkpoints,
 * no fsync per commit). The writer leaves checkpoints to a connection of their own (walCheckpoint.ts).
 */
function tuneSqliteConnections(sequelize: Sequelize): void {
    let writer: SqliteHandle | null = null;
    const exec = (handle: SqliteHandle, statement: string) => new Promise<void>((resolve, reject) =>
        handle.exec(statement, err => (err ? reject(err) : resolve())));
    const tune = async (handle: SqliteHandle) => {
        if (handle.wghubTuned) return;
        handle.wghubTuned = true;
        handle.configure("busyTimeout", 10_000);
        await exec(handle, "PRAGMA synchronous = NORMAL");
    };
    const ownConnections = new Set(["default", apartReads, checkpoints]);
    patchConnectionManager<SqliteHandle>(sequelize, original => ({
        async getConnection(options) {
            const inTransaction = options?.uuid !== undefined && !ownConnections.has(options.uuid);
            if (inTransaction && writer) return writer;
            const handle = await original.getConnection(inTransaction ? { ...options, uuid: "wghub-writer" } : options);
            await tune(handle);
            if (inTransaction) {
                await exec(handle, `PRAGMA wal_autocheckpoint = ${writerAutoCheckpointPages}`);
                writer = handle;
            }
            return handle;
        },
        releaseConnection: (connection, force) => (connection === writer ? undefined : original.releaseConnection(connection, force)),
    }));
}

export async function openDatabase(url: string, log: Logger): Promise<Database> {
    const isSqlite = url.startsWith("sqlite:");
    const storage = isSqlite ? url.slice("sqlite:".length) : null;
    // A file, not SQLite's in-memory database (which has no write-ahead log).
    const sqliteFile = storage !== null && storage !== ":memory:" ? storage : null;
    let sequelize: Sequelize;
    if (storage !== null) {
        if (sqliteFile) fs.mkdirSync(path.dirname(sqliteFile), { recursive: true, mode: 0o700 });
        sequelize = new Sequelize({
            dialect: "sqlite",
            storage,
            dialectModule: dialectModuleFor(url),
            logging: false,
        });
        tuneSqliteConnections(sequelize);
    } else {
        sequelize = new Sequelize(url, { dialect: "postgres", dialectModule: dialectModuleFor(url), logging: false });
    }
    await sequelize.authenticate();
    if (isSqlite) {
        await sequelize.query("PRAGMA journal_mode = WAL");
        if (sqliteFile) fs.chmodSync(sqliteFile, 0o600);
    }

    const models = defineModels(sequelize);
    const applied = await migrate(sequelize);
    if (applied.length) log.info("database migrated", { applied });

    const dialect = isSqlite ? "sqlite" : "postgres";
    const sql = createSql(sequelize, dialect);
    const queue = createWriteQueue(sequelize, (statement, t) => sql.run(statement, [], t),
        err => log.error("a cache refresh after a write failed", { error: String(err) }));
    const checkpointer = sqliteFile
        ? new WalCheckpointer(() => connectionManager<SqliteHandle>(sequelize).getConnection({ uuid: checkpoints }),
            err => log.warn("a checkpoint of the database's write-ahead log failed; the next write tries again", { error: String(err) }))
        : null;
    let writes = 0;
    let heldBy: (() => Error) | null = null;
    const writeTx = async <T>(work: (t: Transaction) => Promise<T>, options?: WriteOptions & { whileHeld?: boolean }): Promise<T> => {
        if (heldBy && !options?.whileHeld) throw heldBy();
        try {
            return await queue.writeTx(work, options);
        } finally {
            writes++;
            checkpointer?.wrote();
            database.onWrite?.();
        }
    };

    const database: Database = {
        sequelize,
        models,
        dialect,
        sql,
        writeTx,
        get writes() {
            return writes;
        },
        externalWrite() {
            writes++;
        },
        holdWrites(reason) {
            if (heldBy) throw heldBy();
            heldBy = reason;
            return () => {
                heldBy = null;
            };
        },
        onWrite: null,
        closeWrites: reason => queue.close(reason),
        checkpointer,
        async close() {
            await checkpointer?.close();
            await sequelize.close();
        },
    };
    return database;
}
