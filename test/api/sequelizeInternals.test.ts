// The Sequelize internals the hot paths rely on (backend/db/sequelizeInternals.ts), checked on
// a real SQLite file: if an upgrade moves them, this fails here, by name, instead of the hub
// quietly opening a connection per transaction or running plain SQL outside its transaction.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase, type Database } from "../../backend/db/connect";
import { connectionManager, transactionConnection } from "../../backend/db/sequelizeInternals";
import { createLogger } from "../../backend/log";

describe("api: the Sequelize internals in use", () => {
    let dir: string;
    let db: Database;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-internals-"));
        db = await openDatabase(`sqlite:${path.join(dir, "hub.sqlite")}`, createLogger("error", () => undefined));
    });
    after(async () => {
        await db?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("a transaction exposes its driver connection, and every write transaction shares one writer", async () => {
        const seen: object[] = [];
        for (let i = 0; i < 3; i++) {
            await db.writeTx(async t => {
                const connection = transactionConnection<{ run: unknown; all: unknown }>(t);
                assert.equal(typeof connection.run, "function");
                assert.equal(typeof connection.all, "function");
                seen.push(connection);
            });
        }
        assert.equal(new Set(seen).size, 1, "one writer connection for every transaction");
    });

    it("plain SQL in a transaction runs on that transaction: a read outside it does not see the uncommitted row", async () => {
        await db.sequelize.query("CREATE TABLE probe (id INTEGER PRIMARY KEY)");
        await db.writeTx(async t => {
            await db.sql.run("INSERT INTO probe (id) VALUES ($1)", [1], t);
            assert.deepEqual(await db.sql.rows("SELECT id FROM probe", [], t), [{ id: 1 }]);
            assert.deepEqual(await db.sql.rows("SELECT id FROM probe", []), [], "the pool's reader sees only committed rows");
        });
        assert.deepEqual(await db.sql.rows("SELECT id FROM probe", []), [{ id: 1 }]);
    });

    it("the connection manager has the two methods the patch replaces", () => {
        const manager = connectionManager(db.sequelize);
        assert.equal(typeof manager.getConnection, "function");
        assert.equal(typeof manager.releaseConnection, "function");
        assert.throws(() => connectionManager({} as never), /sequelizeInternals\.ts needs updating/);
        assert.throws(() => transactionConnection({} as never), /sequelizeInternals\.ts needs updating/);
    });
});
