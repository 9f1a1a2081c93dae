// Faults between a commit and what follows it, and the hub's own settings as a source of
// trouble: a forced re-initialisation that fails half-way, a key file damaged or left over
// by a crash, concurrent reloads of the desired peers, a setting that cannot go into a
// script, and plain-HTTP enrollment.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "../../backend/db/connect";
import { createLogger } from "../../backend/log";
import { DesiredPeers } from "../../backend/spokes/desired";
import { generateKeyPair } from "../../backend/wireguard/keys";
import {
    assertError, createToken, defaultInit, enrolledSpoke, initialisedHub, sql, startHub, waitUntil, type RunningHub,
} from "./helpers";

const confOf = (hub: RunningHub) => path.join(hub.dataDir, "wireguard", "wg0.conf");
const keyFileOf = (hub: RunningHub) => path.join(hub.dataDir, "hub.key");
const confPrivateKey = (hub: RunningHub) => fs.existsSync(confOf(hub)) ? /^PrivateKey = (\S+)$/m.exec(fs.readFileSync(confOf(hub), "utf8"))?.[1] : undefined;

describe("api: faults around a commit", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await initialisedHub();
    });
    after(async () => hub?.stop());

    it("a forced re-initialisation that fails before its commit leaves the key file, the database and wg0.conf as they were", async () => {
        const spoke = await enrolledSpoke(hub, { spokeName: "keeps-its-tunnel" });
        await waitUntil(async () => fs.existsSync(confOf(hub)) && fs.readFileSync(confOf(hub), "utf8").includes(spoke.publicKey), 10_000, "the peer in wg0.conf");
        const keyBefore = fs.readFileSync(keyFileOf(hub), "utf8");
        const configBefore = (await hub.admin("GET", "/api/hub/config")).body;
        // The fault: the audit event of the re-initialisation, the transaction's last write, fails.
        await sql(hub, `CREATE TRIGGER fail_reinit BEFORE INSERT ON audit_events WHEN NEW.action = 'hub.reinitialized'
            BEGIN SELECT RAISE(ABORT, 'injected fault'); END`);
        try {
            const res = await hub.admin("POST", "/api/hub/initialize", { ...defaultInit, networkCIDR: "10.99.0.0/24", force: true });
            assertError(res, 500, "INTERNAL");
        } finally {
            await sql(hub, "DROP TRIGGER fail_reinit");
        }
        assert.equal(fs.readFileSync(keyFileOf(hub), "utf8"), keyBefore, "the running key file is untouched");
        assert.deepEqual(fs.readdirSync(hub.dataDir).filter(f => f.startsWith("hub.key")), ["hub.key"], "nothing staged is left behind");
        const configAfter = (await hub.admin("GET", "/api/hub/config")).body;
        assert.equal(configAfter.publicKey, configBefore.publicKey);
        assert.equal(configAfter.networkCIDR, configBefore.networkCIDR);
        // A full run after the failure writes the conf with the old key and the old peer.
        const other = await enrolledSpoke(hub, { spokeName: "after-the-fault" });
        await waitUntil(async () => fs.readFileSync(confOf(hub), "utf8").includes(other.publicKey), 10_000, "the next peer in wg0.conf");
        assert.equal(`${confPrivateKey(hub)}\n`, keyBefore);
        assert.ok(fs.readFileSync(confOf(hub), "utf8").includes(spoke.publicKey));
        assert.equal(other.address, "10.0.1.3", "the old network's pool is still the one in use");
    });

    it("a re-initialisation that commits switches key, network and address pool before the next request", async () => {
        const keyBefore = fs.readFileSync(keyFileOf(hub), "utf8");
        const [reinit, ...tokens] = await Promise.all([
            hub.admin("POST", "/api/hub/initialize", { ...defaultInit, networkCIDR: "10.77.0.0/24", force: true }),
            // Queued behind the re-initialisation: each must get an address of the new network.
            ...Array.from({ length: 20 }, (_, i) => new Promise(resolve => setImmediate(resolve))
                .then(() => hub.admin("POST", "/api/installation/token", { spokeName: `queued-${i}` }))),
        ]);
        assert.equal(reinit.status, 201, reinit.text);
        assert.notEqual(fs.readFileSync(keyFileOf(hub), "utf8"), keyBefore);
        const held = new Set((await sql<{ address: string }>(hub, "SELECT address FROM address_allocations")).map(r => `${r.address}/32`));
        assert.ok([...held].every(a => a.startsWith("10.77.0.")), `addresses of the old network survive: ${[...held].join(", ")}`);
        for (const token of tokens.filter(t => t.status === 201)) {
            const [address] = token.body.token.allowedIPs as string[];
            // It ran before the re-initialisation (and was removed by it), or after it, in the new network.
            assert.ok(address.startsWith("10.77.0.") ? held.has(address) : !held.has(address), address);
        }
        const fresh = await createToken(hub, { spokeName: "after-reinit" });
        assert.match(fresh.allowedIPs[0], /^10\.77\.0\./);
        await waitUntil(async () => `${confPrivateKey(hub)}\n` === fs.readFileSync(keyFileOf(hub), "utf8"), 10_000, "wg0.conf with the new key");
    });
});

describe("api: the hub's key file at start", () => {
    it("a key staged by a re-initialisation that committed is put in place; one that did not commit is dropped", async () => {
        const hub = await initialisedHub();
        const publicKey = (await hub.admin("GET", "/api/hub/config")).body.publicKey as string;
        const keyFile = keyFileOf(hub);
        const running = fs.readFileSync(keyFile, "utf8");
        await hub.stop();

        // The process died after staging a key whose row never committed: dropped.
        fs.writeFileSync(`${keyFile}.new`, generateKeyPair().privateKey + "\n", { mode: 0o600 });
        let again = await startHub({ dataDir: hub.dataDir, env: { WGHUB_TLS: "off" } });
        assert.equal(fs.readFileSync(keyFile, "utf8"), running);
        assert.equal(fs.existsSync(`${keyFile}.new`), false);
        await again.stop();

        // The row committed and the process died before the rename: the staged key belongs to it.
        const next = generateKeyPair();
        fs.writeFileSync(`${keyFile}.new`, next.privateKey + "\n", { mode: 0o600 });
        await sql(again, "UPDATE hub SET publicKey = ? WHERE id = 1", [next.publicKey]);
        again = await startHub({ dataDir: hub.dataDir, env: { WGHUB_TLS: "off" } });
        try {
            assert.equal(fs.readFileSync(keyFile, "utf8"), next.privateKey + "\n");
            assert.equal(fs.existsSync(`${keyFile}.new`), false);
            assert.notEqual(next.publicKey, publicKey);
        } finally {
            await again.stop();
        }
    });

    it("a damaged key file stops WireGuard from taking it, and its text appears in no log and no answer", async () => {
        const hub = await initialisedHub({ env: { WGHUB_RECONCILE_SCHEDULE: "*/1 * * * * *" } });
        try {
            const spoke = await enrolledSpoke(hub, { spokeName: "before-damage" });
            await waitUntil(async () => fs.existsSync(confOf(hub)) && fs.readFileSync(confOf(hub), "utf8").includes(spoke.publicKey), 10_000, "the peer in wg0.conf");
            const confBefore = fs.readFileSync(confOf(hub), "utf8");
            const garbage = "SECRET-LOOKING-GARBAGE-0123456789abcdef";
            fs.writeFileSync(keyFileOf(hub), garbage + "\n", { mode: 0o600 });
            await enrolledSpoke(hub, { spokeName: "after-damage" });
            await waitUntil(async () => /private key file .* is missing or is not a WireGuard key/.test(hub.output()), 10_000, "the reconciler's error");
            const status = await hub.admin("GET", "/api/hub/status");
            assert.ok(!hub.output().includes(garbage), "the log holds the file's text");
            assert.ok(!status.text.includes(garbage), "the status holds the file's text");
            assert.equal(fs.readFileSync(confOf(hub), "utf8"), confBefore, "wg0.conf keeps the good key and its peers");
        } finally {
            await hub.stop();
        }
    });
});

describe("api: the desired peers", () => {
    it("overlapping reloads share one read (no TypeError), and a reload begun before an invalidation is not kept", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-desired-"));
        const db = await openDatabase(`sqlite:${path.join(dir, "hub.sqlite")}`, createLogger("error"));
        try {
            const desired = new DesiredPeers(db);
            const lists = await Promise.all(Array.from({ length: 5 }, () => desired.list()));
            assert.deepEqual(lists, Array(5).fill([]));
            desired.invalidate();
            const [a, b] = await Promise.all([desired.list(), desired.routedSubnets("x")]);
            assert.deepEqual([a, b], [[], []]);
            // Expired (max age 0): every call reloads, overlapping ones included.
            const ageless = new DesiredPeers(db, 0);
            await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? ageless.list() : ageless.routedSubnets("y"))));
        } finally {
            await db.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("api: the hub's settings and plain HTTP", () => {
    it("a hub setting that cannot go into a script is the server's fault: 500 SCRIPT_UNRENDERABLE with a hint for the admin", async () => {
        const hub = await initialisedHub();
        const token = await createToken(hub, { spokeName: "victim" });
        await hub.stop();
        // Only a damaged database gets here: the API refuses such a value on the way in.
        await sql(hub, "UPDATE hub SET dns = ? WHERE id = 1", [JSON.stringify(["1.1.1.1\nPostUp = id"])]);
        const restarted = await startHub({ dataDir: hub.dataDir, env: { WGHUB_TLS: "off" } });
        try {
            const res = await restarted.publicRequest("GET", `/api/installation/script/${token.token}?platform=linux`);
            assertError(res, 500, "SCRIPT_UNRENDERABLE");
            assert.match(res.body.hint, /admin/);
        } finally {
            await restarted.stop();
        }
    });

    it("token creation refuses plain-HTTP one-liners with 409 INSECURE_ENROLLMENT unless the admin allows them", async () => {
        const plain = await initialisedHub({ env: { WGHUB_ALLOW_HTTP_ENROLLMENT: "no" } });
        try {
            const res = await plain.admin("POST", "/api/installation/token", { spokeName: "over-http" });
            assertError(res, 409, "INSECURE_ENROLLMENT");
            assert.match(res.body.hint, /WGHUB_ALLOW_HTTP_ENROLLMENT=yes/);
            assert.deepEqual(await sql(plain, "SELECT id FROM installation_tokens"), []);
        } finally {
            await plain.stop();
        }
        const proxied = await initialisedHub({ env: { WGHUB_ALLOW_HTTP_ENROLLMENT: "no", WGHUB_PUBLIC_URL: "https://hub.example.net" } });
        try {
            const token = await createToken(proxied, { spokeName: "behind-a-proxy" });
            assert.match(token.installCommands.linux, /https:\/\/hub\.example\.net\//);
        } finally {
            await proxied.stop();
        }
        const allowed = await initialisedHub({ env: { WGHUB_ALLOW_HTTP_ENROLLMENT: "yes" } });
        try {
            await createToken(allowed, { spokeName: "allowed" });
        } finally {
            await allowed.stop();
        }
    });
});
