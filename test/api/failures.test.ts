// When the database fails mid-request: a 500 in the error shape, one log line, and a rollback
// that leaves nothing behind (no token consumed, no address lost from the pool).
import assert from "node:assert/strict";
import { assertError, createToken, initialisedHub, register, sql, type RunningHub } from "./helpers";

describe("api: a failing database write rolls back cleanly", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await initialisedHub();
    });
    after(async () => hub?.stop());

    it("500 INTERNAL in the shape; the token stays usable and the address returns to the pool", async () => {
        const first = await createToken(hub, { spokeName: "before" });
        assert.deepEqual(first.allowedIPs, ["10.0.1.2/32"]);
        const waiting = await createToken(hub, { spokeName: "waiting" });
        // every write records an audit event: without its table, each write transaction fails at the end
        await sql(hub, "ALTER TABLE audit_events RENAME TO audit_events_away");
        try {
            const made = await hub.admin("POST", "/api/installation/token", { spokeName: "doomed" });
            assertError(made, 500, "INTERNAL");
            assert.equal(made.body.error, "Internal error", "no database detail leaks to the client");
            const reg = await register(hub, waiting.token);
            assertError(reg, 500, "INTERNAL");
            const errors = hub.output().split("\n").filter(l => l.startsWith("error: request failed"));
            assert.equal(errors.length, 2, hub.output());
            assert.ok(errors.every(l => l.includes("audit_events")), "the log says what failed");
            assert.ok(!hub.output().includes(waiting.token), "not even a failure logs the token");
        } finally {
            await sql(hub, "ALTER TABLE audit_events_away RENAME TO audit_events");
        }
        const [row] = await sql<{ state: string }>(hub, "SELECT state FROM installation_tokens WHERE id = ?", [waiting.id]);
        assert.equal(row.state, "pending", "the failed registration did not consume the token");
        assert.deepEqual(await sql(hub, "SELECT * FROM spokes"), []);
        assert.deepEqual((await sql<{ n: number }>(hub, "SELECT COUNT(*) AS n FROM installation_tokens"))[0].n, 2, "no half-made token");
        const next = await createToken(hub, { spokeName: "after" });
        assert.deepEqual(next.allowedIPs, ["10.0.1.4/32"], "the rolled-back address is free again, in memory too");
        const gap = await createToken(hub, { spokeName: "gap" });
        assert.deepEqual(gap.allowedIPs, ["10.0.1.5/32"]);
        assert.equal((await register(hub, waiting.token)).status, 201);
    });
});
