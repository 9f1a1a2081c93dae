// Shared by the API tests: an initialised hub, token and registration shortcuts, the error
// shape check, and direct access to the hub's SQLite file.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { execFile } from "node:child_process";
import { defaultInit, root, spokePublicKey, startHub as startBuiltHub, type HttpAnswer, type RunningHub, type StartOptions } from "../support/hub";

export { defaultInit, spokePublicKey, type HttpAnswer, type RunningHub };

// Data dirs of the hubs started here, removed once every suite (and its hubs) has finished.
const dataDirs = new Set<string>();
if (typeof after === "function") {
    after(() => {
        for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
    });
}

/** startHub of test/support, remembering the data dir to remove at the end of the run. */
export async function startHub(opts: StartOptions = {}): Promise<RunningHub> {
    const hub = await startBuiltHub(opts);
    dataDirs.add(hub.dataDir);
    return hub;
}

/** Starts a plain-HTTP hub and initialises it (unless init is false). */
export async function initialisedHub(opts: StartOptions & { init?: Record<string, unknown> | false } = {}): Promise<RunningHub> {
    const hub = await startHub({ ...opts, env: { WGHUB_TLS: "off", ...opts.env } });
    if (opts.init !== false) {
        const res = await hub.admin("POST", "/api/hub/initialize", { ...defaultInit, ...(opts.init ?? {}) });
        if (res.status !== 201) {
            await hub.stop();
            throw new Error(`initialise failed: ${res.status} ${res.text}`);
        }
    }
    return hub;
}

export interface CreatedToken {
    id: string;
    token: string;
    spokeId: string;
    spokeName: string;
    allowedIPs: string[];
    expiresAt: string;
    hub: string | null;
    installCommands: Record<string, string>;
}

export async function createToken(hub: RunningHub, body: Record<string, unknown> = {}): Promise<CreatedToken> {
    const res = await hub.admin("POST", "/api/installation/token", { spokeName: `spoke-${Math.random().toString(36).slice(2, 8)}`, ...body });
    assert.equal(res.status, 201, res.text);
    return res.body.token;
}

export function register(hub: RunningHub, token: string, body: Record<string, unknown> = {}): Promise<HttpAnswer> {
    return hub.publicRequest("POST", "/api/spoke/register", { token, publicKey: spokePublicKey(), os: "linux", ...body });
}

/** A spoke registered with a fresh token: its id, address, key and the token used. */
export async function enrolledSpoke(hub: RunningHub, tokenBody: Record<string, unknown> = {}, regBody: Record<string, unknown> = {}) {
    const token = await createToken(hub, tokenBody);
    const publicKey = (regBody.publicKey as string | undefined) ?? spokePublicKey();
    const res = await register(hub, token.token, { ...regBody, publicKey });
    assert.equal(res.status, 201, res.text);
    return { id: res.body.spoke.id as string, address: res.body.spoke.address as string, publicKey, token, answer: res.body };
}

/** Asserts the {error, code, hint} shape with a given status and code. */
export function assertError(res: HttpAnswer, status: number, code: string, what = ""): void {
    assert.equal(res.status, status, `${what} status: ${res.text}`);
    assert.equal(typeof res.body, "object", `${what}: body is not JSON: ${res.text}`);
    assert.equal(res.body.code, code, `${what} code: ${res.text}`);
    assert.equal(typeof res.body.error, "string", `${what}: error is not a string`);
    assert.ok(res.body.error.length > 0, `${what}: empty error`);
    assert.equal(typeof res.body.hint, "string", `${what}: no hint: ${res.text}`);
    assert.match(String(res.headers["content-type"]), /application\/json/);
}

/** Runs SQL on the hub's SQLite file from a second connection (WAL allows it). */
export async function sql<T = Record<string, unknown>>(hub: RunningHub, statement: string, params: unknown[] = []): Promise<T[]> {
    const sqlite3 = (await import("sqlite3")).default;
    const db = new sqlite3.Database(path.join(hub.dataDir, "hub.sqlite"));
    try {
        await new Promise<void>((resolve, reject) => db.run("PRAGMA busy_timeout = 10000", err => (err ? reject(err) : resolve())));
        return await new Promise<T[]>((resolve, reject) =>
            db.all(statement, params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))));
    } finally {
        await new Promise<void>(resolve => db.close(() => resolve()));
    }
}

/** The bytes of the SQLite file and its WAL, for "this secret is nowhere on disk" checks. */
export function databaseBytes(hub: RunningHub): Buffer {
    const base = path.join(hub.dataDir, "hub.sqlite");
    return Buffer.concat([base, `${base}-wal`, `${base}-shm`].filter(f => fs.existsSync(f)).map(f => fs.readFileSync(f)));
}

/** Every place a secret must not be, as text: the secret in any form must not appear in it. */
export function assertNowhere(haystack: Buffer | string, secret: string, where: string): void {
    const bytes = typeof haystack === "string" ? Buffer.from(haystack) : haystack;
    assert.equal(bytes.indexOf(secret), -1, `${secret.slice(0, 6)}… found in ${where}`);
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
        if (await check()) return;
        await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export function mode(file: string): number {
    return fs.statSync(file).mode & 0o777;
}

export const cliJs = path.join(root, "dist", "backend", "cli.js");

export interface CliRun {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs the wireguard-hub command (the built one); WGHUB_API_SOCKET is left out unless given. */
export function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    if (!("WGHUB_API_SOCKET" in env)) delete childEnv.WGHUB_API_SOCKET;
    return new Promise(resolve => {
        execFile(process.execPath, [cliJs, ...args], { env: childEnv, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
            const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
            resolve({ code, stdout, stderr });
        });
    });
}
