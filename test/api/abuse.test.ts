// The listeners under abuse: a flood of idle connections from one address, requests past the
// rate limit with bodies not worth parsing, and an admin listener that must not be exposed or
// trust a token file others can read.
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { execFileSync, spawn } from "node:child_process";
import { freePort, request, serverJs } from "../support/hub";
import { assertError, createToken, initialisedHub, register, waitUntil, type RunningHub } from "./helpers";

/** Opens `count` TCP connections from `localAddress` that never send a byte. */
async function idleConnections(port: number, localAddress: string, count: number): Promise<net.Socket[]> {
    return Promise.all(Array.from({ length: count }, () => new Promise<net.Socket>(resolve => {
        const socket = net.connect({ host: "127.0.0.1", port, localAddress });
        socket.on("error", () => undefined);
        socket.once("connect", () => resolve(socket));
        socket.once("close", () => resolve(socket));
    })));
}

/**
 * Connections the server holds from `peer`, as the kernel lists them. (Counted on the
 * server's side: a connection that overflowed the listen queue looks open to its client
 * while the server has nothing for it.)
 */
function serverConnectionsFrom(port: number, peer: string): number {
    const out = execFileSync("ss", ["-Htn", "state", "established", `( sport = :${port} )`], { encoding: "utf8" });
    return out.split("\n").filter(line => line.includes(`${peer}:`)).length;
}

describe("api: the public listener under a flood of idle connections", function () {
    let hub: RunningHub;
    before(async () => {
        // TLS on, as packaged: an idle connection never finishes its handshake.
        hub = await initialisedHub({ env: { WGHUB_TLS: "on" } });
    });
    after(async () => hub?.stop());

    it("2,000 idle connections from one address: a spoke elsewhere registers, the admin answers, and the server closes them all", async function () {
        this.timeout(90_000);
        const port = Number(new URL(hub.publicUrl).port);
        const token = await createToken(hub, { spokeName: "during-the-flood" });
        const flood = await idleConnections(port, "127.0.0.2", 2000);
        assert.ok(serverConnectionsFrom(port, "127.0.0.2") > 0, "the flood reached the server");

        const reg = await register(hub, token.token);
        assert.equal(reg.status, 201, reg.text);
        assert.equal((await hub.admin("GET", "/api/hub/status")).status, 200);

        // At most 64 from one address are held once the server has taken what the kernel queued
        // (on a busy machine a moment after the flood), well before the handshake timeout (10 s)
        // would close them all anyway; then none.
        await waitUntil(async () => serverConnectionsFrom(port, "127.0.0.2") <= 64, 8_000, "the server to hold at most 64 from the flood's address");
        await waitUntil(async () => serverConnectionsFrom(port, "127.0.0.2") === 0, 20_000, "the server to close every idle connection");
        for (const s of flood) s.destroy();
    });
});

describe("api: rate limiting comes before the body", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await initialisedHub({ env: { WGHUB_RATE_LIMIT: "3/min" } });
    });
    after(async () => hub?.stop());

    it("past the limit, even a malformed body is answered 429 without being parsed", async () => {
        const url = new URL(hub.publicUrl);
        const send = () => request({ host: url.hostname, port: Number(url.port), method: "POST", path: "/api/spoke/register",
            headers: { "content-type": "application/json" } }, "{ this is not json");
        const answers = [];
        for (let i = 0; i < 5; i++) answers.push(await send());
        assert.deepEqual(answers.map(a => a.status), [400, 400, 400, 429, 429]);
        assertError(answers[4], 429, "RATE_LIMITED");
    });
});

describe("api: the admin TCP listener", () => {
    it("checks the bearer token before reading the body: a malformed body without a token is 401", async () => {
        const port = await freePort();
        const hub = await initialisedHub({ env: { WGHUB_ADMIN_LISTEN: `127.0.0.1:${port}` } });
        try {
            const res = await request({ host: "127.0.0.1", port, method: "POST", path: "/api/installation/token",
                headers: { "content-type": "application/json" } }, "{ this is not json");
            assertError(res, 401, "UNAUTHORIZED");
        } finally {
            await hub.stop();
        }
    });

    const start = (env: Record<string, string>) => new Promise<{ code: number | null; stderr: string }>(resolve => {
        const child = spawn(process.execPath, [serverJs], { env: { ...process.env, WGHUB_WG_MODE: "off", WGHUB_TLS: "off", ...env } });
        let stderr = "";
        child.stderr.on("data", d => (stderr += d));
        child.on("close", code => resolve({ code, stderr }));
    });

    it("refuses to listen beyond loopback, and a token file others can read or that is not the service's", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-admin-"));
        try {
            const base = { WGHUB_DATA_DIR: dir, WGHUB_PUBLIC_LISTEN: `127.0.0.1:${await freePort()}` };
            const exposed = await start({ ...base, WGHUB_ADMIN_LISTEN: "0.0.0.0:51822" });
            assert.notEqual(exposed.code, 0);
            assert.match(exposed.stderr, /WGHUB_ADMIN_LISTEN.*loopback/);

            const file = path.join(dir, "admin.token");
            fs.writeFileSync(file, "x".repeat(43) + "\n", { mode: 0o644 });
            fs.chmodSync(file, 0o644);
            const readable = await start({ ...base, WGHUB_ADMIN_LISTEN: `127.0.0.1:${await freePort()}`, WGHUB_ADMIN_TOKEN_FILE: file });
            assert.notEqual(readable.code, 0);
            assert.match(readable.stderr, /WGHUB_ADMIN_TOKEN_FILE.*chmod 600/);
            assert.ok(!readable.stderr.includes("x".repeat(43)), "the error does not show the token");

            fs.chmodSync(file, 0o600);
            if (process.getuid?.() === 0) {
                fs.chownSync(file, 65534, 65534);
                const foreign = await start({ ...base, WGHUB_ADMIN_LISTEN: `127.0.0.1:${await freePort()}`, WGHUB_ADMIN_TOKEN_FILE: file });
                assert.notEqual(foreign.code, 0);
                assert.match(foreign.stderr, /WGHUB_ADMIN_TOKEN_FILE.*chown/);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
