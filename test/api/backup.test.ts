// Backup and restore through the real service and the wireguard-hub command: a hub restored
// from a backup has the same keys, pin, spokes and tokens; a bad file changes nothing and says
// why; a restore shuts other writes out rather than mixing with them; a downgrade won't start.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fetchPin } from "../support/hub";
import { schemaNames } from "../../backend/db/migrations";
import { assertError, assertNowhere, cli, createToken, enrolledSpoke, initialisedHub, mode, register, sql, startHub, type RunningHub } from "./helpers";

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-backup-"));
after(() => fs.rmSync(workDir, { recursive: true, force: true }));

function file(name: string): string {
    return path.join(workDir, name);
}

async function spokesOf(hub: RunningHub): Promise<{ id: string; name: string; publicKey: string; address: string; subnets: string[] }[]> {
    const list = await hub.admin("GET", "/api/spoke/list");
    assert.equal(list.status, 200, list.text);
    return (list.body.spokes as any[]).map(s => ({ id: s.id, name: s.name, publicKey: s.publicKey, address: s.address, subnets: s.subnets }))
        .sort((a, b) => a.id.localeCompare(b.id));
}

async function stateOf(hub: RunningHub): Promise<string> {
    const config = await hub.admin("GET", "/api/hub/config");
    const key = fs.existsSync(path.join(hub.dataDir, "hub.key")) ? fs.readFileSync(path.join(hub.dataDir, "hub.key"), "utf8") : "";
    return JSON.stringify({ config: config.status === 200 ? config.body : config.status, spokes: config.status === 200 ? await spokesOf(hub) : [], key });
}

describe("api: backup and restore", function () {
    this.timeout(120_000);
    let a: RunningHub;
    let plainFile: string;
    let pendingToken: string;
    const passFile = file("passphrase");

    before(async () => {
        // TLS on: the pin that install commands carry must survive the move.
        a = await startHub({ env: { WGHUB_TLS: "on" } });
        const init = await a.admin("POST", "/api/hub/initialize", { networkCIDR: "10.77.0.0/24", publicEndpoint: "127.0.0.1:51820", dns: ["10.77.0.1"] });
        assert.equal(init.status, 201, init.text);
        await enrolledSpoke(a, { spokeName: "kept-1", subnets: ["192.168.77.0/24"] });
        await enrolledSpoke(a, { spokeName: "kept-2", datacenter: "Paris" });
        pendingToken = (await createToken(a, { spokeName: "later" })).token;
        fs.writeFileSync(passFile, "correct horse battery staple\n", { mode: 0o600 });
        plainFile = file("plain.backup");
        const made = await cli(["--socket", a.socket, "backup", plainFile]);
        assert.equal(made.code, 0, made.stderr);
        assert.match(made.stdout, /Backup written to .*plain\.backup/);
    });
    after(async () => a?.stop());

    it("writes one file, 0600, that holds the keys and is refused by nothing but its own checks", () => {
        assert.equal(mode(plainFile), 0o600);
        const text = fs.readFileSync(plainFile, "utf8");
        assert.match(text, /^WIREGUARD-HUB-BACKUP\n\{"format":1,/);
        assert.ok(text.includes(fs.readFileSync(path.join(a.dataDir, "hub.key"), "utf8").trim()), "the hub's private key is in the backup");
        assert.ok(text.includes("BEGIN PRIVATE KEY"), "the TLS key is in the backup");
        assert.ok(!a.output().includes(fs.readFileSync(path.join(a.dataDir, "hub.key"), "utf8").trim()), "the key is not in the log");
    });

    it("restores into a fresh hub: same key, same pin, same spokes, and a token made before still enrolls", async () => {
        const b = await startHub({ env: { WGHUB_TLS: "on" } });
        try {
            const restored = await cli(["--socket", b.socket, "restore", plainFile]);
            assert.equal(restored.code, 0, restored.stderr);
            assert.match(restored.stdout, /Hub restored from the backup of .*: 2 spoke\(s\), 1 pending token\(s\)/);
            assert.equal(fs.readFileSync(path.join(b.dataDir, "hub.key"), "utf8"), fs.readFileSync(path.join(a.dataDir, "hub.key"), "utf8"));
            assert.equal(mode(path.join(b.dataDir, "hub.key")), 0o600);
            assert.deepEqual(await spokesOf(b), await spokesOf(a));
            const [configA, configB] = await Promise.all([a.admin("GET", "/api/hub/config"), b.admin("GET", "/api/hub/config")]);
            assert.equal(configB.body.publicKey, configA.body.publicKey);
            assert.equal(configB.body.tlsPin, configA.body.tlsPin);
            const url = new URL(b.publicUrl);
            assert.equal(await fetchPin(url.hostname, Number(url.port)), configA.body.tlsPin, "B serves A's TLS key");
            const enrolled = await register(b, pendingToken);
            assert.equal(enrolled.status, 201, enrolled.text);
            const audit = (await b.admin("GET", "/api/audit")).body.events as { action: string }[];
            assert.ok(audit.some(e => e.action === "hub.restored"));
            assert.ok(audit.some(e => e.action === "spoke.registered"), "A's audit log came along");
            // The restored audit ids go on from the backup's: new events append.
            const ids = (await sql<{ id: number }>(b, "SELECT id FROM audit_events ORDER BY id")).map(r => r.id);
            assert.equal(new Set(ids).size, ids.length);
        } finally {
            await b.stop();
        }
    });

    it("encrypts with --passphrase-file; without it, or with another, the restore says so and changes nothing", async () => {
        const sealedFile = file("sealed.backup");
        const made = await cli(["--socket", a.socket, "backup", sealedFile, "--passphrase-file", passFile]);
        assert.equal(made.code, 0, made.stderr);
        const text = fs.readFileSync(sealedFile, "utf8");
        assertNowhere(text, fs.readFileSync(path.join(a.dataDir, "hub.key"), "utf8").trim(), "the encrypted backup");
        assert.ok(!text.includes("BEGIN PRIVATE KEY") && !text.includes("kept-1"), "nothing readable without the passphrase");

        const b = await startHub({ env: { WGHUB_TLS: "off" } });
        try {
            const before = await stateOf(b);
            const noPass = await cli(["--socket", b.socket, "restore", sealedFile]);
            assert.equal(noPass.code, 1);
            assert.match(noPass.stderr, /error: This backup is encrypted\nhint: .*--passphrase-file/);
            const wrong = file("wrong");
            fs.writeFileSync(wrong, "not the passphrase\n");
            const bad = await cli(["--socket", b.socket, "restore", sealedFile, "--passphrase-file", wrong]);
            assert.equal(bad.code, 1);
            assert.match(bad.stderr, /The passphrase is not this backup's/);
            assert.equal(await stateOf(b), before, "nothing changed");
            const ok = await cli(["--socket", b.socket, "restore", sealedFile, "--passphrase-file", passFile]);
            assert.equal(ok.code, 0, ok.stderr);
            // This hub serves plain HTTP where the backup's served TLS: the restore says what that means.
            assert.match(ok.stdout, /warning: WGHUB_TLS was on and is off here/);
            assert.deepEqual(await spokesOf(b), await spokesOf(a));
        } finally {
            await b.stop();
        }
    });

    it("refuses a corrupt, truncated, foreign or newer file with its reason, and the hub is unchanged", async () => {
        const text = fs.readFileSync(plainFile, "utf8");
        const lines = text.split("\n");
        const header = JSON.parse(lines[1]);
        const cases: [string, string, RegExp][] = [
            ["corrupt", text.replace("kept-1", "kept-9"), /damaged: its content does not match its checksum/],
            ["truncated", text.slice(0, Math.floor(text.length / 2)), /truncated/],
            ["foreign", "#!/bin/sh\necho hello\n", /not a wireguard-hub backup/],
            ["empty", "\n", /not a wireguard-hub backup/],
            ["newer format", [lines[0], JSON.stringify({ ...header, format: 99, hubVersion: "9.0.0" }), ...lines.slice(2)].join("\n"), /newer wireguard-hub \(9\.0\.0, backup format 99\)/],
            ["newer schema", [lines[0], JSON.stringify({ ...header, schema: [...header.schema, "999-from-the-future"] }), ...lines.slice(2)].join("\n"), /newer wireguard-hub .*999-from-the-future/],
        ];
        const before = await stateOf(a);
        for (const [name, content, reason] of cases) {
            const res = await a.admin("POST", "/api/hub/restore", { backup: content, force: true });
            assertError(res, 400, "BACKUP_INVALID", name);
            assert.match(res.body.error, reason, name);
        }
        assert.equal(await stateOf(a), before, "the hub is as it was");
        assert.ok(!fs.readdirSync(a.dataDir).some(f => f.endsWith(".new")), "no staged file left behind");
        const url = new URL(a.publicUrl);
        assert.equal(await fetchPin(url.hostname, Number(url.port)), JSON.parse(before).config.tlsPin);
    });

    it("won't replace an initialised hub without force; the CLI asks, or takes --yes", async () => {
        const c = await initialisedHub({ init: { networkCIDR: "10.78.0.0/24" } });
        try {
            await enrolledSpoke(c, { spokeName: "replaced" });
            assertError(await c.admin("POST", "/api/hub/restore", { backup: fs.readFileSync(plainFile, "utf8") }), 409, "HUB_ALREADY_INITIALIZED");
            const unasked = await cli(["--socket", c.socket, "restore", plainFile, "--force"]);
            assert.equal(unasked.code, 1);
            assert.match(unasked.stderr, /needs a confirmation .* or --yes/);
            const replaced = await cli(["--socket", c.socket, "restore", plainFile, "--force", "--yes"]);
            assert.equal(replaced.code, 0, replaced.stderr);
            assert.deepEqual((await spokesOf(c)).map(s => s.name).sort(), ["kept-1", "kept-2"]);
            assert.equal((await c.admin("GET", "/api/hub/config")).body.networkCIDR, "10.77.0.0/24");
        } finally {
            await c.stop();
        }
    });

    it("shuts writes out while it replaces a hub: registrations are answered before, refused during, and those after land on the backup's state", async () => {
        const source = await initialisedHub({ init: { networkCIDR: "10.79.0.0/20" } });
        const backupTokens: string[] = [];
        let backup: string;
        try {
            for (let i = 0; i < 8; i++) backupTokens.push((await createToken(source, { spokeName: `waiting-${i}` })).token);
            for (let i = 0; i < 200; i++) await enrolledSpoke(source, { spokeName: `bulk-${i}` });
            backup = (await source.admin("POST", "/api/hub/backup", {})).text;
        } finally {
            await source.stop();
        }
        const target = await initialisedHub({ init: { networkCIDR: "10.80.0.0/20" } });
        try {
            const oldTokens: string[] = [];
            for (let i = 0; i < 200; i++) oldTokens.push((await createToken(target, { spokeName: `old-${i}` })).token);
            let restoreDone = false;
            const restore = target.admin("POST", "/api/hub/restore", { backup, force: true }).then(r => {
                restoreDone = true;
                return r;
            });
            const during: string[] = [];
            let next = 0;
            // The target's own tokens, each tried until it enrolls, for as long as the restore runs.
            const worker = async () => {
                while (!restoreDone && next < oldTokens.length) {
                    const token = oldTokens[next];
                    const res = await register(target, token);
                    during.push(res.status === 201 ? "201" : `${res.status} ${res.body?.code}`);
                    if (res.status === 201 && oldTokens[next] === token) next++;
                    else if (res.status === 404) break;
                }
            };
            await Promise.all([worker(), worker(), worker(), worker()]);
            const restored = await restore;
            assert.equal(restored.status, 200, restored.text);
            const allowed = new Set(["201", "503 HUB_RESTORING", "404 TOKEN_NOT_FOUND", "409 PUBLIC_KEY_IN_USE", "410 TOKEN_ALREADY_USED"]);
            for (const x of during) assert.ok(allowed.has(x), x);
            assert.ok(during.includes("503 HUB_RESTORING"), `writes were refused while it ran: ${[...new Set(during)].join(", ")}`);

            const after = await Promise.all(backupTokens.map(t => register(target, t)));
            for (const res of after) assert.equal(res.status, 201, res.text);
            const spokes = await spokesOf(target);
            assert.equal(spokes.length, 200 + after.length, "the backup's spokes and those enrolled after it, nothing of the replaced hub");
            assert.ok(!spokes.some(s => s.name.startsWith("old-")));
            const allocations = await sql<{ n: number }>(target, "SELECT COUNT(*) AS n FROM address_allocations");
            const pending = await sql<{ n: number }>(target, "SELECT COUNT(*) AS n FROM installation_tokens WHERE state = 'pending'");
            assert.equal(allocations[0].n, spokes.length + pending[0].n, "one address per spoke and pending token, none lost or doubled");
            assert.equal((await target.admin("GET", "/api/hub/config")).body.networkCIDR, "10.79.0.0/20");
        } finally {
            await target.stop();
        }
    });

    it("backup --dir --keep N keeps the newest N", async () => {
        const dir = file("scheduled");
        const names: string[] = [];
        for (let i = 0; i < 3; i++) {
            const r = await cli(["--socket", a.socket, "backup", "--dir", dir, "--keep", "2", "--json"]);
            assert.equal(r.code, 0, r.stderr);
            names.push(path.basename(JSON.parse(r.stdout).file));
            // Names are to the second: wait for the next one rather than overwrite.
            while (new Date().toISOString().slice(0, 19) === names.at(-1)!.slice(14, 29).replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)$/, "$1-$2-$3T$4:$5:$6"))
                await new Promise(r => setTimeout(r, 50));
        }
        assert.deepEqual(fs.readdirSync(dir).sort(), names.slice(1).sort());
        for (const f of fs.readdirSync(dir)) assert.equal(mode(path.join(dir, f)), 0o600);
    });

    it("an uninitialised hub has nothing to back up", async () => {
        const empty = await startHub({ env: { WGHUB_TLS: "off" } });
        try {
            const r = await cli(["--socket", empty.socket, "backup", file("nothing.backup")]);
            assert.equal(r.code, 1);
            assert.match(r.stderr, /not initialised: there is nothing to back up/);
            assert.ok(!fs.existsSync(file("nothing.backup")));
        } finally {
            await empty.stop();
        }
    });

    it("a downgraded service refuses to start on a database migrated by a newer one", async () => {
        const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-newer-"));
        try {
            const first = await startHub({ dataDir, env: { WGHUB_TLS: "off" } });
            await first.stop();
            const sqlite3 = (await import("sqlite3")).default;
            const db = new sqlite3.Database(path.join(dataDir, "hub.sqlite"));
            await new Promise<void>((resolve, reject) => db.run("INSERT INTO schema_migrations (name) VALUES ('999-from-the-future')", err => (err ? reject(err) : resolve())));
            await new Promise<void>(resolve => db.close(() => resolve()));
            await assert.rejects(startHub({ dataDir, env: { WGHUB_TLS: "off" }, timeoutMs: 10_000 }),
                new RegExp(`migrated by a newer wireguard-hub \\(999-from-the-future\\); this version knows up to ${schemaNames.at(-1)}`));
        } finally {
            fs.rmSync(dataDir, { recursive: true, force: true });
        }
    });
});
