// The same service on PostgreSQL (WGHUB_DATABASE_URL=postgres://…): a private server on a
// temp dir (test/support/postgres.ts), the main flows, the races the write queue must keep
// honest, and a restart. Proves no SQL here speaks only SQLite.
import assert from "node:assert/strict";
import { startPostgres, type RunningPostgres } from "../support/postgres";
import { compareNames, referenceOrder, referenceSearch, shownOs, type ListedSpoke } from "../support/spokeListChecks";
import { assertError, createToken, defaultInit, enrolledSpoke, register, spokePublicKey, startHub, type RunningHub } from "../api/helpers";

describe("PostgreSQL backend", function () {
    let pg: RunningPostgres;
    let hub: RunningHub | null = null;

    before(async () => {
        pg = await startPostgres();
        hub = await startHub({ env: { WGHUB_TLS: "off", WGHUB_DATABASE_URL: pg.url } });
    });

    after(async () => {
        await hub?.stop();
        await pg?.stop();
    });

    it("initialises, makes tokens and registers spokes, Proxmox clusters included", async () => {
        const h = hub!;
        assertError(await h.admin("GET", "/api/hub/config"), 404, "HUB_NOT_INITIALIZED");
        assert.equal((await h.admin("POST", "/api/hub/initialize", { ...defaultInit, networkCIDRv6: "fd00:5::/64" })).status, 201);
        assertError(await h.admin("POST", "/api/hub/initialize", defaultInit), 409, "HUB_ALREADY_INITIALIZED");
        const site = await enrolledSpoke(h, { spokeName: "site", subnets: ["192.168.40.0/24"], datacenter: "fra" });
        assert.equal(site.address, "10.0.1.2");
        assert.deepEqual(site.answer.config.addresses, ["10.0.1.2/24", "fd00:5::2/64"]);
        for (const node of ["pve1", "pve2", "pve3"])
            await enrolledSpoke(h, { spokeName: node, datacenter: "fra" }, { isProxmox: true, os: "proxmox", proxmoxNodeName: node, proxmoxClusterName: "prod" });
        const clusters = (await h.admin("GET", "/api/proxmox/clusters")).body.clusters;
        assert.equal(clusters.length, 1);
        assert.equal(clusters[0].nodeCount, 3);
        assert.equal(clusters[0].datacenter, "fra");
        assert.equal((await h.admin("PUT", `/api/proxmox/clusters/${clusters[0].id}`, { description: "rack 2" })).status, 200);
        const spokes = (await h.admin("GET", "/api/spoke/list")).body.spokes as { isProxmox: boolean; enabled: boolean; subnets: string[] }[];
        assert.equal(spokes.length, 4);
        assert.ok(spokes.every(s => typeof s.isProxmox === "boolean" && s.enabled === true), "booleans come back as booleans");
        assert.equal(spokes.filter(s => s.isProxmox).length, 3);
        assertError(await register(h, (await createToken(h)).token, { publicKey: site.publicKey }), 409, "PUBLIC_KEY_IN_USE");
        assertError(await h.admin("POST", "/api/installation/token", { spokeName: "dup", subnets: ["192.168.40.0/25"] }), 409, "ADDRESS_TAKEN");
    });

    it("races: one token raced 50 times gives one spoke; 100 concurrent tokens get distinct addresses", async () => {
        const h = hub!;
        const t = await createToken(h, { spokeName: "raced" });
        const answers = await Promise.all(Array.from({ length: 50 }, () => register(h, t.token)));
        assert.deepEqual(answers.map(a => a.status).sort(), [201, ...Array(49).fill(410)]);
        const made = await Promise.all(Array.from({ length: 100 }, (_, i) => h.admin("POST", "/api/installation/token", { spokeName: `pg-${i}` })));
        assert.deepEqual([...new Set(made.map(m => m.status))], [201]);
        assert.equal(new Set(made.map(m => m.body.token.allowedIPs[0])).size, 100);
    });

    it("revoke, re-enroll, disable, remove; lowest free address comes back", async () => {
        const h = hub!;
        const t = await createToken(h, { spokeName: "short-lived" });
        assert.equal((await h.admin("DELETE", `/api/installation/token/${t.id}`)).status, 200);
        assertError(await register(h, t.token), 410, "TOKEN_REVOKED");
        const victim = (await h.admin("GET", "/api/spoke/list")).body.spokes.find((s: { name: string }) => s.name === "site");
        const re = await createToken(h, { spokeName: "site", spokeId: victim.id });
        const newKey = spokePublicKey();
        const reg = await register(h, re.token, { publicKey: newKey });
        assert.equal(reg.status, 201, reg.text);
        assert.equal(reg.body.spoke.address, "10.0.1.2");
        assert.equal((await h.admin("POST", `/api/spoke/${victim.id}/disable`)).status, 200);
        assert.equal((await h.admin("DELETE", `/api/spoke/${victim.id}`)).status, 200);
        assert.deepEqual((await createToken(h)).allowedIPs, ["10.0.1.2/32", "fd00:5::2/128"]);
        const actions = new Set((await h.admin("GET", "/api/audit?limit=1000")).body.events.map((e: { action: string }) => e.action));
        for (const a of ["hub.initialized", "token.created", "token.revoked", "spoke.registered", "spoke.reenrolled", "spoke.disabled", "spoke.removed", "cluster.updated"])
            assert.ok(actions.has(a), a);
    });

    it("a restart applies no migration and keeps everything", async () => {
        const before = (await hub!.admin("GET", "/api/spoke/list")).body;
        const tokens = (await hub!.admin("GET", "/api/installation/tokens")).body;
        await hub!.stop();
        hub = await startHub({ dataDir: hub!.dataDir, env: { WGHUB_TLS: "off", WGHUB_DATABASE_URL: pg.url } });
        assert.doesNotMatch(hub.output(), /database migrated/);
        // A hub just started reads its first page by name, or a search's, without the list
        // (coldPage.ts; "ve" is in "Proxmox VE", a system as shown).
        const total = before.spokes.length;
        const oses = [...new Set((before.spokes as ListedSpoke[]).map(shownOs))].filter(o => o !== "—").sort(compareNames);
        const found = referenceSearch(before.spokes, { search: "ve" });
        assert.ok(found.length >= 3);
        const search = (await hub.admin("GET", "/api/spoke/list?limit=2&sort=name&search=VE")).body;
        assert.deepEqual(search, { total, matched: found.length, offset: 0, spokes: referenceOrder(found, "name", true).slice(0, 2), oses });
        const page = (await hub.admin("GET", "/api/spoke/list?limit=3&sort=name&order=desc")).body;
        assert.deepEqual(page, { total, matched: total, offset: 0, spokes: referenceOrder(before.spokes, "name", false).slice(0, 3), oses });
        assert.deepEqual((await hub.admin("GET", "/api/spoke/list")).body, before);
        assert.deepEqual((await hub.admin("GET", "/api/installation/tokens")).body, tokens);
        assert.doesNotMatch(hub.output(), /^error:/m);
    });

    it("grouped requests each see the ones before them: one routed subnet asked for twice at once, ten times", async () => {
        const h = hub!;
        for (let i = 0; i < 10; i++) {
            const subnet = `172.20.${i}.0/24`;
            const [plain, ...pair] = await Promise.all([
                h.admin("POST", "/api/installation/token", { spokeName: `pg-plain-${i}` }),
                h.admin("POST", "/api/installation/token", { spokeName: `pg-router-${i}-a`, subnets: [subnet] }),
                h.admin("POST", "/api/installation/token", { spokeName: `pg-router-${i}-b`, subnets: [subnet] }),
            ]);
            assert.equal(plain.status, 201, plain.text);
            assert.deepEqual(pair.map(a => a.status).sort(), [201, 409], pair.map(a => a.text).join("\n"));
        }
    });

    it("registrations sharing a turn: pairs of tokens with one key each, all at once, one 201 per pair", async () => {
        const h = hub!;
        const pairs = await Promise.all(Array.from({ length: 10 }, async (_, i) =>
            ({ key: spokePublicKey(), tokens: [await createToken(h, { spokeName: `pg-twin-${i}-a` }), await createToken(h, { spokeName: `pg-twin-${i}-b` })] })));
        const answers = await Promise.all(pairs.flatMap(p => p.tokens.map(t => register(h, t.token, { publicKey: p.key }))));
        for (let i = 0; i < pairs.length; i++)
            assert.deepEqual(answers.slice(2 * i, 2 * i + 2).map(a => a.status).sort(), [201, 409]);
    });

    it("a cluster token raced by N+5 nodes: exactly N spokes, distinct addresses; the same node twice at once: one", async () => {
        const h = hub!;
        const n = 6;
        const made = await h.admin("POST", "/api/installation/token", { proxmoxCluster: "pg-race", maxUses: n });
        assert.equal(made.status, 201, made.text);
        const node = (name: string) => register(h, made.body.token.token, {
            os: "proxmox", isProxmox: true, hostname: name, proxmoxNodeName: name, proxmoxClusterName: "pg-race",
        });
        const answers = await Promise.all([...Array.from({ length: n + 5 }, (_, i) => node(`pg-race-${i}`)), node("pg-race-0")]);
        const ok = answers.filter(a => a.status === 201);
        assert.equal(ok.length, n, answers.map(a => a.text).join("\n"));
        assert.equal(new Set(ok.map(a => a.body.spoke.address)).size, n);
        assert.equal(new Set(ok.map(a => a.body.spoke.name)).size, n, "no node twice");
        for (const a of answers.filter(x => x.status !== 201))
            assert.ok(["TOKEN_USES_EXHAUSTED", "NODE_ALREADY_ENROLLED"].includes(a.body.code), a.text);
        const tokens = (await h.admin("GET", "/api/installation/tokens")).body.tokens as { id: string; uses: number; state: string; nodes: string[] }[];
        const row = tokens.find(t => t.id === made.body.token.id)!;
        assert.deepEqual([row.uses, row.state, row.nodes.length], [n, "used", n]);
    });

    it("a backup moves the hub between PostgreSQL and SQLite, both ways, and the restored hub goes on writing", async () => {
        const h = hub!;
        const listOf = async (x: RunningHub) => ((await x.admin("GET", "/api/spoke/list")).body.spokes as { id: string; name: string; publicKey: string; address: string }[])
            .map(s => [s.id, s.name, s.publicKey, s.address].join(" ")).sort();
        const fromPg = await h.admin("POST", "/api/hub/backup", {});
        assert.equal(fromPg.status, 200, fromPg.text);
        const sqlite = await startHub({ env: { WGHUB_TLS: "off" } });
        try {
            const into = await sqlite.admin("POST", "/api/hub/restore", { backup: fromPg.text });
            assert.equal(into.status, 200, into.text);
            assert.deepEqual(await listOf(sqlite), await listOf(h));
            const usesOf = async (x: RunningHub) => ((await x.admin("GET", "/api/installation/tokens")).body.tokens as { id: string; nodes: string[] }[])
                .map(t => `${t.id} ${t.nodes.join(",")}`).sort();
            assert.deepEqual(await usesOf(sqlite), await usesOf(h), "cluster tokens keep the nodes they enrolled");
            await enrolledSpoke(sqlite, { spokeName: "made-on-sqlite" });
            const fromSqlite = await sqlite.admin("POST", "/api/hub/backup", {});
            const back = await h.admin("POST", "/api/hub/restore", { backup: fromSqlite.text, force: true });
            assert.equal(back.status, 200, back.text);
            assert.deepEqual(await listOf(h), await listOf(sqlite));
            // The audit log's ids go on after the restored ones (the sequence follows), and new spokes register.
            const after = await enrolledSpoke(h, { spokeName: "made-on-pg-after" });
            assert.ok(after.id);
            const events = (await h.admin("GET", "/api/audit?limit=1000")).body.events as { id: number; action: string }[];
            assert.equal(new Set(events.map(e => e.id)).size, events.length);
            assert.ok(events.some(e => e.action === "hub.restored"));
        } finally {
            await sqlite.stop();
        }
    });
});
