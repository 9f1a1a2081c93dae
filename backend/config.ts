// The WGHUB_* configuration contract of DESIGN.md. A bad value stops start-up with one
// line naming the variable and what it accepts (ConfigError).
import net from "node:net";
import os from "node:os";
import path from "node:path";
import cron from "node-cron";
import { parseDuration } from "./contract/fields";

export { parseDuration };
import type { LogLevel } from "./log";

export type WgMode = "auto" | "kernel" | "userspace" | "off";

export interface HostPort {
    host: string;
    port: number;
}

export interface Config {
    dataDir: string;
    databaseUrl: string;
    apiSocket: string;
    publicListen: HostPort;
    /** Base URL spokes use to reach the public API; null = derive from the hub's public endpoint. */
    publicUrl: string | null;
    tls: boolean;
    /** Hand out plain-HTTP one-liners (root on the spoke for anyone on the path): only behind a TLS proxy, or in tests. */
    allowHttpEnrollment: boolean;
    /** Admin-supplied certificate and key (PEM files); null = self-signed, made at initialisation. */
    tlsCertFile: string | null;
    tlsKeyFile: string | null;
    wgMode: WgMode;
    interfaceName: string;
    wgConfDir: string;
    reconcileSchedule: string;
    tokenTtlMs: number;
    /** Connections one source address may hold open on the public listener. */
    connectionsPerAddress: number;
    /** The agent API's TCP port, on the hub's tunnel address (WGHUB_AGENT_PORT). */
    agentPort: number;
    /** Requests per window per source address on the public listener; null = off. */
    rateLimit: { max: number; windowMs: number } | null;
    /** Optional TCP admin listener, which demands a bearer API token. */
    adminListen: HostPort | null;
    adminTokenFile: string | null;
    trustProxy: string | null;
    logLevel: LogLevel;
    /** This hub's name among the hubs sharing one PostgreSQL database (WGHUB_HUB_NAME; default: the host name). */
    hubName: string;
}

export class ConfigError extends Error {
    constructor(readonly variable: string, accepts: string, value: string) {
        super(`${variable}=${JSON.stringify(value)} is not valid: expected ${accepts}`);
        this.name = "ConfigError";
    }
}

export function parseHostPort(text: string): HostPort | null {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text.trim());
    if (!m) return null;
    const port = Number(m[3]);
    if (port < 1 || port > 65535) return null;
    return { host: m[1] ?? m[2], port };
}

function parseRate(text: string): { max: number; windowMs: number } | null | undefined {
    if (text === "off") return null;
    const m = /^(\d+)\/(s|sec|min|m|h|hour)$/.exec(text.trim());
    if (!m || Number(m[1]) < 1) return undefined;
    const windowMs = { s: 1000, sec: 1000, min: 60_000, m: 60_000, h: 3_600_000, hour: 3_600_000 }[m[2]]!;
    return { max: Number(m[1]), windowMs };
}

function isLoopback(host: string): boolean {
    return host === "localhost" || host === "::1" || (net.isIPv4(host) && host.startsWith("127."));
}

function isTrustedProxy(item: string): boolean {
    if (["loopback", "linklocal", "uniquelocal"].includes(item)) return true;
    const [ip, prefix, ...rest] = item.split("/");
    const family = net.isIP(ip);
    if (!family || rest.length) return false;
    return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

export const hubNamePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A host name as a hub name: lower case, anything else a hyphen ("PVE_1.lan" → "pve-1-lan"). */
export function hubNameOf(host: string): string {
    const name = host.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+/, "").slice(0, 63);
    return hubNamePattern.test(name) ? name : "hub";
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
    const get = (name: string) => {
        const v = env[name];
        return v === undefined || v === "" ? undefined : v;
    };
    const fail = (name: string, accepts: string): never => {
        throw new ConfigError(name, accepts, env[name] ?? "");
    };
    const absolute = (name: string, fallback: string) => path.resolve(cwd, get(name) ?? fallback);

    const dataDir = absolute("WGHUB_DATA_DIR", "./.data");

    const databaseUrl = get("WGHUB_DATABASE_URL") ?? `sqlite:${path.join(dataDir, "hub.sqlite")}`;
    if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl))
        fail("WGHUB_DATABASE_URL", "sqlite:<file> or postgres://user:pass@host/db");
    // node-postgres takes one host: a libpq multi-host URL would fail at the first connection.
    if (/^postgres(ql)?:\/\/[^/]*,/.test(databaseUrl))
        fail("WGHUB_DATABASE_URL", "one PostgreSQL host (for a replicated server, an address that follows the primary: HAProxy, a virtual IP or PgBouncer; see docs/multi-hub.md)");

    const listenText = get("WGHUB_PUBLIC_LISTEN") ?? "127.0.0.1:51821";
    const publicListen = parseHostPort(listenText) ?? fail("WGHUB_PUBLIC_LISTEN", "host:port, e.g. 0.0.0.0:51821");

    const publicUrl = get("WGHUB_PUBLIC_URL") ?? null;
    if (publicUrl !== null && !/^https?:\/\/[^\s/'"]+(\/[^\s'"]*)?$/.test(publicUrl))
        fail("WGHUB_PUBLIC_URL", "an http:// or https:// URL without spaces or quotes");

    const tlsText = get("WGHUB_TLS") ?? "on";
    if (tlsText !== "on" && tlsText !== "off") fail("WGHUB_TLS", "on or off");

    const allowHttpText = get("WGHUB_ALLOW_HTTP_ENROLLMENT") ?? "no";
    if (allowHttpText !== "yes" && allowHttpText !== "no") fail("WGHUB_ALLOW_HTTP_ENROLLMENT", "yes or no");

    const tlsCertFile = get("WGHUB_TLS_CERT") ?? null;
    const tlsKeyFile = get("WGHUB_TLS_KEY") ?? null;
    if ((tlsCertFile === null) !== (tlsKeyFile === null))
        fail(tlsCertFile ? "WGHUB_TLS_KEY" : "WGHUB_TLS_CERT", "both WGHUB_TLS_CERT and WGHUB_TLS_KEY, or neither");

    const wgMode = (get("WGHUB_WG_MODE") ?? "auto") as WgMode;
    if (!["auto", "kernel", "userspace", "off"].includes(wgMode))
        fail("WGHUB_WG_MODE", "auto, kernel, userspace or off");

    const interfaceName = get("WGHUB_INTERFACE") ?? "wg0";
    if (!/^[a-zA-Z0-9_=+.-]{1,15}$/.test(interfaceName))
        fail("WGHUB_INTERFACE", "an interface name of 1-15 letters, digits or _=+.-");

    const reconcileSchedule = get("WGHUB_RECONCILE_SCHEDULE") ?? "*/30 * * * * *";
    if (!cron.validate(reconcileSchedule))
        fail("WGHUB_RECONCILE_SCHEDULE", "a node-cron expression, e.g. '*/30 * * * * *'");

    const tokenTtlMs = parseDuration(get("WGHUB_TOKEN_TTL") ?? "24h") ?? fail("WGHUB_TOKEN_TTL", "a duration like 15m, 24h or 7d");

    const perAddressText = get("WGHUB_CONNECTIONS_PER_ADDRESS") ?? "64";
    const connectionsPerAddress = /^\d{1,5}$/.test(perAddressText) ? Number(perAddressText) : 0;
    if (connectionsPerAddress < 1 || connectionsPerAddress > 10_000) fail("WGHUB_CONNECTIONS_PER_ADDRESS", "a number from 1 to 10000");

    const agentPortText = get("WGHUB_AGENT_PORT") ?? "51823";
    const agentPort = /^\d{1,5}$/.test(agentPortText) ? Number(agentPortText) : 0;
    if (agentPort < 1 || agentPort > 65535) fail("WGHUB_AGENT_PORT", "a TCP port from 1 to 65535");

    const rate = parseRate(get("WGHUB_RATE_LIMIT") ?? "60/min");
    if (rate === undefined) fail("WGHUB_RATE_LIMIT", "N/min, N/s, N/h or off");

    const adminListenText = get("WGHUB_ADMIN_LISTEN");
    const adminListen = adminListenText === undefined
        ? null
        : parseHostPort(adminListenText) ?? fail("WGHUB_ADMIN_LISTEN", "host:port, e.g. 127.0.0.1:51822");
    // The admin listener speaks plain HTTP with a bearer token: on the network, the token would
    // travel in clear. Remote admins reach it through an SSH tunnel or a TLS proxy.
    if (adminListen && !isLoopback(adminListen.host))
        fail("WGHUB_ADMIN_LISTEN", "a loopback address (127.0.0.1:PORT or [::1]:PORT); reach it from elsewhere through an SSH tunnel or a TLS proxy");
    const adminTokenFile = adminListen ? absolute("WGHUB_ADMIN_TOKEN_FILE", path.join(dataDir, "admin-api.token")) : null;

    // Express compiles this only when the app is built; check it here so a typo names the variable.
    const trustProxy = get("WGHUB_TRUST_PROXY") ?? null;
    if (trustProxy !== null && !trustProxy.split(",").map(s => s.trim()).every(isTrustedProxy))
        fail("WGHUB_TRUST_PROXY", "proxy addresses or networks, comma-separated (e.g. 127.0.0.1 or loopback,10.0.0.0/8)");

    const hubName = get("WGHUB_HUB_NAME") ?? hubNameOf(os.hostname());
    if (!hubNamePattern.test(hubName)) fail("WGHUB_HUB_NAME", "1-63 lower-case letters, digits or hyphens, starting with a letter or digit");

    const logLevel = (get("WGHUB_LOG_LEVEL") ?? "info") as LogLevel;
    if (!["error", "warn", "info", "debug"].includes(logLevel)) fail("WGHUB_LOG_LEVEL", "error, warn, info or debug");

    return {
        dataDir,
        databaseUrl,
        apiSocket: absolute("WGHUB_API_SOCKET", path.join(dataDir, "api.sock")),
        publicListen,
        publicUrl: publicUrl?.replace(/\/+$/, "") ?? null,
        tls: tlsText === "on",
        allowHttpEnrollment: allowHttpText === "yes",
        tlsCertFile: tlsCertFile && path.resolve(cwd, tlsCertFile),
        tlsKeyFile: tlsKeyFile && path.resolve(cwd, tlsKeyFile),
        wgMode,
        interfaceName,
        wgConfDir: absolute("WGHUB_WG_CONF_DIR", path.join(dataDir, "wireguard")),
        reconcileSchedule,
        tokenTtlMs,
        connectionsPerAddress,
        agentPort,
        rateLimit: rate ?? null,
        adminListen,
        adminTokenFile,
        trustProxy,
        logLevel,
        hubName,
    };
}
