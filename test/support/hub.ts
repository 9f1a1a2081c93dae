// Starts the real, built hub service (dist/backend/server.js) as a child process on a temp
// data dir, optionally inside a network namespace, and talks to it like its clients do:
// admin over the unix socket, public over TCP (TLS with the hub's pin, or plain HTTP).
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import tls from "node:tls";
import { environmentAssignments, unitValues } from "../package/chroot";

export const root = path.resolve(__dirname, "..", "..");
export const serverJs = path.join(root, "dist", "backend", "server.js");

export interface HttpAnswer<T = any> {
    status: number;
    body: T;
    headers: http.IncomingHttpHeaders;
    text: string;
}

export interface RunningHub {
    dataDir: string;
    socket: string;
    publicUrl: string;
    pid: number;
    env: Record<string, string>;
    /** Everything the service printed so far. */
    output(): string;
    admin<T = any>(method: string, urlPath: string, body?: unknown): Promise<HttpAnswer<T>>;
    publicRequest<T = any>(method: string, urlPath: string, body?: unknown, headers?: Record<string, string>): Promise<HttpAnswer<T>>;
    stop(): Promise<void>;
    kill9(): void;
    /** Resolves with the exit code once the process has ended. */
    exited: Promise<number | null>;
}

export interface StartOptions {
    env?: Record<string, string>;
    netns?: string;
    dataDir?: string;
    /** How long to wait for the socket and public port (ms). */
    timeoutMs?: number;
    /**
     * Run it the way the packaged unit does (benchmarks of memory): the unit's Environment=
     * lines and no --enable-source-maps, which alone holds 80 MB or more of source maps.
     */
    shipped?: boolean;
}

/** The Environment= lines of packaging/wireguard-hub.service (glibc's malloc settings, the heap limit). */
export function unitEnvironment(): Record<string, string> {
    const unit = fs.readFileSync(path.join(root, "packaging", "wireguard-hub.service"), "utf8");
    return Object.fromEntries(unitValues(unit, "Environment").flatMap(environmentAssignments).map(a => [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]));
}

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

function parse(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

export function request<T = any>(options: https.RequestOptions & { secure?: boolean }, body?: unknown): Promise<HttpAnswer<T>> {
    return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
        const headers: Record<string, string | number> = { ...(options.headers as Record<string, string>) };
        if (payload !== undefined) {
            headers["content-type"] ??= "application/json";
            headers["content-length"] = Buffer.byteLength(payload);
        }
        const { secure, ...rest } = options;
        const req = (secure ? https : http).request({ ...rest, headers, agent: false } as https.RequestOptions, res => {
            const chunks: Buffer[] = [];
            res.on("data", c => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                resolve({ status: res.statusCode ?? 0, body: parse(text) as T, headers: res.headers, text });
            });
        });
        req.on("error", reject);
        req.setTimeout(60_000, () => req.destroy(new Error(`timeout: ${options.method} ${options.path}`)));
        if (payload !== undefined) req.write(payload);
        req.end();
    });
}

function pinOf(socket: tls.TLSSocket): string {
    const cert = socket.getPeerX509Certificate?.();
    if (!cert) return "";
    const spki = cert.publicKey.export({ type: "spki", format: "der" });
    return `sha256//${crypto.createHash("sha256").update(spki).digest("base64")}`;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string, output: () => string): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
        if (await check().catch(() => false)) return;
        await new Promise(r => setTimeout(r, 50));
    }
    throw new Error(`hub did not ${what} within ${timeoutMs} ms; output:\n${output()}`);
}

/**
 * Directories the tests made (startHub's data directories, not those it was given), removed
 * when the test process exits: a test may start a hub again on the directory of one it stopped.
 */
const madeDirs: string[] = [];
process.once("exit", () => {
    for (const dir of madeDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A new directory under the system's temp dir, removed when the test process exits. */
export function tempDirUntilExit(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    madeDirs.push(dir);
    return dir;
}

const madeDataDir = () => tempDirUntilExit("wghub-test-");

export async function startHub(opts: StartOptions = {}): Promise<RunningHub> {
    if (!fs.existsSync(serverJs)) throw new Error(`${serverJs} is missing: run npm run build`);
    const dataDir = opts.dataDir ?? madeDataDir();
    const port = opts.netns ? 51821 : await freePort();
    const env: Record<string, string> = {
        WGHUB_DATA_DIR: dataDir,
        WGHUB_PUBLIC_LISTEN: `127.0.0.1:${port}`,
        WGHUB_WG_MODE: "off",
        WGHUB_RATE_LIMIT: "off",
        WGHUB_LOG_LEVEL: "info",
        ...opts.env,
    };
    const socket = env.WGHUB_API_SOCKET ?? path.join(dataDir, "api.sock");
    env.WGHUB_API_SOCKET = socket;
    const [listenHost, listenPort] = [env.WGHUB_PUBLIC_LISTEN.replace(/:\d+$/, ""), Number(/:(\d+)$/.exec(env.WGHUB_PUBLIC_LISTEN)![1])];
    const secure = (env.WGHUB_TLS ?? "on") === "on";
    // Plain-HTTP hubs in tests hand out one-liners on loopback or inside their namespace.
    if (!secure) env.WGHUB_ALLOW_HTTP_ENROLLMENT ??= "yes";
    const publicUrl = `${secure ? "https" : "http"}://${listenHost}:${listenPort}`;

    const childEnv = { ...process.env, ...(opts.shipped ? unitEnvironment() : {}), ...env };
    delete childEnv.WGHUB_TEST_COUNTS;
    // WGHUB_PROFILE_DIR (benchmarks): a V8 CPU profile of the service, written when it stops.
    const nodeArgs = [...(opts.shipped ? [] : ["--enable-source-maps"]), ...(process.env.WGHUB_PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.WGHUB_PROFILE_DIR}`] : []), serverJs];
    const [cmd, args] = opts.netns
        ? ["ip", ["netns", "exec", opts.netns, process.execPath, ...nodeArgs]]
        : [process.execPath, nodeArgs];
    const child: ChildProcess = spawn(cmd, args, { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout!.on("data", d => (output += d));
    child.stderr!.on("data", d => (output += d));
    // Exited, with what it printed last read: "exit" can come before the last lines on its pipes.
    // A process the service left running (wireguard-go) could hold them open, so not forever.
    const streamsEnded = Promise.all([child.stdout!, child.stderr!].map(stream => new Promise(resolve => stream.once("close", resolve))));
    const exited = new Promise<number | null>(resolve => child.once("exit", code => {
        const bound = setTimeout(() => resolve(code), 2_000);
        void streamsEnded.then(() => {
            clearTimeout(bound);
            resolve(code);
        });
    }));
    let done = false;
    void exited.then(() => (done = true));

    const admin = <T = any>(method: string, urlPath: string, body?: unknown) =>
        request<T>({ socketPath: socket, method, path: urlPath, headers: { host: "localhost" } }, body);

    // The public listener in a namespace is reachable only from inside it; tests that need it
    // there run their own clients (curl in a spoke namespace).
    const publicRequest = <T = any>(method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}) =>
        request<T>({ host: listenHost, port: listenPort, method, path: urlPath, headers, secure, rejectUnauthorized: false }, body);

    const hub: RunningHub = {
        dataDir, socket, publicUrl, pid: child.pid!, env, exited,
        output: () => output,
        admin,
        publicRequest,
        async stop() {
            if (done) return;
            child.kill("SIGTERM");
            const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
            await exited;
            clearTimeout(timer);
        },
        kill9() {
            if (!done) child.kill("SIGKILL");
        },
    };
    try {
        await waitFor(async () => {
            if (done) throw new Error("exited");
            return (await admin("GET", "/healthz-probe")).status === 404;
        }, opts.timeoutMs ?? 20_000, "open its admin socket", () => output);
        if (!opts.netns)
            await waitFor(async () => (await publicRequest("GET", "/healthz")).status === 200, opts.timeoutMs ?? 20_000, "answer on its public port", () => output);
    } catch (err) {
        hub.kill9();
        throw err;
    }
    return hub;
}

/** The pin a TLS server presents (for checking the install commands carry the right one). */
export function fetchPin(host: string, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
        const s = tls.connect({ host, port, rejectUnauthorized: false }, () => {
            const pin = pinOf(s);
            s.end();
            resolve(pin);
        });
        s.on("error", reject);
    });
}

export const defaultInit = {
    networkCIDR: "10.0.1.0/24",
    listenPort: 51820,
    publicEndpoint: "203.0.113.5:51820",
    privateEndpoint: "",
    dns: ["1.1.1.1", "8.8.8.8"],
};

/** Makes a WireGuard public key the way a spoke would, without wg. */
export function spokePublicKey(): string {
    const { publicKey } = crypto.generateKeyPairSync("x25519", { publicKeyEncoding: { type: "spki", format: "der" } });
    return (publicKey as unknown as Buffer).subarray(-32).toString("base64");
}

/** Every row of every table of the hub's SQLite file, to prove a bad request changed nothing. */
export async function dumpDatabase(hub: RunningHub): Promise<string> {
    const sqlite3 = (await import("sqlite3")).default;
    const db = new sqlite3.Database(path.join(hub.dataDir, "hub.sqlite"), sqlite3.OPEN_READONLY);
    const all = (sql: string) => new Promise<Record<string, unknown>[]>((resolve, reject) =>
        db.all(sql, (err, rows) => (err ? reject(err) : resolve(rows as Record<string, unknown>[]))));
    try {
        const tables = await all("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
        const parts: string[] = [];
        for (const { name } of tables) parts.push(`${name}: ${JSON.stringify(await all(`SELECT * FROM "${name}" ORDER BY 1`))}`);
        return parts.join("\n");
    } finally {
        db.close();
    }
}
