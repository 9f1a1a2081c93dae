// Start-up: each WGHUB_* variable with a bad value stops the service with one line naming it;
// the admin socket is 0600 whatever the umask, a stale socket is replaced, a live one refused;
// the database migrates forward and a restart applies nothing twice.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Sequelize } from "sequelize";
import { SequelizeStorage, Umzug } from "umzug";
import { steps } from "../../backend/db/migrations";
import { dumpDatabase, freePort, request, serverJs } from "../support/hub";
import { createToken, defaultInit, enrolledSpoke, initialisedHub, mode, register, sql, startHub, waitUntil, type RunningHub } from "./helpers";

interface Ended { code: number | null; stderr: string; stdout: string }

function runServer(env: Record<string, string>, opts: { umask?: string; timeoutMs?: number } = {}): Promise<Ended> {
    return new Promise(resolve => {
        const childEnv: NodeJS.ProcessEnv = { ...process.env, WGHUB_WG_MODE: "off", WGHUB_TLS: "off", ...env };
        delete childEnv.WGHUB_TEST_COUNTS;
        const child = opts.umask
            ? spawn("sh", ["-c", `umask ${opts.umask}; exec "$0" "$1"`, process.execPath, serverJs], { env: childEnv })
            : spawn(process.execPath, [serverJs], { env: childEnv });
        let stdout = "", stderr = "";
        child.stdout.on("data", d => (stdout += d));
        child.stderr.on("data", d => (stderr += d));
        const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
        // "close", not "exit": the last lines of stderr may still be on their way when the process has exited
        child.on("close", code => {
            clearTimeout(timer);
            resolve({ code, stderr, stdout });
        });
    });
}

describe("api: start-up refuses bad configuration", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-startup-"));
    const aFile = path.join(dir, "a-regular-file");
    fs.writeFileSync(aFile, "not a directory\n");
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    // [variable named in the message, the environment that is wrong]: one bad value per variable
    // (test/unit/config.test.ts has the variants; each start here loads the whole service)
    const cases: [string, Record<string, string>][] = [
        ["WGHUB_DATA_DIR", { WGHUB_DATA_DIR: aFile }],
        ["WGHUB_DATABASE_URL", { WGHUB_DATABASE_URL: `sqlite:${aFile}/hub.sqlite` }],
        ["WGHUB_API_SOCKET", { WGHUB_API_SOCKET: `${aFile}/api.sock` }],
        ["WGHUB_PUBLIC_LISTEN", { WGHUB_PUBLIC_LISTEN: "192.0.2.77:51821" }],
        ["WGHUB_PUBLIC_URL", { WGHUB_PUBLIC_URL: "https://hub.example.com/'$(reboot)'" }],
        ["WGHUB_TLS", { WGHUB_TLS: "maybe" }],
        ["WGHUB_TLS_KEY", { WGHUB_TLS_CERT: path.join(dir, "cert.pem") }],
        ["WGHUB_TLS_CERT", { WGHUB_TLS: "on", WGHUB_TLS_CERT: path.join(dir, "missing.pem"), WGHUB_TLS_KEY: path.join(dir, "missing.key") }],
        ["WGHUB_WG_MODE", { WGHUB_WG_MODE: "fast" }],
        ["WGHUB_INTERFACE", { WGHUB_INTERFACE: "wg0; reboot" }],
        ["WGHUB_WG_CONF_DIR", { WGHUB_WG_CONF_DIR: `${aFile}/wireguard` }],
        ["WGHUB_RECONCILE_SCHEDULE", { WGHUB_RECONCILE_SCHEDULE: "every minute" }],
        ["WGHUB_TOKEN_TTL", { WGHUB_TOKEN_TTL: "1y" }],
        ["WGHUB_RATE_LIMIT", { WGHUB_RATE_LIMIT: "lots" }],
        ["WGHUB_ADMIN_LISTEN", { WGHUB_ADMIN_LISTEN: "127.0.0.1" }],
        ["WGHUB_ADMIN_TOKEN_FILE", { WGHUB_ADMIN_LISTEN: "127.0.0.1:47999", WGHUB_ADMIN_TOKEN_FILE: `${aFile}/admin.token` }],
        ["WGHUB_TRUST_PROXY", { WGHUB_TRUST_PROXY: "everyone" }],
        ["WGHUB_LOG_LEVEL", { WGHUB_LOG_LEVEL: "loud" }],
    ];

    it(`each of ${cases.length} bad values stops the service with one line naming its variable`, async function () {
        this.timeout(180_000);
        // a few at a time: each start loads the whole bundle, and 25 at once starve 2 cores
        const results: { variable: string; env: Record<string, string>; ended: Ended }[] = [];
        let next = 0;
        await Promise.all(Array.from({ length: 4 }, async () => {
            while (next < cases.length) {
                const i = next++;
                const [variable, env] = cases[i];
                const port = await freePort();
                const ended = await runServer({ WGHUB_DATA_DIR: path.join(dir, `data-${i}`), WGHUB_PUBLIC_LISTEN: `127.0.0.1:${port}`, ...env });
                results.push({ variable, env, ended });
            }
        }));
        const problems: string[] = [];
        for (const { variable, env, ended } of results) {
            const lines = ended.stderr.split("\n").filter(l => l && !l.startsWith("info:"));
            const what = `${JSON.stringify(env)} → exit ${ended.code}, stderr ${JSON.stringify(ended.stderr)}`;
            if (ended.code === 0 || ended.code === null) problems.push(`did not stop: ${what}`);
            else if (lines.length !== 1) problems.push(`not one line: ${what}`);
            else if (!lines[0].includes(variable)) problems.push(`does not name ${variable}: ${what}`);
            else if (/\n\s+at /.test(ended.stderr)) problems.push(`stack trace: ${what}`);
        }
        assert.deepEqual(problems, []);
    });
});

describe("api: the admin socket and files on disk", () => {
    it("with umask 000 the data dir is 0700, the socket 0600, the key file 0600", async () => {
        const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wghub-umask-")), "data");
        const socket = path.join(dataDir, "api.sock");
        const port = await freePort();
        const childEnv: NodeJS.ProcessEnv = { ...process.env, WGHUB_WG_MODE: "off", WGHUB_TLS: "off", WGHUB_DATA_DIR: dataDir, WGHUB_PUBLIC_LISTEN: `127.0.0.1:${port}` };
        delete childEnv.WGHUB_TEST_COUNTS;
        const child = spawn("sh", ["-c", 'umask 000; exec "$0" "$1"', process.execPath, serverJs], { env: childEnv, stdio: "ignore" });
        try {
            const admin = (method: string, p: string, body?: unknown) => request({ socketPath: socket, method, path: p, headers: { host: "localhost" } }, body);
            await waitUntil(async () => (await admin("GET", "/api/hub/status").catch(() => null))?.status === 200, 15_000, "the socket");
            assert.equal((await admin("POST", "/api/hub/initialize", defaultInit)).status, 201);
            assert.equal(mode(dataDir), 0o700);
            assert.equal(mode(socket), 0o600);
            assert.equal(mode(path.join(dataDir, "hub.key")), 0o600);
            assert.equal(mode(path.join(dataDir, "hub.sqlite")), 0o600);
        } finally {
            child.kill("SIGKILL");
            fs.rmSync(path.dirname(dataDir), { recursive: true, force: true });
        }
    });

    it("a stale socket left by a crash is replaced, and the data survives", async () => {
        const first = await initialisedHub();
        const spoke = await enrolledSpoke(first);
        first.kill9();
        await first.exited;
        assert.ok(fs.existsSync(first.socket), "kill -9 leaves the socket file behind");
        const second = await startHub({ dataDir: first.dataDir, env: { WGHUB_TLS: "off" } });
        try {
            assert.equal(mode(second.socket), 0o600);
            const spokes = (await second.admin("GET", "/api/spoke/list")).body.spokes as { id: string }[];
            assert.deepEqual(spokes.map(s => s.id), [spoke.id]);
            assert.equal((await createToken(second)).allowedIPs[0], "10.0.1.3/32", "the pool was rebuilt from the database");
        } finally {
            await second.stop();
        }
    });

    it("killed in a stream of registrations, it keeps every one it answered", async () => {
        const first = await initialisedHub({ init: { networkCIDR: "10.0.0.0/20" }, env: { WGHUB_RATE_LIMIT: "off" } });
        const database = path.join(first.dataDir, "hub.sqlite");
        const sizeAtStart = fs.statSync(database).size;
        const answered: string[] = [];
        let sent = 0;
        let killed = false;
        const client = async (k: number) => {
            for (let i = 0; !killed; i++) {
                const token = await createToken(first, { spokeName: `crash-${k}-${i}` }).catch(() => null);
                if (!token) return;
                sent++;
                const r = await register(first, token.token).catch(() => null);
                if (r?.status === 201) answered.push(`crash-${k}-${i}`);
            }
        };
        const clients = Array.from({ length: 8 }, (_, k) => client(k));
        // Killed once a checkpoint has copied registrations from the write-ahead log into the
        // database file, with more on their way.
        await waitUntil(async () => fs.statSync(database).size > sizeAtStart && answered.length > 50, 60_000, "a checkpoint during the registrations");
        const atCheckpoint = answered.length;
        await waitUntil(async () => answered.length > atCheckpoint + 20, 60_000, "registrations after it");
        killed = true;
        first.kill9();
        await first.exited;
        await Promise.all(clients);
        const second = await startHub({ dataDir: first.dataDir, env: { WGHUB_TLS: "off" } });
        try {
            const names = ((await second.admin("GET", "/api/spoke/list")).body.spokes as { name: string }[]).map(s => s.name);
            assert.deepEqual(answered.filter(name => !names.includes(name)), [], `${answered.length} registrations answered`);
            assert.ok(names.length <= sent, `${names.length} spokes, ${sent} registrations sent`);
        } finally {
            await second.stop();
        }
    });

    it("a live socket is refused: a second instance stops with a clear message and the first keeps serving", async () => {
        const first = await initialisedHub();
        try {
            const port = await freePort();
            const secondDir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-second-"));
            const ended = await runServer({ WGHUB_DATA_DIR: secondDir, WGHUB_API_SOCKET: first.socket, WGHUB_PUBLIC_LISTEN: `127.0.0.1:${port}` });
            fs.rmSync(secondDir, { recursive: true, force: true });
            assert.notEqual(ended.code, 0);
            assert.match(ended.stderr, /WGHUB_API_SOCKET.*another wireguard-hub is already serving/);
            assert.equal((await first.admin("GET", "/api/hub/status")).status, 200);
            assert.ok(fs.existsSync(first.socket));
        } finally {
            await first.stop();
        }
        assert.equal(fs.existsSync(first.socket), false, "a clean stop removes the socket");
    });
});

describe("api: migrations", () => {
    const names = steps.map(s => s.name);

    async function appliedNames(hub: RunningHub): Promise<string[]> {
        return (await sql<{ name: string }>(hub, "SELECT name FROM schema_migrations ORDER BY name")).map(r => r.name);
    }

    it("a restart on the database of a running hub applies nothing and keeps every row", async () => {
        const hub = await initialisedHub();
        await enrolledSpoke(hub, { subnets: ["192.168.9.0/24"] });
        await createToken(hub);
        assert.match(hub.output(), /database migrated/);
        await hub.stop();
        const copy = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-copy-"));
        fs.cpSync(hub.dataDir, copy, { recursive: true });
        const before = await dumpDatabase({ ...hub, dataDir: copy });
        const again = await startHub({ dataDir: copy, env: { WGHUB_TLS: "off" } });
        try {
            assert.doesNotMatch(again.output(), /database migrated/);
            assert.deepEqual(await appliedNames(again), [...names].sort());
            assert.equal(await dumpDatabase(again), before);
            assert.equal((await again.admin("GET", "/api/spoke/list")).body.spokes.length, 1);
        } finally {
            await again.stop();
        }
    });

    for (let k = 0; k < steps.length; k++) {
        it(`a database at step ${k} of ${steps.length} (${k ? names[k - 1] : "empty, with the migrations table"}) migrates forward, each step once`, async () => {
            const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-old-"));
            const sequelize = new Sequelize({ dialect: "sqlite", storage: path.join(dataDir, "hub.sqlite"), logging: false });
            const storage = new SequelizeStorage({ sequelize, tableName: "schema_migrations" });
            const umzug = new Umzug({
                migrations: steps.slice(0, k).map(s => ({ name: s.name, up: () => s.up(sequelize.getQueryInterface()) })),
                context: {}, storage, logger: undefined,
            });
            await storage.executed();
            await umzug.up();
            await sequelize.close();
            const hub = await startHub({ dataDir, env: { WGHUB_TLS: "off" } });
            try {
                const applied = /database migrated applied=(\[[^\]]*\])/.exec(hub.output());
                assert.ok(applied, hub.output());
                assert.deepEqual(JSON.parse(applied[1]), names.slice(k));
                assert.deepEqual(await appliedNames(hub), [...names].sort());
                assert.equal((await hub.admin("POST", "/api/hub/initialize", defaultInit)).status, 201);
                assert.equal((await enrolledSpoke(hub)).address, "10.0.1.2");
            } finally {
                await hub.stop();
            }
        });
    }
});
