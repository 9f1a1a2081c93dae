// The statements each SQLite connection keeps prepared (backend/db/preparedSqlite.ts), on a
// real SQLite file: calls sharing a statement each get their own answer, a kept statement holds
// no snapshot or lock between calls, a statement that failed to prepare is not kept, and a
// connection closes with its statements kept.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase, type Database } from "../../backend/db/connect";
import { keptStatements, type PreparedStatements } from "../../backend/db/preparedSqlite";
import { connectionManager, transactionConnection } from "../../backend/db/sequelizeInternals";
import { createLogger } from "../../backend/log";

type RawConnection = { exec(sql: string, cb: (err: Error | null) => void): void; all(sql: string, params: unknown[], cb: (err: Error | null, rows: unknown[]) => void): void; close(cb: (err: Error | null) => void): void };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const sqlite3 = require("sqlite3") as { Database: new (file: string, cb: (err: Error | null) => void) => RawConnection };

function rawConnection(file: string): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
        const conn: RawConnection = new sqlite3.Database(file, err => (err ? reject(err) : resolve(conn)));
    });
}

const rawAll = (conn: RawConnection, sql: string) =>
    new Promise<unknown[]>((resolve, reject) => conn.all(sql, [], (err, rows) => (err ? reject(err) : resolve(rows))));

describe("api: statements kept prepared on SQLite", () => {
    let dir: string;
    let file: string;
    let db: Database;
    const open = () => openDatabase(`sqlite:${file}`, createLogger("error", () => undefined));

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-prepared-"));
        file = path.join(dir, "hub.sqlite");
        db = await open();
        await db.sequelize.query("CREATE TABLE probe (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
        await db.writeTx(async t => {
            for (let id = 1; id <= 200; id++) await db.sql.run("INSERT INTO probe (id, v) VALUES ($1, $2)", [id, `v${id}`], t);
        });
    });
    after(async () => {
        await db?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("a connection prepares each text with parameters once", async () => {
        const reader = await connectionManager<PreparedStatements>(db.sequelize).getConnection();
        const text = "SELECT v FROM probe WHERE id = ?1";
        assert.equal(await reader.prepared(text), await reader.prepared(text));
        assert.notEqual(await reader.prepared(text), await reader.prepared("SELECT id FROM probe WHERE v = ?1"));
    });

    it("concurrent reads sharing one statement each get the row of their own parameter", async () => {
        const ids = Array.from({ length: 400 }, (_v, i) => 1 + ((i * 37) % 250));
        const answers = await Promise.all(ids.map(id => db.sql.rows<{ v: string }>("SELECT v FROM probe WHERE id = $1", [id])));
        answers.forEach((rows, i) => assert.deepEqual(rows, ids[i] <= 200 ? [{ v: `v${ids[i]}` }] : [], `id ${ids[i]}`));
    });

    it("concurrent writes sharing one statement in one transaction each count their own changes", async () => {
        const ids = Array.from({ length: 300 }, (_v, i) => 1 + ((i * 53) % 300));
        const changed = await db.writeTx(t => Promise.all(ids.map(id => db.sql.run("UPDATE probe SET v = v || '+' WHERE id = $1", [id], t))));
        changed.forEach((n, i) => assert.equal(n, ids[i] <= 200 ? 1 : 0, `id ${ids[i]}`));
        const rows = await db.sql.rows<{ id: number; v: string }>("SELECT id, v FROM probe WHERE id <= $1 ORDER BY id", [200]);
        for (const row of rows) assert.equal(row.v, `v${row.id}${"+".repeat(ids.filter(id => id === row.id).length)}`);
    });

    it("a kept statement holds no snapshot: a full checkpoint from another connection goes through right after a read", async () => {
        await db.sql.rows("SELECT v FROM probe WHERE id = $1", [7]);
        const other = await rawConnection(file);
        try {
            await new Promise<void>((resolve, reject) => other.exec("INSERT INTO probe (id, v) VALUES (1000, 'x')", err => (err ? reject(err) : resolve())));
            await db.sql.rows("SELECT v FROM probe WHERE id = $1", [8]);
            // busy = 1 if any connection still read an older snapshot of the file.
            assert.deepEqual(await rawAll(other, "PRAGMA wal_checkpoint(TRUNCATE)"), [{ busy: 0, log: 0, checkpointed: 0 }]);
        } finally {
            await new Promise<void>(resolve => other.close(() => resolve()));
        }
    });

    it("a transaction whose kept statements ran commits, and one that failed rolls back whole", async () => {
        await db.writeTx(async t => {
            assert.deepEqual(await db.sql.rows("SELECT v FROM probe WHERE id = $1", [1000], t), [{ v: "x" }]);
            assert.equal(await db.sql.run("UPDATE probe SET v = $1 WHERE id = $2", ["y", 1000], t), 1);
        });
        await assert.rejects(db.writeTx(async t => {
            await db.sql.run("UPDATE probe SET v = $1 WHERE id = $2", ["z", 1000], t);
            await db.sql.run("INSERT INTO probe (id, v) VALUES ($1, $2)", [1, "duplicate"], t);
        }), /UNIQUE/);
        assert.deepEqual(await db.sql.rows("SELECT v FROM probe WHERE id = $1", [1000]), [{ v: "y" }]);
        const writer = await db.writeTx(async t => transactionConnection<PreparedStatements>(t));
        assert.equal(await writer.prepared("UPDATE probe SET v = ?1 WHERE id = ?2"), await writer.prepared("UPDATE probe SET v = ?1 WHERE id = ?2"));
    });

    it("a statement that fails to prepare is not kept: the same text works once its table exists", async () => {
        await assert.rejects(db.sql.rows("SELECT w FROM later WHERE w = $1", [1]), /no such table: later/);
        await db.sequelize.query("CREATE TABLE later (w INTEGER)");
        await db.sequelize.query("INSERT INTO later (w) VALUES (1)");
        assert.deepEqual(await db.sql.rows("SELECT w FROM later WHERE w = $1", [1]), [{ w: 1 }]);
    });

    it("a kept statement follows the schema: after a column is added, the same text reads it", async () => {
        const text = "SELECT * FROM later WHERE w = $1";
        assert.deepEqual(await db.sql.rows(text, [1]), [{ w: 1 }]);
        await db.sequelize.query("ALTER TABLE later ADD COLUMN note TEXT NOT NULL DEFAULT 'added'");
        assert.deepEqual(await db.sql.rows(text, [1]), [{ w: 1, note: "added" }]);
    });

    it(`past ${keptStatements} texts the oldest are let go, every answer stays right, and the connections close`, async () => {
        const texts = Array.from({ length: keptStatements * 2 + 5 }, (_v, i) => `SELECT v, ${i} AS k FROM probe WHERE id = $1`);
        for (let round = 0; round < 2; round++) {
            const answers = await Promise.all(texts.map((text, i) => db.sql.rows<{ v: string; k: number }>(text, [1 + (i % 150)])));
            answers.forEach((rows, i) => {
                assert.equal(rows.length, 1);
                assert.equal(rows[0].k, i);
                assert.match(rows[0].v, new RegExp(`^v${1 + (i % 150)}\\+*$`));
            });
        }
        await db.close();
        // Closed cleanly: the file opens again with everything written.
        db = await open();
        assert.deepEqual(await db.sql.rows("SELECT count(*) AS n FROM probe WHERE id > $1", [0]), [{ n: 201 }]);
    });
});
