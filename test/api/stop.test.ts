// An orderly stop in the middle of a burst of registrations: every registration that
// committed gets its 201, and no spoke exists that its spoke was not told about.
import assert from "node:assert/strict";
import { createToken, initialisedHub, register, sql, startHub, type HttpAnswer } from "./helpers";

describe("api: SIGTERM during 200 concurrent registrations", () => {
    it("the spokes in the database after a restart are exactly those answered 201", async () => {
        // 200 clients at once from one address, where a public hub allows 64 connections.
        const hub = await initialisedHub({ init: { networkCIDR: "10.60.0.0/16" }, env: { WGHUB_CONNECTIONS_PER_ADDRESS: "1000" } });
        const tokens = [];
        for (let i = 0; i < 200; i++) tokens.push(await createToken(hub, { spokeName: `burst-${i}` }));

        let signalled = false;
        const answers = await Promise.allSettled(tokens.map(t => register(hub, t.token).then((a: HttpAnswer) => {
            // The first answer means the burst is under way: stop the service now.
            if (!signalled) {
                signalled = true;
                process.kill(hub.pid, "SIGTERM");
            }
            return a;
        })));
        assert.equal(await hub.exited, 0, hub.output());

        const registered = new Set<string>();
        const refused: string[] = [];
        // Connections still in the kernel's queue when the listener closes are reset (no
        // request of theirs ever reached the hub); every request the hub had taken is answered.
        for (const a of answers) {
            if (a.status === "rejected") continue;
            if (a.value.status === 201) registered.add(a.value.body.spoke.id);
            else refused.push(`${a.value.status} ${a.value.body?.code ?? a.value.text}`);
        }
        assert.ok(refused.every(r => r.startsWith("503 SERVICE_STOPPING")), `unexpected answers: ${refused.join(", ")}`);
        const inFlight = Number(/stopping .*requestsInFlight=(\d+)/.exec(hub.output())?.[1]);
        assert.ok(inFlight > 0 && registered.size + refused.length >= inFlight,
            `${inFlight} requests in flight at the stop, ${registered.size + refused.length} answered`);
        assert.ok(registered.size > 0, "the stop let the registrations in flight finish");

        const again = await startHub({ dataDir: hub.dataDir, env: { WGHUB_TLS: "off" } });
        try {
            const listed = (await again.admin("GET", "/api/spoke/list")).body.spokes as { id: string }[];
            assert.deepEqual(listed.map(s => s.id).sort(), [...registered].sort());
            const used = await sql<{ spokeId: string }>(again, "SELECT spokeId FROM installation_tokens WHERE state = 'used'");
            assert.deepEqual(used.map(u => u.spokeId).sort(), [...registered].sort(), "a token is used exactly when its spoke exists");
            assert.match(hub.output(), /stopping.*signal="SIGTERM"/);
            assert.match(hub.output(), /stopped/);
        } finally {
            await again.stop();
        }
    });
});
