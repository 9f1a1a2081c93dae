// The rules of the API's fields, in one place: the service validates with them, and the
// page checks what the admin types with them before sending, so the two cannot disagree.
// Each rule answers with the reason a value is refused (a stable word the page turns into
// its own translated message) or null. Pure code: no Node.js module, so the page can bundle it.
import ipaddr from "ipaddr.js";

export type Family = 4 | 6;

/** The platforms a spoke can be, each with its install script. */
export const platforms = ["linux", "proxmox", "macos", "windows"] as const;

export interface Network {
    family: Family;
    /** Network base address as a number (bigint for both families, to share code). */
    base: bigint;
    prefix: number;
    /** Canonical text, e.g. "10.0.1.0/24". */
    cidr: string;
}

const bits = (family: Family) => (family === 4 ? 32 : 128);

/**
 * 4 or 6 for an address written the plain way: IPv4 as four decimals, IPv6 without a zone
 * index or an embedded IPv4 part (neither can be a WireGuard or DNS address here).
 */
export function ipFamily(text: unknown): Family | null {
    if (typeof text !== "string" || text.length > 45) return null;
    if (ipv4Value(text) !== null) return 4;
    if (/^[0-9a-fA-F:]+$/.test(text) && ipaddr.IPv6.isValid(text)) return 6;
    return null;
}

const fourDecimals = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/**
 * An IPv4 address written as four decimals (no leading zeros, each up to 255) as a number, else
 * null. The conf file and the spoke list check every spoke's addresses: at 100,000 spokes the
 * general parser's objects and bigints cost seconds of the hub's start and of its collections.
 */
export function ipv4Value(text: unknown): number | null {
    const m = typeof text === "string" ? fourDecimals.exec(text) : null;
    if (!m) return null;
    const a = Number(m[1]), b = Number(m[2]), c = Number(m[3]), d = Number(m[4]);
    if (a > 255 || b > 255 || c > 255 || d > 255) return null;
    return ((a * 256 + b) * 256 + c) * 256 + d;
}

/** An IPv4 address as a number (0 to 2^32 - 1) in its four decimals. */
export function ipv4Text(value: number): string {
    return `${Math.floor(value / 16777216)}.${Math.floor(value / 65536) % 256}.${Math.floor(value / 256) % 256}.${value % 256}`;
}

export function ipToBigInt(ip: string): bigint {
    const v4 = ipv4Value(ip);
    if (v4 !== null) return BigInt(v4);
    if (ipFamily(ip) !== 6) throw new Error(`not an IP address: ${ip}`);
    return ipaddr.parse(ip).toByteArray().reduce((acc, byte) => (acc << 8n) + BigInt(byte), 0n);
}

export function bigIntToIp(value: bigint, family: Family): string {
    if (family === 4) return ipv4Text(Number(value & 0xffffffffn));
    const bytes: number[] = [];
    for (let i = bits(family) / 8 - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 255n));
    // RFC 5952 text for IPv6 (the longest run of zero groups compressed, lower case).
    return ipaddr.fromByteArray(bytes).toString();
}

/**
 * Parses "a.b.c.d/n" or "x::/n". With `strict`, host bits must be zero (10.0.0.1/24 is refused:
 * it is almost always a typo for the network or the hub's address).
 */
export function parseCidr(text: unknown, strict = true): Network | null {
    if (typeof text !== "string" || text.length > 64) return null;
    const m = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/.exec(text.trim());
    if (!m) return null;
    const family = ipFamily(m[1]);
    if (!family) return null;
    const prefix = Number(m[2]);
    if (prefix > bits(family) || (m[2].length > 1 && m[2].startsWith("0"))) return null;
    const value = ipToBigInt(m[1]);
    const hostMask = (1n << BigInt(bits(family) - prefix)) - 1n;
    if (strict && (value & hostMask) !== 0n) return null;
    const base = value & ~hostMask;
    return { family, base, prefix, cidr: `${bigIntToIp(base, family)}/${prefix}` };
}

export function hostCount(netw: Network): bigint {
    return 1n << BigInt(bits(netw.family) - netw.prefix);
}

export function contains(netw: Network, ip: string): boolean {
    // The agent API checks each connection's address, and the conf file every spoke's.
    if (netw.family === 4) {
        const value = ipv4Value(ip);
        const first = Number(netw.base);
        return value !== null && value >= first && value < first + 2 ** (32 - netw.prefix);
    }
    if (ipFamily(ip) !== netw.family) return false;
    const value = ipToBigInt(ip);
    return value >= netw.base && value < netw.base + hostCount(netw);
}

export function overlaps(a: Network, b: Network): boolean {
    if (a.family !== b.family) return false;
    const aEnd = a.base + hostCount(a), bEnd = b.base + hostCount(b);
    return a.base < bEnd && b.base < aEnd;
}

// ---- field rules ------------------------------------------------------------------------

/** Spoke names: letters of any script, digits, space, dot, dash, underscore; 1-63 characters. */
export const spokeNameRule = { max: 63, shape: /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,62}$/u } as const;

export type NameProblem = "empty" | "too-long" | "characters";

export function spokeNameProblem(value: string): NameProblem | null {
    if (!value) return "empty";
    if (value.length > spokeNameRule.max) return "too-long";
    return spokeNameRule.shape.test(value) && !value.endsWith(" ") ? null : "characters";
}

/** The hub's networks: IPv4 /8 to /30; IPv6 /64 to /120 (a spoke has the same host number in both). */
export const networkPrefixes = { 4: { min: 8, max: 30 }, 6: { min: 64, max: 120 } } as const;

export type NetworkProblem = "empty" | "not-a-network" | "family" | "host-bits" | "prefix";

export function hubNetworkProblem(value: string, family: Family): NetworkProblem | null {
    if (!value) return "empty";
    const loose = parseCidr(value, false);
    if (!loose) return "not-a-network";
    if (loose.family !== family) return "family";
    const { min, max } = networkPrefixes[family];
    if (loose.prefix < min || loose.prefix > max) return "prefix";
    return parseCidr(value) ? null : "host-bits";
}

/** Routed subnets behind a spoke: not wider than /8 (IPv4) or /16 (IPv6), host bits zero. */
export const subnetWidest = { 4: 8, 6: 16 } as const;
export const maxSubnets = 32;

/** The most nodes one Proxmox VE cluster token enrolls. */
export const maxClusterUses = 64;

export type SubnetProblem = "not-a-network" | "host-bits" | "too-wide";

export function subnetProblem(value: string): SubnetProblem | null {
    const loose = parseCidr(value, false);
    if (!loose) return "not-a-network";
    if (loose.prefix < subnetWidest[loose.family]) return "too-wide";
    return parseCidr(value) ? null : "host-bits";
}

export const hostnameShape = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export interface HostPort {
    host: string;
    port: number;
}

export type EndpointProblem = "empty" | "no-port" | "port" | "ipv6-brackets" | "host";

/** host:port with IPv6 in brackets: the endpoint, or why not. */
export function parseEndpoint(value: string): HostPort | EndpointProblem {
    const text = value.trim();
    if (!text) return "empty";
    if (text.length > 260) return "host";
    const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
    const plain = bracketed ? null : /^([^:[\]]+):(\d+)$/.exec(text);
    if (!bracketed && !plain) {
        if (ipFamily(text) === 6 || ipFamily(text.replace(/:\d+$/, "")) === 6) return "ipv6-brackets";
        return /:\d*$/.test(text) ? "port" : "no-port";
    }
    const [, host, portText] = (bracketed ?? plain)!;
    const port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) return "port";
    const family = ipFamily(host);
    if (bracketed ? family !== 6 : family === null && (/^[\d.]+$/.test(host) || !hostnameShape.test(host))) return "host";
    return { host, port };
}

/** The host of an endpoint the service already accepted. */
export function endpointHost(endpoint: string): string {
    const parsed = parseEndpoint(endpoint);
    if (typeof parsed === "string") throw new Error(`not an endpoint: ${endpoint}`);
    return parsed.host;
}

/** The canonical text of an endpoint: IPv6 in brackets, a trailing dot kept as given. */
export function formatEndpoint({ host, port }: HostPort): string {
    return ipFamily(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export const maxDnsServers = 8;

/** DNS servers as the admin types them: comma or space separated. */
export function splitList(value: string): string[] {
    return value.split(/[\s,]+/).map(s => s.trim()).filter(Boolean);
}

/** The first item that is not an IP address, or null. */
export function badDnsServer(items: readonly string[]): string | null {
    return items.find(i => ipFamily(i) === null) ?? null;
}

export type SpokeAddressProblem = "not-ipv4" | "outside" | "hub" | "network-or-broadcast";

/** A fixed spoke address: IPv4, inside the hub's network, not the hub's, network or broadcast address. */
export function spokeAddressProblem(value: string, network: Network): SpokeAddressProblem | null {
    if (ipFamily(value) !== 4) return "not-ipv4";
    if (!contains(network, value)) return "outside";
    const ordinal = ipToBigInt(value) - network.base;
    if (ordinal === 1n) return "hub";
    if (ordinal === 0n || ordinal === hostCount(network) - 1n) return "network-or-broadcast";
    return null;
}

export const portRange = { min: 1, max: 65535 } as const;

export function portProblem(value: string): "not-a-number" | "range" | null {
    if (!/^\d{1,5}$/.test(value.trim())) return "not-a-number";
    const n = Number(value);
    return n >= portRange.min && n <= portRange.max ? null : "range";
}

/** Token lifetimes: "15m", "24h", "7d", or seconds; between 5 minutes and 30 days. */
export const ttlRange = { minMs: 5 * 60_000, maxMs: 30 * 86400_000 } as const;

const durationUnits: Record<string, number> = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "15m", "24h", "7d" → milliseconds; null when malformed. */
export function parseDuration(text: string): number | null {
    const m = /^(\d{1,9})\s*(s|m|min|h|d)$/.exec(text.trim());
    if (!m) return null;
    const ms = Number(m[1]) * durationUnits[m[2]];
    return ms > 0 ? ms : null;
}

export function ttlProblem(value: string): "shape" | "range" | null {
    const ms = parseDuration(value);
    if (ms === null) return "shape";
    return ms < ttlRange.minMs || ms > ttlRange.maxMs ? "range" : null;
}
