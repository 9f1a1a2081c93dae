// The write queue on a real PostgreSQL server, whose clients run in pipeline mode: the
// statements of a pipelined turn's requests go out together on the group's one connection, and
// their answers come back in order. Each request must still behave as if it ran alone: its
// own answers, its writes kept exactly once, and a failure (a unique violation in the middle
// of the turn, with other requests' statements already on the wire behind it) its own.
import assert from "node:assert/strict";
import { afterCommit, onRollback, openDatabase, type Database } from "../../backend/db/connect";
import { transactionConnection } from "../../backend/db/sequelizeInternals";
import { createLogger } from "../../backend/log";
import { isUniqueViolation } from "../../backend/db/sql";
import { startPostgres, type RunningPostgres } from "../support/postgres";
import { prng } from "../support/prng";

describe("PostgreSQL: the write queue's pipelined turns", () => {
    let pg: RunningPostgres;
    let db: Database;
    before(async () => {
        pg = await startPostgres();
        db = await openDatabase(pg.url, createLogger("error", () => undefined));
        await db.sequelize.query("CREATE TABLE items (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, note TEXT NOT NULL UNIQUE)");
        await db.sequelize.query("CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)");
    });
    after(async () => {
        await db?.close();
        await pg?.stop();
    });

    const rows = async () => db.sql.rows<{ id: number; owner: number; note: string }>("SELECT id, owner, note FROM items ORDER BY id", []);

    it("a turn's connection is in pipeline mode", async () => {
        const modes = await Promise.all(Array.from({ length: 8 }, () =>
            db.writeTx(async t => (transactionConnection(t) as { pipeline?: boolean }).pipeline, { pipelined: true })));
        assert.deepEqual(modes, Array(8).fill(true));
    });

    it("40 requests at once, three statements each: every request gets its own answers", async () => {
        await db.sql.run("INSERT INTO counters (id, n) SELECT g, 0 FROM generate_series(1, 40) g", []);
        const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => db.writeTx(async t => {
            const [echo] = await db.sql.rows<{ v: string }>("SELECT $1::text AS v", [`request ${i}`], t);
            const bumped = await db.sql.run("UPDATE counters SET n = n + $2 WHERE id = $1", [i + 1, i], t);
            // A conditional update that holds for odd requests only: 0 or 1 row, its own.
            const matched = await db.sql.run("UPDATE counters SET n = n + 1 WHERE id = $1 AND n % 2 = 1", [i + 1], t);
            return { echo: echo.v, bumped, matched };
        }, { pipelined: true })));
        assert.deepEqual(answers, Array.from({ length: 40 }, (_, i) => ({ echo: `request ${i}`, bumped: 1, matched: i % 2 })));
        const counters = await db.sql.rows<{ id: number; n: number }>("SELECT id, n FROM counters ORDER BY id", []);
        assert.deepEqual(counters.map(c => c.n), Array.from({ length: 40 }, (_, i) => i + (i % 2)));
    });

    it("a unique violation in the middle of a turn fails its request alone, with the others' writes kept once", async () => {
        const random = prng(7);
        for (let round = 0; round < 12; round++) {
            const base = 1000 * (round + 1);
            await db.sql.run("INSERT INTO items (id, owner, note) VALUES ($1, $2, $3)", [base, -1, `taken ${round}`]);
            const n = 30;
            // Some requests fail on their first statement, some on their second, while the
            // others' statements are queued behind them on the connection.
            const failing = new Map<number, 1 | 2>();
            while (failing.size < 3) failing.set(Math.floor(random() * n), random() < 0.5 ? 1 : 2);
            // What each request holds in memory (an address taken, say): taken by each attempt,
            // given back by its onRollback hook; a turn rolled back and run again one by one
            // takes and gives back in between.
            const held = Array(n).fill(0);
            const committed = Array(n).fill(0);
            const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => db.writeTx(async t => {
                held[i]++;
                onRollback(t, () => void held[i]--);
                afterCommit(t, () => void committed[i]++);
                const note = (step: 1 | 2) => (failing.get(i) === step ? `taken ${round}` : `r${round} i${i} s${step}`);
                await db.sql.run("INSERT INTO items (id, owner, note) VALUES ($1, $2, $3)", [base + 1 + 2 * i, i, note(1)], t);
                await db.sql.run("INSERT INTO items (id, owner, note) VALUES ($1, $2, $3)", [base + 2 + 2 * i, i, note(2)], t);
                return i;
            }, { pipelined: true })));
            for (const [i, r] of results.entries()) {
                if (failing.has(i)) {
                    assert.equal(r.status, "rejected", `request ${i} of round ${round}`);
                    assert.ok(isUniqueViolation((r as PromiseRejectedResult).reason), `request ${i} fails with its own violation: ${String((r as PromiseRejectedResult).reason)}`);
                } else {
                    assert.deepEqual(r, { status: "fulfilled", value: i }, `request ${i} of round ${round}`);
                }
                assert.equal(committed[i], failing.has(i) ? 0 : 1, `afterCommit of ${i}, once`);
                assert.equal(held[i], failing.has(i) ? 0 : 1, `what ${i} holds in memory`);
            }
            const kept = (await rows()).filter(r => r.id > base && r.id < base + 1000);
            const expected = Array.from({ length: n }, (_, i) => i).filter(i => !failing.has(i))
                .flatMap(i => [{ id: base + 1 + 2 * i, owner: i, note: `r${round} i${i} s1` }, { id: base + 2 + 2 * i, owner: i, note: `r${round} i${i} s2` }]);
            assert.deepEqual(kept, expected, `round ${round}: both rows of each request that succeeded, once, and none of the others`);
        }
    });
});
