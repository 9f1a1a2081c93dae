// Input validation at the edge. Each function returns the clean value or throws a 400 that
// names the field and says what it accepts; nothing reaches the domain unchecked.
import { HubError } from "../errors";
import { isWireGuardKey } from "../wireguard/keys";
import {
    badDnsServer, formatEndpoint, hostnameShape, hubNetworkProblem, ipFamily, maxDnsServers, maxSubnets, networkPrefixes, parseCidr, parseDuration,
    parseEndpoint, spokeNameProblem, subnetProblem, ttlRange, type Network,
} from "../contract/fields";

export type Body = Record<string, unknown>;

export function invalid(field: string, accepts: string): never {
    throw new HubError("VALIDATION_FAILED", `${field} is not valid: expected ${accepts}`,
        `Fix ${field} and send the request again.`, { field });
}

export function asBody(value: unknown): Body {
    if (value === null || typeof value !== "object" || Array.isArray(value))
        throw new HubError("BAD_REQUEST", "The request body must be a JSON object", "Send Content-Type: application/json with an object body.");
    return value as Body;
}

/** An empty string means "absent" for optional fields (the seed's page sends privateEndpoint: ""). */
function present(value: unknown): boolean {
    return value !== undefined && value !== null && value !== "";
}

// Control characters, line separators, and format characters: bidi overrides and zero-width
// marks would make a name in the page or the audit log read as another name.
const controlChars = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

export function text(body: Body, field: string, opts: { max: number; required?: boolean }): string | null {
    const v = body[field];
    if (!present(v)) {
        if (opts.required) invalid(field, "a non-empty string");
        return null;
    }
    if (typeof v !== "string" || v.length > opts.max || controlChars.test(v) || v.trim() !== v)
        invalid(field, `text of at most ${opts.max} characters, without control characters or surrounding spaces`);
    return v;
}

/** Spoke names: letters, digits, space, dot, dash, underscore; 1-63 characters. */
export function spokeName(body: Body, field = "spokeName"): string {
    const v = body[field];
    if (typeof v !== "string" || spokeNameProblem(v))
        invalid(field, "1-63 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit");
    return v;
}

/** Proxmox node and cluster names, hostnames: DNS-label-like. */
export function label(body: Body, field: string, required = false): string | null {
    const v = body[field];
    if (!present(v)) {
        if (required) invalid(field, "a name");
        return null;
    }
    if (typeof v !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(v))
        invalid(field, "1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
    return v;
}

/** A machine's hostname as it reports it: a DNS name of up to 253 characters. */
export function hostname(body: Body, field: string): string | null {
    const v = body[field];
    if (!present(v)) return null;
    if (typeof v !== "string" || !hostnameShape.test(v)) invalid(field, "a hostname (letters, digits, '-' and '.', up to 253 characters)");
    return v.replace(/\.$/, "");
}

export function oneOf<T extends string>(body: Body, field: string, allowed: readonly T[], fallback?: T): T {
    const v = body[field];
    if (!present(v) && fallback !== undefined) return fallback;
    if (typeof v !== "string" || !allowed.includes(v as T)) invalid(field, `one of ${allowed.join(", ")}`);
    return v as T;
}

export function bool(body: Body, field: string): boolean {
    const v = body[field];
    if (!present(v)) return false;
    if (typeof v !== "boolean") invalid(field, "true or false");
    return v;
}

export function port(body: Body, field: string, fallback?: number): number {
    const v = body[field];
    if (!present(v) && fallback !== undefined) return fallback;
    const n = typeof v === "string" && /^\d{1,5}$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 65535) invalid(field, "a port number from 1 to 65535");
    return n;
}

/** host:port, with IPv6 in brackets: "203.0.113.5:51820", "vpn.example.com:51820", "[2001:db8::1]:51820". */
export function endpoint(body: Body, field: string, required: boolean): string | null {
    const v = body[field];
    if (!present(v)) {
        if (required) invalid(field, "host:port (IPv6 in brackets)");
        return null;
    }
    const parsed = typeof v === "string" ? parseEndpoint(v) : "host";
    if (typeof parsed === "string") {
        if (parsed === "ipv6-brackets") invalid(field, "host:port with an IPv6 host in brackets, e.g. [2001:db8::1]:51820");
        if (parsed === "host") invalid(field, "host:port where host is a DNS name, an IPv4 address or [IPv6]");
        invalid(field, "host:port (IPv6 in brackets, e.g. [2001:db8::1]:51820)");
    }
    return formatEndpoint(parsed);
}

export function endpointHost(ep: string): string {
    const parsed = parseEndpoint(ep);
    if (typeof parsed === "string") throw new Error(`not an endpoint: ${ep}`);
    return parsed.host;
}

/** DNS servers: a list of IP addresses, as an array or a comma/space separated string. */
export function dnsList(body: Body, field = "dns"): string[] {
    const v = body[field];
    if (!present(v)) return [];
    const items = typeof v === "string" ? v.split(/[\s,]+/).filter(Boolean) : v;
    if (!Array.isArray(items) || items.length > maxDnsServers || !items.every(i => typeof i === "string") || badDnsServer(items as string[]) !== null)
        invalid(field, `up to ${maxDnsServers} IP addresses (an array, or a comma-separated string)`);
    return items as string[];
}

export function network(body: Body, field: string, family: 4 | 6, required: boolean): Network | null {
    const v = body[field];
    if (!present(v)) {
        if (required) invalid(field, family === 4 ? "an IPv4 network like 10.0.1.0/24" : "an IPv6 network like fd00:1::/64");
        return null;
    }
    const { min, max } = networkPrefixes[family];
    if (typeof v !== "string" || hubNetworkProblem(v, family))
        invalid(field, `an IPv${family} network with prefix /${min} to /${max}, host bits zero (e.g. ${family === 4 ? "10.0.1.0/24" : "fd00:1::/64"})`);
    return parseCidr(v)!;
}

export function cidrList(body: Body, field: string): Network[] {
    const v = body[field];
    if (!present(v)) return [];
    if (!Array.isArray(v) || v.length > maxSubnets) invalid(field, `an array of up to ${maxSubnets} networks`);
    return v.map(item => {
        if (typeof item !== "string" || subnetProblem(item))
            invalid(field, "networks like 192.168.10.0/24 (host bits zero; not wider than /8 or /16 for IPv6)");
        return parseCidr(item)!;
    });
}

export function ip(body: Body, field: string): string | null {
    const v = body[field];
    if (!present(v)) return null;
    if (typeof v !== "string" || ipFamily(v) === null) invalid(field, "an IP address");
    return v;
}

/** An integer query parameter within [min, max]; `fallback` when absent. */
export function queryInt<T extends number | null>(value: unknown, field: string, min: number, max: number, fallback: T): number | T {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) invalid(field, `an integer from ${min} to ${max}`);
    return n;
}

export function wireguardKey(body: Body, field: string): string {
    const v = body[field];
    if (!isWireGuardKey(v)) invalid(field, "a WireGuard public key (32 bytes, base64, 44 characters)");
    return v;
}

export function installToken(value: unknown, field = "token"): string {
    if (typeof value !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(value))
        throw new HubError("TOKEN_NOT_FOUND", "Unknown installation token", "Check that the whole command was pasted, or create a new token.", { field });
    return value;
}

/** A TTL as "15m", "24h", "7d" or seconds; between 5 minutes and 30 days. */
export function ttl(body: Body, field: string): number | null {
    const v = body[field];
    if (!present(v)) return null;
    const ms = typeof v === "number" && Number.isInteger(v) ? v * 1000 : typeof v === "string" ? parseDuration(v) : null;
    if (ms === null || ms < ttlRange.minMs || ms > ttlRange.maxMs) invalid(field, "a duration from 5m to 30d, like 1h or 7d");
    return ms;
}

export function uuid(value: unknown, field: string): string {
    if (typeof value !== "string" || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value))
        invalid(field, "an id as returned by the API");
    return value;
}

export function metadata(body: Body, field: string): Record<string, string> {
    const v = body[field];
    if (!present(v)) return {};
    if (typeof v !== "object" || Array.isArray(v)) invalid(field, "an object of short strings");
    const entries = Object.entries(v as object);
    if (entries.length > 20) invalid(field, "at most 20 keys");
    const out: Record<string, string> = {};
    for (const [k, val] of entries) {
        if (!/^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(k)) invalid(`${field}.${k}`, "keys of letters, digits and '_'");
        if (val === null || val === undefined) continue;
        const s = typeof val === "number" || typeof val === "boolean" ? String(val) : val;
        if (typeof s !== "string" || s.length > 200 || controlChars.test(s)) invalid(`${field}.${k}`, "a string of at most 200 characters");
        out[k] = s;
    }
    return out;
}

export function labelList(body: Body, field: string, max = 64): string[] {
    const v = body[field];
    if (!present(v)) return [];
    if (!Array.isArray(v) || v.length > max) invalid(field, `an array of up to ${max} names`);
    return v.map((_, i) => label({ [field]: v[i] }, field, true)!);
}

export { parseDuration };
