// The write queue on a real SQLite file: requests grouped into one transaction still behave
// as if each ran alone, after those before it; a failing one fails alone, with its memory
// changes undone; hooks run before the next transaction.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterCommit, onRollback, openDatabase, type Database } from "../../backend/db/connect";
import { createLogger } from "../../backend/log";

describe("api: the write queue", () => {
    let dir: string;
    let db: Database;
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-queue-"));
        db = await openDatabase(`sqlite:${path.join(dir, "hub.sqlite")}`, createLogger("error", () => undefined));
        await db.sequelize.query("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
        await db.sequelize.query("INSERT INTO counter VALUES (1, 0)");
    });
    after(async () => {
        await db?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const read = async (t?: Parameters<Parameters<Database["writeTx"]>[0]>[0]) =>
        (await db.sql.rows<{ n: number }>("SELECT n FROM counter WHERE id = 1", [], t))[0].n;

    it("50 read-then-write requests at once: each sees the one before it (the counter ends at 50)", async () => {
        const start = await read();
        const seen = await Promise.all(Array.from({ length: 50 }, () => db.writeTx(async t => {
            const n = await read(t);
            await db.sql.run("UPDATE counter SET n = $1 WHERE id = 1", [n + 1], t);
            return n;
        })));
        assert.equal(await read(), start + 50);
        assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => start + i));
    });

    it("a failing request in a group fails alone: its writes and memory changes undone, the others kept with their hooks", async () => {
        const start = await read();
        const memory: string[] = [];
        const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => db.writeTx(async t => {
            await db.sql.run("UPDATE counter SET n = n + 1 WHERE id = 1", [], t);
            onRollback(t, () => void memory.push(`undo ${i}`));
            afterCommit(t, () => void memory.push(`done ${i}`));
            if (i % 3 === 0) throw new Error(`request ${i} refused`);
            return i;
        }, { pipelined: i % 2 === 0 })));
        const failed = results.flatMap((r, i) => (r.status === "rejected" ? [i] : []));
        assert.deepEqual(failed, Array.from({ length: 10 }, (_, k) => 3 * k));
        assert.ok(results.every((r, i) => r.status === "rejected" ? String(r.reason).includes(`request ${i} refused`) : r.value === i));
        assert.equal(await read(), start + 20, "exactly the writes of the 20 that succeeded");
        for (let i = 0; i < 30; i++) {
            assert.equal(memory.includes(`done ${i}`), i % 3 !== 0, `afterCommit of ${i}`);
            assert.equal(memory.includes(`undo ${i}`), i % 3 === 0, `onRollback of ${i}`);
        }
    });

    it("afterCommit hooks finish before the next transaction starts, and their failure does not fail the request", async () => {
        let cache = "old";
        const order: string[] = [];
        const [first, second] = await Promise.all([
            db.writeTx(async t => {
                afterCommit(t, async () => {
                    await new Promise(r => setTimeout(r, 20));
                    cache = "new";
                    throw new Error("refresh failed");
                });
                return "committed";
            }),
            db.writeTx(async () => {
                order.push(`second saw ${cache}`);
                return "second";
            }),
        ]);
        assert.deepEqual([first, second], ["committed", "second"]);
        assert.deepEqual(order, ["second saw new"]);
    });

    it("once closed, new work is refused with the reason while work already queued finishes", async () => {
        const queued = db.writeTx(async t => db.sql.run("UPDATE counter SET n = n + 1 WHERE id = 1", [], t));
        const closing = db.closeWrites(() => new Error("stopping"));
        await assert.rejects(db.writeTx(async () => 1), /stopping/);
        assert.equal(await queued, 1);
        await closing;
    });
});
