// Concurrency: one token raced by 200 registrations, 500 token creations at once,
// registration against revoke of the same token, and the read-then-write checks that a
// grouped transaction must keep (each request sees the writes of those before it).
import assert from "node:assert/strict";
import { createToken, enrolledSpoke, initialisedHub, register, spokePublicKey, sql, type HttpAnswer, type RunningHub } from "./helpers";

describe("api: races", () => {
    let hub: RunningHub;
    before(async () => {
        // 200 clients at once from one address, where a public hub allows 64 connections.
        hub = await initialisedHub({ init: { networkCIDR: "10.50.0.0/16" }, env: { WGHUB_CONNECTIONS_PER_ADDRESS: "1000" } });
    });
    after(async () => hub?.stop());

    it("200 concurrent registrations with one token: exactly one 201, the rest 410 TOKEN_ALREADY_USED", async () => {
        const token = await createToken(hub, { spokeName: "contested" });
        const answers = await Promise.all(Array.from({ length: 200 }, () => register(hub, token.token)));
        const byStatus = new Map<number, number>();
        for (const a of answers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
        assert.deepEqual([...byStatus.entries()].sort(), [[201, 1], [410, 199]]);
        assert.ok(answers.filter(a => a.status === 410).every(a => a.body.code === "TOKEN_ALREADY_USED"));
        const winner = answers.find(a => a.status === 201)!;
        const spokes = await sql<{ id: string; publicKey: string }>(hub, "SELECT id, publicKey FROM spokes");
        assert.deepEqual(spokes, [{ id: token.spokeId, publicKey: winner.body.spoke.publicKey }]);
        const [row] = await sql<{ state: string }>(hub, "SELECT state FROM installation_tokens WHERE id = ?", [token.id]);
        assert.equal(row.state, "used");
    });

    it("500 concurrent token creations: all 201, 500 distinct addresses, the lowest ones", async () => {
        const before = (await sql<{ n: number }>(hub, "SELECT COUNT(*) AS n FROM address_allocations"))[0].n;
        const answers = await Promise.all(Array.from({ length: 500 }, (_, i) =>
            hub.admin("POST", "/api/installation/token", { spokeName: `bulk-${i}` })));
        const bad = answers.filter(a => a.status !== 201);
        assert.deepEqual(bad.map(a => `${a.status} ${a.text}`), []);
        const addresses = answers.map(a => a.body.token.allowedIPs[0] as string);
        assert.equal(new Set(addresses).size, 500);
        const rows = await sql<{ address: string }>(hub, "SELECT address FROM address_allocations");
        assert.equal(rows.length, before + 500);
        assert.equal(new Set(rows.map(r => r.address)).size, rows.length, "the database holds no address twice");
        const ordinals = addresses.map(a => { const [, , c, d] = a.replace("/32", "").split(".").map(Number); return c * 256 + d; }).sort((x, y) => x - y);
        assert.equal(ordinals[0], before + 2, "no gap before the first");
        assert.equal(ordinals[499], before + 501, "no gap anywhere: the lowest free addresses");
    });

    it("registration racing revoke of one token, 50 times: exactly one of them wins each time", async () => {
        const outcomes: string[] = [];
        for (let i = 0; i < 50; i++) {
            const token = await createToken(hub, { spokeName: `race-${i}` });
            const [reg, rev]: HttpAnswer[] = await Promise.all([
                register(hub, token.token),
                hub.admin("DELETE", `/api/installation/token/${token.id}`),
            ]);
            const [row] = await sql<{ state: string }>(hub, "SELECT state FROM installation_tokens WHERE id = ?", [token.id]);
            const spokes = await sql(hub, "SELECT id FROM spokes WHERE id = ?", [token.spokeId]);
            if (reg.status === 201) {
                assert.equal(rev.status, 409, `both won: ${rev.text}`);
                assert.equal(rev.body.code, "TOKEN_NOT_REVOCABLE");
                assert.equal(row.state, "used");
                assert.equal(spokes.length, 1);
                outcomes.push("register");
            } else {
                assert.equal(rev.status, 200, `neither won: ${reg.text} / ${rev.text}`);
                assert.equal(reg.status, 410, reg.text);
                assert.equal(reg.body.code, "TOKEN_REVOKED");
                assert.equal(row.state, "revoked");
                assert.equal(spokes.length, 0);
                const held = await sql(hub, "SELECT * FROM address_allocations WHERE spokeId = ?", [token.spokeId]);
                assert.equal(held.length, 0, "a revoked token's address is freed");
                outcomes.push("revoke");
            }
        }
        assert.equal(outcomes.length, 50);
    });

    it("two token creations asking for one routed subnet at once, 10 times: exactly one 201 each time, the other ADDRESS_TAKEN", async () => {
        // A creation without subnets goes first, so the two that clash share a grouped
        // transaction, where neither may miss the other's write.
        for (let i = 0; i < 10; i++) {
            const subnet = `192.168.${100 + i}.0/24`;
            const [plain, ...pair] = await Promise.all([
                hub.admin("POST", "/api/installation/token", { spokeName: `plain-${i}` }),
                hub.admin("POST", "/api/installation/token", { spokeName: `router-${i}-a`, subnets: [subnet] }),
                hub.admin("POST", "/api/installation/token", { spokeName: `router-${i}-b`, subnets: [subnet] }),
            ]);
            assert.equal(plain.status, 201, plain.text);
            assert.deepEqual(pair.map(a => a.status).sort(), [201, 409], `${subnet}: ${pair.map(a => `${a.status} ${a.body.code ?? ""}`).join(", ")}`);
            assert.equal(pair.find(a => a.status === 409)!.body.code, "ADDRESS_TAKEN");
            const holders = await sql(hub, "SELECT id FROM installation_tokens WHERE subnets LIKE ? AND state = 'pending'", [`%${subnet}%`]);
            assert.equal(holders.length, 1, `one pending token routes ${subnet}`);
        }
        const orphans = await sql<{ n: number }>(hub, "SELECT COUNT(*) AS n FROM address_allocations WHERE spokeId NOT IN (SELECT spokeId FROM installation_tokens) AND spokeId NOT IN (SELECT id FROM spokes)");
        assert.equal(orphans[0].n, 0, "the refused creations keep no address");
    });

    it("concurrent re-enroll tokens for one spoke: exactly one stays live", async () => {
        const spoke = await enrolledSpoke(hub, { spokeName: "reenrolled" });
        const answers = await Promise.all(Array.from({ length: 10 }, () =>
            hub.admin("POST", "/api/installation/token", { spokeName: "reenrolled", spokeId: spoke.id })));
        assert.deepEqual(answers.map(a => a.status), Array(10).fill(201), answers.map(a => a.text).join("\n"));
        const live = await sql(hub, "SELECT id FROM installation_tokens WHERE spokeId = ? AND purpose = 'reenroll' AND state = 'pending'", [spoke.id]);
        assert.equal(live.length, 1);
    });

    it("registrations share their turn in a group: 20 pairs of tokens, each pair with one public key, all at once: one 201 per pair", async () => {
        const pairs = await Promise.all(Array.from({ length: 20 }, async (_, i) =>
            ({ key: spokePublicKey(), tokens: [await createToken(hub, { spokeName: `twin-${i}-a` }), await createToken(hub, { spokeName: `twin-${i}-b` })] })));
        const answers = await Promise.all(pairs.flatMap(p => p.tokens.map(t => register(hub, t.token, { publicKey: p.key }))));
        for (let i = 0; i < pairs.length; i++) {
            const mine = answers.slice(2 * i, 2 * i + 2);
            assert.deepEqual(mine.map(a => a.status).sort(), [201, 409], mine.map(a => `${a.status} ${a.body.code ?? ""}`).join(", "));
            assert.equal(mine.find(a => a.status === 409)!.body.code, "PUBLIC_KEY_IN_USE");
            const loser = pairs[i].tokens[mine.findIndex(a => a.status === 409)];
            const [row] = await sql<{ state: string }>(hub, "SELECT state FROM installation_tokens WHERE id = ?", [loser.id]);
            assert.equal(row.state, "pending", "the refused registration did not consume its token");
        }
    });

    it("Proxmox nodes of one new cluster registering at once: one cluster, every node in it, the datacenter of one token", async () => {
        const tokens = await Promise.all(Array.from({ length: 12 }, (_, i) =>
            createToken(hub, { spokeName: `pve-${i}`, datacenter: `dc-${i % 3}` })));
        const answers = await Promise.all(tokens.map((t, i) => register(hub, t.token, {
            isProxmox: true, hostname: `pve-${i}`, proxmoxNodeName: `pve-${i}`, proxmoxClusterName: "racing-cluster", proxmoxVersion: "8.2.4",
        })));
        assert.deepEqual(answers.map(a => a.status), Array(12).fill(201), answers.map(a => a.text).join("\n"));
        const clusters = await sql<{ id: string; datacenter: string }>(hub, "SELECT id, datacenter FROM proxmox_clusters WHERE clusterName = 'racing-cluster'");
        assert.equal(clusters.length, 1);
        assert.match(clusters[0].datacenter, /^dc-[012]$/);
        const members = await sql(hub, "SELECT id FROM spokes WHERE proxmoxClusterId = ?", [clusters[0].id]);
        assert.equal(members.length, 12);
    });
});
