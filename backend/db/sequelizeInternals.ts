// The parts of Sequelize that are not its public API, and that the hot paths use: the
// connection manager (patched so every SQLite transaction shares one writer connection) and
// a transaction's driver connection (plain SQL runs on it). Nowhere else reaches inside
// Sequelize; test/api/sequelizeInternals.test.ts fails loudly if an upgrade moves these.
import type { Sequelize, Transaction } from "sequelize";

/** Sequelize's connection manager, as the version in package.json has it. */
export interface ConnectionManager<C> {
    getConnection(options?: { uuid?: string; type?: "read" | "write" }): Promise<C>;
    releaseConnection(connection: C, force?: boolean): unknown;
}

export function connectionManager<C>(sequelize: Sequelize): ConnectionManager<C> {
    const manager = (sequelize as unknown as { connectionManager?: ConnectionManager<C> }).connectionManager;
    if (typeof manager?.getConnection !== "function" || typeof manager.releaseConnection !== "function")
        throw new Error("Sequelize's connectionManager has changed: backend/db/sequelizeInternals.ts needs updating");
    return manager;
}

/**
 * Replaces the manager's two methods; `original` are the unpatched ones, bound. The uuid
 * Sequelize passes is the transaction's id ("default" outside a transaction).
 */
export function patchConnectionManager<C>(sequelize: Sequelize,
    patch: (original: ConnectionManager<C>) => ConnectionManager<C>): void {
    const manager = connectionManager<C>(sequelize);
    const original: ConnectionManager<C> = {
        getConnection: manager.getConnection.bind(manager),
        releaseConnection: manager.releaseConnection.bind(manager),
    };
    const patched = patch(original);
    manager.getConnection = patched.getConnection;
    manager.releaseConnection = patched.releaseConnection;
}

/** The driver's connection a transaction runs on (node-sqlite3's Database, pg's Client). */
export function transactionConnection<C>(t: Transaction): C {
    const connection = (t as unknown as { connection?: C }).connection;
    if (!connection) throw new Error("Sequelize's Transaction has no connection: backend/db/sequelizeInternals.ts needs updating");
    return connection;
}
