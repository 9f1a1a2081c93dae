// The proof of concept's defects, each seen when it ran here, kept as regression tests.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
    assertError, assertNowhere, createToken, databaseBytes, enrolledSpoke, initialisedHub, mode, register, sql, waitUntil,
    type RunningHub,
} from "./helpers";

describe("api: the seed's defects stay fixed", () => {
    let hub: RunningHub;
    const marker = path.join(os.tmpdir(), `wghub-seed-defect-${process.pid}`);
    before(async () => {
        hub = await initialisedHub({ env: { WGHUB_RECONCILE_SCHEDULE: "*/1 * * * * *" } });
    });
    after(async () => {
        await hub?.stop();
        fs.rmSync(marker, { force: true });
    });

    it("1. a spoke name with a newline and '[Interface]\\nPostUp = …' is refused, and wg0.conf never gets its PostUp", async () => {
        const hostile = `evil\n[Interface]\nPostUp = touch ${marker}`;
        assertError(await hub.admin("POST", "/api/installation/token", { spokeName: hostile }), 400, "VALIDATION_FAILED");
        assertError(await hub.admin("POST", "/api/installation/token", { spokeName: "ok", datacenter: hostile }), 400, "VALIDATION_FAILED");
        const t = await createToken(hub, { spokeName: "carrier" });
        for (const field of ["hostname", "proxmoxNodeName", "proxmoxClusterName", "proxmoxVersion"])
            assertError(await register(hub, t.token, { isProxmox: true, [field]: hostile }), 400, "VALIDATION_FAILED", field);
        assertError(await register(hub, t.token, { isProxmox: true, proxmoxClusterNodes: ["pve1", hostile] }), 400, "VALIDATION_FAILED");
        assertError(await register(hub, t.token, { metadata: { note: hostile } }), 400, "VALIDATION_FAILED");
        const ok = await register(hub, t.token);
        assert.equal(ok.status, 201, "the token survived the refused attempts");
        const conf = path.join(hub.dataDir, "wireguard", "wg0.conf");
        await waitUntil(async () => fs.existsSync(conf) && fs.readFileSync(conf, "utf8").includes(ok.body.spoke.publicKey), 10_000, "wg0.conf");
        const text = fs.readFileSync(conf, "utf8");
        // the hub's own PostUp (IP forwarding) is the only hook line, and nothing of the name got in
        const hooks = text.split("\n").filter(l => /^\s*(PostUp|PreUp|PostDown|PreDown)\s*=/i.test(l));
        assert.ok(hooks.every(l => /^PostUp = sysctl -q -w [a-z0-9_.=\s]+$/.test(l)), hooks.join("\n"));
        assert.doesNotMatch(text, /touch|evil/);
        assert.equal((text.match(/^\[Interface\]$/gm) ?? []).length, 1);
        assert.equal(fs.existsSync(marker), false);
    });

    it("2. '$(…)' and backticks in a name are refused before they reach any script", async () => {
        for (const spokeName of [`$(touch ${marker})`, `\`touch ${marker}\``, `x; touch ${marker}`, `x' && touch ${marker} && '`])
            assertError(await hub.admin("POST", "/api/installation/token", { spokeName }), 400, "VALIDATION_FAILED", spokeName);
        const tokens = (await hub.admin("GET", "/api/installation/tokens")).body.tokens as { spokeName: string }[];
        assert.ok(tokens.every(t => !t.spokeName.includes("touch")));
        assert.equal(fs.existsSync(marker), false);
    });

    it("3. 16 concurrent registrations with distinct tokens: all 201, none 500, each token used exactly once", async () => {
        const tokens = await Promise.all(Array.from({ length: 16 }, (_, i) => createToken(hub, { spokeName: `parallel-${i}` })));
        const answers = await Promise.all(tokens.map(t => register(hub, t.token)));
        assert.deepEqual(answers.map(a => a.status), Array(16).fill(201), answers.map(a => a.text).join("\n"));
        const ids = tokens.map(t => t.id);
        const rows = await sql<{ id: string; state: string }>(hub,
            `SELECT id, state FROM installation_tokens WHERE id IN (${ids.map(() => "?").join(",")})`, ids);
        assert.equal(rows.length, 16);
        assert.ok(rows.every(r => r.state === "used"));
        const spokes = await sql<{ id: string; address: string }>(hub,
            `SELECT id, address FROM spokes WHERE id IN (${ids.map(() => "?").join(",")})`, tokens.map(t => t.spokeId));
        assert.equal(spokes.length, 16);
        assert.equal(new Set(spokes.map(s => s.address)).size, 16);
        for (const t of tokens) assertError(await register(hub, t.token), 410, "TOKEN_ALREADY_USED");
    });

    it("4. the hub's private key is not in the database, and the key file is not world-readable", () => {
        const key = fs.readFileSync(path.join(hub.dataDir, "hub.key"), "utf8").trim();
        assertNowhere(databaseBytes(hub), key, "hub.sqlite (+ wal)");
        assert.equal(databaseBytes(hub).indexOf(Buffer.from(key, "base64")), -1);
        assert.equal(mode(path.join(hub.dataDir, "hub.key")), 0o600);
        assert.equal(mode(path.join(hub.dataDir, "hub.sqlite")) & 0o077, 0);
        assert.equal(mode(hub.dataDir), 0o700);
    });

    it("5. the token list never returns a token secret", async () => {
        const fresh = await Promise.all([1, 2, 3].map(() => createToken(hub)));
        const used = await enrolledSpoke(hub);
        const list = await hub.admin("GET", "/api/installation/tokens");
        for (const t of [...fresh, used.token]) assertNowhere(list.text, t.token, "the token list");
        for (const item of list.body.tokens) {
            assert.equal(item.token, undefined);
            assert.equal(item.tokenHash, undefined);
            assert.ok(item.tokenPrefix.length <= 8);
        }
        assert.ok(!/[A-Za-z0-9_-]{43}/.test(list.text.replace(/"[0-9a-f-]{36}"/g, "")), "nothing token-shaped in the list");
    });
});
