// The TCP servers and what they tolerate. The public listener faces the internet: a
// connection must finish its TLS handshake and its request headers in seconds, sit idle for
// no longer, and one address may hold only so many at once, so that a flood of idle
// connections from one place cannot starve a spoke enrolling from another or the admins.
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type net from "node:net";
import type { Config } from "../config";
import type { TlsMaterial } from "../hub/tls";

export const publicLimits = {
    /** Node's default is 120 s: a slow-loris client would hold a socket that long. */
    handshakeTimeoutMs: 10_000,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    /** A connection with no traffic at all (before or between requests) is closed after this. */
    idleTimeoutMs: 15_000,
    maxConnections: 1024,
};

/** "::ffff:192.0.2.1" and "192.0.2.1" are one address. */
function addressOf(socket: net.Socket): string {
    return (socket.remoteAddress ?? "").replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
}

/** Refuses a connection from an address that already holds `limit`. */
function capPerAddress(server: net.Server, limit: number): void {
    const open = new Map<string, number>();
    server.on("connection", (socket: net.Socket) => {
        const address = addressOf(socket);
        const count = open.get(address) ?? 0;
        if (count >= limit) {
            socket.destroy();
            return;
        }
        open.set(address, count + 1);
        socket.once("close", () => {
            const left = (open.get(address) ?? 1) - 1;
            if (left) open.set(address, left);
            else open.delete(address);
        });
    });
}

export function createPublicServer(app: http.RequestListener, tls: TlsMaterial | null, perAddress: number): http.Server | https.Server {
    const options = {
        headersTimeout: publicLimits.headersTimeoutMs,
        requestTimeout: publicLimits.requestTimeoutMs,
        keepAliveTimeout: 5_000,
        // Node looks for connections past these two every 30 s (its default): checking every
        // second cost a third of the registration throughput (bench). An idle connection is
        // closed by the idle timeout below anyway.
    };
    const server = tls
        ? https.createServer({ ...options, cert: tls.cert, key: tls.key, minVersion: "TLSv1.2", handshakeTimeout: publicLimits.handshakeTimeoutMs }, app)
        : http.createServer(options, app);
    server.maxConnections = publicLimits.maxConnections;
    server.setTimeout(publicLimits.idleTimeoutMs);
    capPerAddress(server, perAddress);
    return server;
}

export function createAdminTcpServer(app: http.RequestListener): http.Server {
    const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 30_000 }, app);
    server.maxConnections = 256;
    server.setTimeout(60_000);
    return server;
}

/**
 * The admin API token file: made on first start; refused when others could read or replace
 * it. The error names the file and the fix, never the token.
 */
export function readAdminToken(config: Config, create: (file: string) => void): string | null {
    if (!config.adminListen || !config.adminTokenFile) return null;
    const file = config.adminTokenFile;
    if (!fs.existsSync(file)) create(file);
    const stat = fs.statSync(file);
    if ((stat.mode & 0o077) !== 0)
        throw new Error(`${file} is readable or writable by others (mode ${(stat.mode & 0o777).toString(8)}): run chmod 600 ${file}`);
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid)
        throw new Error(`${file} belongs to uid ${stat.uid}, not to the service's user (uid ${uid}): run chown ${uid} ${file}`);
    const token = fs.readFileSync(file, "utf8").trim();
    if (token.length < 32) throw new Error(`${file} holds no token of at least 32 characters: delete it, and a new one is made at start`);
    return token;
}
