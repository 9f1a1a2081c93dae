// SQLite's write-ahead log checkpointed by a connection of its own (backend/db/walCheckpoint.ts),
// on a real SQLite file: the writer keeps its automatic checkpoint only as a backstop, the log
// is copied back and reused while writes go on, readers see whole transactions throughout, and
// closing the database while a checkpoint is due loses nothing.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase, type Database } from "../../backend/db/connect";
import { writerAutoCheckpointPages, type CheckpointResult } from "../../backend/db/walCheckpoint";
import { createLogger } from "../../backend/log";

describe("api: SQLite checkpoints off the writer", () => {
    let dir: string;
    let file: string;
    let db: Database;
    const open = () => openDatabase(`sqlite:${file}`, createLogger("error", () => undefined));
    const walBytes = () => fs.statSync(`${file}-wal`).size;
    const payload = "x".repeat(2000);
    let written = 0;

    /** `n` write transactions at once, each adding two rows of the same pair. */
    const writePairs = (n: number) => Promise.all(Array.from({ length: n }, () => {
        const pair = written++;
        return db.writeTx(async t => {
            await db.sql.run("INSERT INTO pairs (pair, side, v) VALUES ($1, $2, $3)", [pair, 0, payload], t);
            await db.sql.run("INSERT INTO pairs (pair, side, v) VALUES ($1, $2, $3)", [pair, 1, payload], t);
        });
    }));
    const rowCount = async () => Number((await db.sql.rows<{ n: number }>("SELECT count(*) AS n FROM pairs WHERE side >= $1", [0]))[0].n);

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-checkpoint-"));
        file = path.join(dir, "hub.sqlite");
        db = await open();
        await db.sequelize.query("CREATE TABLE pairs (pair INTEGER NOT NULL, side INTEGER NOT NULL, v TEXT NOT NULL, PRIMARY KEY (pair, side))");
    });
    after(async () => {
        await db?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("the writer checkpoints by itself only past a larger log", async () => {
        const [inWriter] = await db.writeTx(t => db.sql.rows<{ wal_autocheckpoint: number }>("PRAGMA wal_autocheckpoint", [], t));
        assert.equal(inWriter.wal_autocheckpoint, writerAutoCheckpointPages);
        const [inReader] = await db.sql.rows<{ wal_autocheckpoint: number }>("PRAGMA wal_autocheckpoint", []);
        assert.equal(inReader.wal_autocheckpoint, 1000, "the other connections keep SQLite's default");
    });

    it("copies the log back after writes, so the log is reused instead of growing", async () => {
        const checkpointer = db.checkpointer;
        assert.ok(checkpointer, "a SQLite file has a checkpointer");
        const sizes: number[] = [];
        for (let round = 0; round < 4; round++) {
            await writePairs(400);
            await checkpointer.idle();
            const last: CheckpointResult = checkpointer.last!;
            assert.equal(last.busy, 0);
            assert.equal(last.checkpointed, last.log, `round ${round}: every frame of the log is in the database file`);
            sizes.push(walBytes());
        }
        assert.ok(checkpointer.runs >= 4, `${checkpointer.runs} checkpoints`);
        // Each round writes about 2 MB of rows. Without the checkpoints the log would hold all
        // four rounds (the writer's backstop is 40 MB); with them each round starts it over.
        const round = 400 * 2 * payload.length;
        assert.ok(sizes[3] < 2 * round, `log ${sizes.join(", ")} bytes after each round of ${round}`);
        assert.equal(await rowCount(), 2 * written);
    });

    it("readers see whole transactions while checkpoints run beside the writer", async () => {
        let reading = true;
        let reads = 0;
        const reader = (async () => {
            while (reading) {
                const n = await rowCount();
                assert.equal(n % 2, 0, `a reader saw ${n} rows: half of a transaction`);
                reads++;
            }
        })();
        const runsBefore = db.checkpointer!.runs;
        for (let round = 0; round < 6; round++) await writePairs(150);
        await db.checkpointer!.idle();
        reading = false;
        await reader;
        assert.ok(reads > 0);
        assert.ok(db.checkpointer!.runs > runsBefore, "checkpoints ran during the writes");
        const [check] = await db.sql.rows<{ integrity_check: string }>("PRAGMA integrity_check", []);
        assert.equal(check.integrity_check, "ok");
        assert.equal(await rowCount(), 2 * written);
    });

    it("closing while a checkpoint is due loses no write, and none runs after", async () => {
        const closed = db;
        await writePairs(50);
        await closed.close();
        const runs = closed.checkpointer!.runs;
        closed.checkpointer!.wrote();
        await closed.checkpointer!.idle();
        assert.equal(closed.checkpointer!.runs, runs, "no checkpoint starts once closed");
        db = await open();
        assert.equal(await rowCount(), 2 * written);
        const [check] = await db.sql.rows<{ integrity_check: string }>("PRAGMA integrity_check", []);
        assert.equal(check.integrity_check, "ok");
    });
});
