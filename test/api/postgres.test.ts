// The same service on PostgreSQL (WGHUB_DATABASE_URL=postgres://…): a private server on a
// temp dir, the main flows, races and a restart. Proves no SQL here speaks only SQLite.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../support/hub";
import { assertError, createToken, defaultInit, enrolledSpoke, register, spokePublicKey, startHub, type RunningHub } from "./helpers";

function postgresBin(): string | null {
    const root = "/usr/lib/postgresql";
    if (!fs.existsSync(root)) return null;
    const versions = fs.readdirSync(root).filter(v => fs.existsSync(path.join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
    return versions.length ? path.join(root, versions[0], "bin") : null;
}

describe("api: on PostgreSQL", function () {
    const bin = postgresBin();
    let dir = "";
    let port = 0;
    let hub: RunningHub | null = null;
    const asPostgres = (cmd: string) => execFileSync("su", ["postgres", "-s", "/bin/sh", "-c", cmd], { stdio: "pipe", timeout: 60_000 });

    before(async function () {
        if (!bin || process.getuid?.() !== 0) {
            console.log(`      (skipped: ${bin ? "needs root to run a private PostgreSQL as the postgres user" : "PostgreSQL is not installed"})`);
            this.skip();
        }
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-pg-"));
        fs.chownSync(dir, Number(execFileSync("id", ["-u", "postgres"]).toString()), 0);
        port = await freePort();
        asPostgres(`"${bin}/initdb" -D "${dir}/data" -U postgres -A trust >/dev/null && ` +
            `"${bin}/pg_ctl" -D "${dir}/data" -o "-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -c fsync=off" -l "${dir}/log" -w start >/dev/null && ` +
            `"${bin}/createdb" -h 127.0.0.1 -p ${port} -U postgres hub`);
        hub = await startHub({ env: { WGHUB_TLS: "off", WGHUB_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/hub` } });
    });

    after(async () => {
        await hub?.stop();
        if (dir && fs.existsSync(path.join(dir, "data", "postmaster.pid")))
            asPostgres(`"${bin}/pg_ctl" -D "${dir}/data" -m immediate -w stop >/dev/null`);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
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
        hub = await startHub({ dataDir: hub!.dataDir, env: { WGHUB_TLS: "off", WGHUB_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/hub` } });
        assert.doesNotMatch(hub.output(), /database migrated/);
        assert.deepEqual((await hub.admin("GET", "/api/spoke/list")).body, before);
        assert.deepEqual((await hub.admin("GET", "/api/installation/tokens")).body, tokens);
        assert.doesNotMatch(hub.output(), /^error:/m);
    });
});
