// Installation tokens: creation, the list without secrets, revoke, expiry and the sweep,
// custom addresses, lowest-free allocation and exhaustion; the tokens of spokes waiting.
import assert from "node:assert/strict";
import { hashToken } from "../../backend/tokens/tokens";
import crypto from "node:crypto";
import { request } from "../support/hub";
import {
    assertError, assertNowhere, createToken, databaseBytes, defaultInit, enrolledSpoke, initialisedHub, register, sql, waitUntil,
    type RunningHub,
} from "./helpers";

const sqliteDate = (d: Date) => d.toISOString().replace("T", " ").replace("Z", " +00:00");

describe("api: installation tokens", () => {
    let hub: RunningHub;
    before(async () => {
        // debug: the access log prints every path, including the script route's token
        hub = await initialisedHub({ env: { WGHUB_LOG_LEVEL: "debug", WGHUB_RECONCILE_SCHEDULE: "*/1 * * * * *" } });
    });
    after(async () => hub?.stop());

    it("creates a 256-bit base64url token with the seed's shape and install commands for every platform", async () => {
        const res = await hub.admin("POST", "/api/installation/token", { spokeName: "web-1", datacenter: "fra1", subnets: ["192.168.50.0/24"] });
        assert.equal(res.status, 201, res.text);
        assert.equal(res.body.message, "Installation token generated");
        const t = res.body.token;
        assert.match(t.token, /^[A-Za-z0-9_-]{43}$/);
        assert.equal(Buffer.from(t.token, "base64url").length, 32);
        assert.match(t.id, /^[0-9a-f-]{36}$/);
        assert.match(t.spokeId, /^[0-9a-f-]{36}$/);
        assert.equal(t.spokeName, "web-1");
        assert.deepEqual(t.allowedIPs, ["10.0.1.2/32", "192.168.50.0/24"]);
        assert.equal(t.datacenter, "fra1");
        assert.equal(t.state, "pending");
        const ttl = Date.parse(t.expiresAt) - Date.parse(t.createdAt);
        assert.equal(ttl, 24 * 3600_000, "WGHUB_TOKEN_TTL default 24h");
        assert.deepEqual(Object.keys(t.installCommands).sort(), ["linux", "macos", "proxmox", "windows"]);
        for (const [platform, cmd] of Object.entries<string>(t.installCommands)) {
            assert.ok(cmd.includes(`/api/installation/script/${t.token}?platform=${platform}`), cmd);
            assert.ok(cmd.includes(`http://203.0.113.5:${new URL(hub.publicUrl).port}`), cmd);
        }
        assert.match(t.installCommands.linux, /\| sudo bash$/);
        assert.match(t.installCommands.proxmox, /\| bash$/);
    });

    it("takes a per-token TTL as a duration or seconds, within 5m..30d", async () => {
        const a = await createToken(hub, { ttl: "1h" });
        assert.equal(Date.parse(a.expiresAt) - Date.now() <= 3600_000 && Date.parse(a.expiresAt) - Date.now() > 3500_000, true);
        const b = await createToken(hub, { ttl: 600 });
        assert.ok(Math.abs(Date.parse(b.expiresAt) - Date.now() - 600_000) < 30_000);
        assertError(await hub.admin("POST", "/api/installation/token", { spokeName: "x", ttl: "1m" }), 400, "VALIDATION_FAILED");
        assertError(await hub.admin("POST", "/api/installation/token", { spokeName: "x", ttl: "31d" }), 400, "VALIDATION_FAILED");
    });

    it("the list never holds a secret or its hash; the log and the database file never hold a secret", async () => {
        const made = await Promise.all([1, 2, 3].map(i => createToken(hub, { spokeName: `secret-${i}` })));
        // use one on both public routes, so the access log has seen it in a path and a body
        const script = await hub.publicRequest("GET", `/api/installation/script/${made[0].token}?platform=linux`);
        assert.equal(script.status, 200, script.text);
        assert.equal((await register(hub, made[0].token)).status, 201);
        const list = await hub.admin("GET", "/api/installation/tokens");
        assert.equal(list.status, 200);
        assert.match(hub.output(), /debug: request method="GET" path="\/api\/installation\/script\//, "the access log ran");
        const db = databaseBytes(hub);
        for (const t of made) {
            const view = list.body.tokens.find((x: { id: string }) => x.id === t.id);
            assert.ok(view, "listed");
            assert.equal(view.token, undefined);
            assert.equal(view.tokenHash, undefined);
            assert.equal(view.tokenPrefix, t.token.slice(0, 6));
            assertNowhere(list.text, t.token, "GET /api/installation/tokens");
            assertNowhere(list.text, hashToken(t.token), "GET /api/installation/tokens (hash)");
            assertNowhere(hub.output(), t.token, "the service's log");
            assertNowhere(db, t.token, "the SQLite file");
        }
        const [stored] = await sql<{ tokenHash: string }>(hub, "SELECT tokenHash FROM installation_tokens WHERE id = ?", [made[1].id]);
        assert.equal(stored.tokenHash, hashToken(made[1].token), "stored as its hash (hashToken's own test checks it is SHA-256)");
        assert.equal(list.body.tokens.find((x: { id: string }) => x.id === made[0].id).state, "used");
    });

    it("revoke: 200, then registration is 410 TOKEN_REVOKED, a second revoke is harmless, the address is free again", async () => {
        const t = await createToken(hub, { spokeName: "to-revoke" });
        const address = t.allowedIPs[0];
        const res = await hub.admin("DELETE", `/api/installation/token/${t.id}`);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.tokenId, t.id);
        assertError(await register(hub, t.token), 410, "TOKEN_REVOKED");
        assertError(await hub.publicRequest("GET", `/api/installation/script/${t.token}`), 410, "TOKEN_REVOKED");
        assert.equal((await hub.admin("DELETE", `/api/installation/token/${t.id}`)).status, 200);
        const listed = (await hub.admin("GET", "/api/installation/tokens")).body.tokens.find((x: { id: string }) => x.id === t.id);
        assert.equal(listed.state, "revoked");
        assert.ok(listed.revokedAt);
        const next = await createToken(hub);
        assert.equal(next.allowedIPs[0], address, "the revoked token's address is the lowest free one");
    });

    it("revoking a used token is 409 TOKEN_NOT_REVOCABLE; an unknown id is 404 TOKEN_NOT_FOUND; a bad id 400", async () => {
        const spoke = await enrolledSpoke(hub);
        assertError(await hub.admin("DELETE", `/api/installation/token/${spoke.token.id}`), 409, "TOKEN_NOT_REVOCABLE");
        assertError(await hub.admin("DELETE", `/api/installation/token/${crypto.randomUUID()}`), 404, "TOKEN_NOT_FOUND");
        assertError(await hub.admin("DELETE", "/api/installation/token/not-an-id"), 400, "VALIDATION_FAILED");
    });

    it("registration: unknown token 404 TOKEN_NOT_FOUND, used token 410 TOKEN_ALREADY_USED", async () => {
        assertError(await register(hub, crypto.randomBytes(32).toString("base64url")), 404, "TOKEN_NOT_FOUND");
        assertError(await register(hub, "short"), 404, "TOKEN_NOT_FOUND");
        const spoke = await enrolledSpoke(hub);
        assertError(await register(hub, spoke.token.token), 410, "TOKEN_ALREADY_USED");
        assertError(await hub.publicRequest("GET", `/api/installation/script/${spoke.token.token}`), 410, "TOKEN_ALREADY_USED");
    });

    it("an expired token is 410 TOKEN_EXPIRED at once, and the sweep marks it expired and frees its address", async () => {
        const t = await createToken(hub, { spokeName: "late" });
        const address = t.allowedIPs[0].replace("/32", "");
        const past = sqliteDate(new Date(Date.now() - 60_000));
        await sql(hub, "UPDATE installation_tokens SET expiresAt = ? WHERE id = ?", [past, t.id]);
        assertError(await register(hub, t.token), 410, "TOKEN_EXPIRED");
        assertError(await hub.publicRequest("GET", `/api/installation/script/${t.token}?platform=linux`), 410, "TOKEN_EXPIRED");
        const listed = (await hub.admin("GET", "/api/installation/tokens")).body.tokens.find((x: { id: string }) => x.id === t.id);
        assert.equal(listed.state, "expired", "the list shows it expired before the sweep");
        await waitUntil(async () => {
            const [row] = await sql<{ state: string }>(hub, "SELECT state FROM installation_tokens WHERE id = ?", [t.id]);
            return row.state === "expired";
        }, 15_000, "the sweep to mark the token expired");
        const held = await sql(hub, "SELECT * FROM address_allocations WHERE address = ?", [address]);
        assert.deepEqual(held, [], "the expired token's address is released");
        const next = await createToken(hub);
        assert.equal(next.allowedIPs[0], `${address}/32`, "and handed out again");
        assertError(await register(hub, t.token), 410, "TOKEN_EXPIRED");
        // revoking it now must not free the address its successor holds
        assert.equal((await hub.admin("DELETE", `/api/installation/token/${t.id}`)).status, 200);
        const holder = await sql<{ spokeId: string }>(hub, "SELECT spokeId FROM address_allocations WHERE address = ?", [address]);
        assert.deepEqual(holder.map(h => h.spokeId), [next.spokeId]);
    });

    describe("re-issue: a new command for a spoke still waiting", () => {
        it("replaces the token in one step: same spoke, name, address, subnets, datacenter; the old one stops working", async () => {
            const old = await createToken(hub, { spokeName: "reissued", datacenter: "Lyon", subnets: ["192.168.140.0/24"], ttl: "2h" });
            const res = await hub.admin("POST", `/api/installation/token/${old.id}/reissue`);
            assert.equal(res.status, 201, res.text);
            const fresh = res.body.token;
            assert.notEqual(fresh.token, old.token);
            assert.deepEqual([fresh.spokeId, fresh.spokeName, fresh.allowedIPs, fresh.subnets, fresh.datacenter],
                [old.spokeId, "reissued", old.allowedIPs, ["192.168.140.0/24"], "Lyon"]);
            const life = Date.parse(fresh.expiresAt) - Date.parse(fresh.createdAt);
            assert.ok(Math.abs(life - 2 * 3600_000) < 5_000, `the old lifetime, from now: ${life} ms`);
            assert.ok(fresh.installCommands.linux.includes(fresh.token));
            assertError(await register(hub, old.token), 410, "TOKEN_REVOKED");
            const enrolled = await register(hub, fresh.token);
            assert.equal(enrolled.status, 201, enrolled.text);
            assert.equal(enrolled.body.spoke.address, old.allowedIPs[0].replace("/32", ""));
            const audit = (await hub.admin("GET", "/api/audit?subject=reissued")).body.events as { action: string }[];
            assert.ok(audit.some(e => e.action === "token.reissued"));
        });

        it("takes an expired token's address back; refuses a used or revoked one", async () => {
            const expiring = await createToken(hub, { spokeName: "expired-then-reissued" });
            await sql(hub, `UPDATE installation_tokens SET "expiresAt" = ? WHERE id = ?`, [sqliteDate(new Date(Date.now() - 1000)), expiring.id]);
            await waitUntil(async () => (await sql<{ n: number }>(hub, "SELECT COUNT(*) AS n FROM address_allocations WHERE \"spokeId\" = ?", [expiring.spokeId]))[0].n === 0,
                10_000, "the sweep to free the expired token's address");
            const again = await hub.admin("POST", `/api/installation/token/${expiring.id}/reissue`);
            assert.equal(again.status, 201, again.text);
            assert.deepEqual(again.body.token.allowedIPs, expiring.allowedIPs);
            assert.equal((await register(hub, again.body.token.token)).status, 201);
            assertError(await hub.admin("POST", `/api/installation/token/${again.body.token.id}/reissue`), 409, "TOKEN_NOT_REVOCABLE");
            const revoked = await createToken(hub, { spokeName: "revoked-first" });
            assert.equal((await hub.admin("DELETE", `/api/installation/token/${revoked.id}`)).status, 200);
            assertError(await hub.admin("POST", `/api/installation/token/${revoked.id}/reissue`), 409, "TOKEN_NOT_REVOCABLE");
            assertError(await hub.admin("POST", `/api/installation/token/${crypto.randomUUID()}/reissue`), 404, "TOKEN_NOT_FOUND");
        });

        it("a re-issue racing the registration, 10 times: exactly one of them wins, and one address stays one spoke's", async () => {
            for (let i = 0; i < 10; i++) {
                const t = await createToken(hub, { spokeName: `race-reissue-${i}` });
                const [reg, re] = await Promise.all([register(hub, t.token), hub.admin("POST", `/api/installation/token/${t.id}/reissue`)]);
                assert.deepEqual([reg.status, re.status].sort(), [201, reg.status === 201 ? 409 : 410].sort(), `${reg.text} | ${re.text}`);
                const owners = await sql<{ n: number }>(hub, "SELECT COUNT(*) AS n FROM address_allocations WHERE address = ?", [t.allowedIPs[0].replace("/32", "")]);
                assert.equal(owners[0].n, 1);
            }
        });
    });
});

describe("api: custom addresses, lowest free, exhaustion", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await initialisedHub();
    });
    after(async () => hub?.stop());

    it("customIP: inside the network is honoured; outside, network, broadcast, hub and taken ones 409; IPv6 400", async () => {
        const custom = await createToken(hub, { customIP: "10.0.1.200" });
        assert.deepEqual(custom.allowedIPs, ["10.0.1.200/32"]);
        assertError(await hub.admin("POST", "/api/installation/token", { spokeName: "x", customIP: "10.0.1.200" }), 409, "ADDRESS_TAKEN");
        assertError(await hub.admin("POST", "/api/installation/token", { spokeName: "x", customIP: "10.0.1.1" }), 409, "ADDRESS_TAKEN");
        assertError(await hub.admin("POST", "/api/installation/token", { spokeName: "x", customIP: "10.0.2.7" }), 409, "ADDRESS_UNAVAILABLE");
        assertError(await hub.admin("POST", "/api/installation/token", { spokeName: "x", customIP: "10.0.1.0" }), 409, "ADDRESS_UNAVAILABLE");
        assertError(await hub.admin("POST", "/api/installation/token", { spokeName: "x", customIP: "10.0.1.255" }), 409, "ADDRESS_UNAVAILABLE");
        assertError(await hub.admin("POST", "/api/installation/token", { spokeName: "x", customIP: "fd00::5" }), 400, "VALIDATION_FAILED");
        const lowest = await createToken(hub);
        assert.deepEqual(lowest.allowedIPs, ["10.0.1.2/32"], "a custom address does not move the lowest free one");
    });

    it("deleting a spoke frees its address: the next token gets the lowest free one back", async () => {
        const a = await enrolledSpoke(hub);
        const b = await enrolledSpoke(hub);
        const c = await enrolledSpoke(hub);
        assert.deepEqual([a.address, b.address, c.address], ["10.0.1.3", "10.0.1.4", "10.0.1.5"]);
        const del = await hub.admin("DELETE", `/api/spoke/${b.id}`);
        assert.equal(del.status, 200, del.text);
        assert.equal(del.body.spokeId, b.id);
        assertError(await hub.admin("DELETE", `/api/spoke/${b.id}`), 404, "SPOKE_NOT_FOUND");
        const again = await createToken(hub);
        assert.deepEqual(again.allowedIPs, ["10.0.1.4/32"]);
        const after = await createToken(hub);
        assert.deepEqual(after.allowedIPs, ["10.0.1.6/32"]);
        const spokes = (await hub.admin("GET", "/api/spoke/list")).body.spokes as { id: string }[];
        assert.deepEqual(spokes.map(s => s.id).sort(), [a.id, c.id].sort());
    });

    it("a routed subnet belongs to one spoke: overlaps with another spoke's or a pending token's are 409 ADDRESS_TAKEN", async () => {
        const owner = await enrolledSpoke(hub, { spokeName: "site-a", subnets: ["192.168.10.0/24"] });
        const pending = await createToken(hub, { spokeName: "site-b", subnets: ["172.16.0.0/16"] });
        for (const subnets of [["192.168.10.0/24"], ["192.168.10.128/25"], ["192.168.0.0/16"], ["10.99.0.0/16", "172.16.5.0/24"]]) {
            const res = await hub.admin("POST", "/api/installation/token", { spokeName: "site-c", subnets });
            assertError(res, 409, "ADDRESS_TAKEN", subnets.join(","));
            assert.match(res.body.error, /site-a|site-b/);
        }
        const re = await createToken(hub, { spokeName: "site-a", spokeId: owner.id, subnets: ["192.168.10.0/24", "192.168.11.0/24"] });
        assert.deepEqual(re.allowedIPs.slice(1), ["192.168.10.0/24", "192.168.11.0/24"], "a re-enrollment may keep and extend its own");
        assert.equal((await hub.admin("DELETE", `/api/installation/token/${pending.id}`)).status, 200);
        const freed = await createToken(hub, { spokeName: "site-c", subnets: ["172.16.0.0/16"] });
        assert.deepEqual(freed.allowedIPs.slice(1), ["172.16.0.0/16"], "a revoked token's subnet is free again");
    });

    it("a /29 holds 5 spokes; the 6th token is 409 ADDRESS_POOL_EXHAUSTED saying the network is full", async () => {
        const res = await hub.admin("POST", "/api/hub/initialize", { ...defaultInit, networkCIDR: "10.7.7.0/29", force: true });
        assert.equal(res.status, 201, res.text);
        const got = [];
        for (let i = 0; i < 5; i++) got.push((await createToken(hub)).allowedIPs[0]);
        assert.deepEqual(got, ["10.7.7.2/32", "10.7.7.3/32", "10.7.7.4/32", "10.7.7.5/32", "10.7.7.6/32"]);
        const full = await hub.admin("POST", "/api/installation/token", { spokeName: "one-too-many" });
        assertError(full, 409, "ADDRESS_POOL_EXHAUSTED");
        assert.match(full.body.error, /10\.7\.7\.0\/29 is full/);
        assert.match(full.body.hint, /revoke|remove|larger/i);
        const tokens = (await hub.admin("GET", "/api/installation/tokens")).body.tokens as { id: string; allowedIPs: string[] }[];
        assert.equal(tokens.length, 5, "the refused creation left no token");
        const victim = tokens.find(t => t.allowedIPs[0] === "10.7.7.4/32")!;
        assert.equal((await hub.admin("DELETE", `/api/installation/token/${victim.id}`)).status, 200);
        assert.deepEqual((await createToken(hub)).allowedIPs, ["10.7.7.4/32"]);
        assertError(await hub.admin("POST", "/api/installation/token", { spokeName: "still-full" }), 409, "ADDRESS_POOL_EXHAUSTED");
    });
});

describe("api: the tokens of spokes waiting for enrollment (waiting=true)", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await initialisedHub();
    });
    after(async () => hub?.stop());

    const waitingList = async (query = "waiting=true") => {
        const r = await hub.admin("GET", `/api/installation/tokens?${query}`);
        assert.equal(r.status, 200, r.text);
        return { tokens: r.body.tokens as { id: string }[], etag: String(r.headers.etag) };
    };
    const expire = (id: string) => sql(hub, "UPDATE installation_tokens SET expiresAt = ? WHERE id = ?", [sqliteDate(new Date(Date.now() - 60_000)), id]);

    it("holds unused, unexpired enrollment tokens of spokes not registered, and cluster tokens still usable: as the whole list shows them", async () => {
        const waiting = await createToken(hub, { spokeName: "waiting-1", datacenter: "ams", subnets: ["192.168.60.0/24"] });
        const enrolled = await enrolledSpoke(hub);
        const revoked = await createToken(hub, { spokeName: "revoked" });
        assert.equal((await hub.admin("DELETE", `/api/installation/token/${revoked.id}`)).status, 200);
        const expired = await createToken(hub, { spokeName: "expired" });
        await expire(expired.id);
        const reenroll = await createToken(hub, { spokeName: enrolled.token.spokeName, spokeId: enrolled.id });
        const cluster = (await hub.admin("POST", "/api/installation/token", { maxUses: 3, datacenter: "fra" })).body.token as { id: string };
        const expiredCluster = (await hub.admin("POST", "/api/installation/token", { maxUses: 2 })).body.token as { id: string };
        await expire(expiredCluster.id);
        // A pending enrollment token whose spoke is registered (as a restore of an old backup may leave one).
        const registered = await createToken(hub, { spokeName: "registered" });
        await sql(hub, "UPDATE installation_tokens SET spokeId = ? WHERE id = ?", [enrolled.id, registered.id]);
        const waiting2 = await createToken(hub, { spokeName: "waiting-2" });

        const all = (await hub.admin("GET", "/api/installation/tokens")).body.tokens as { id: string }[];
        for (const t of [waiting, enrolled.token, revoked, expired, reenroll, cluster, expiredCluster, registered, waiting2])
            assert.ok(all.some(x => x.id === t.id), "the whole list has them all");
        const { tokens } = await waitingList();
        assert.deepEqual(tokens.map(t => t.id), [waiting2.id, cluster.id, waiting.id], "newest first, only those waiting");
        assert.deepEqual(tokens, all.filter(t => tokens.some(x => x.id === t.id)), "each as the whole list shows it");
        assert.deepEqual((await waitingList("waiting=false")).tokens, all);
    });

    it("has an ETag: {unchanged: true} to unchangedSince while it holds, 304 to If-None-Match; a new token changes it", async () => {
        const first = await waitingList();
        const again = await hub.admin("GET", `/api/installation/tokens?waiting=true&unchangedSince=${encodeURIComponent(first.etag)}`);
        assert.deepEqual(again.body, { unchanged: true });
        assert.equal(again.headers.etag, first.etag);
        const notModified = await request({ socketPath: hub.socket, method: "GET", path: "/api/installation/tokens?waiting=true",
            headers: { host: "localhost", "if-none-match": first.etag } });
        assert.equal(notModified.status, 304);
        const whole = await hub.admin("GET", `/api/installation/tokens?unchangedSince=${encodeURIComponent(first.etag)}`);
        assert.ok(Array.isArray(whole.body.tokens), "the whole list is another answer");
        await createToken(hub, { spokeName: "waiting-3" });
        const after = await hub.admin("GET", `/api/installation/tokens?waiting=true&unchangedSince=${encodeURIComponent(first.etag)}`);
        assert.equal(after.body.tokens.length, first.tokens.length + 1);
        assert.notEqual(after.headers.etag, first.etag);
        assertError(await hub.admin("GET", "/api/installation/tokens?waiting=yes"), 400, "VALIDATION_FAILED");
    });
});
