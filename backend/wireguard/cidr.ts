// Canonical CIDR text, so "10.0.1.5/24" from the database and "10.0.1.0/24" from
// `wg show dump` compare equal: WireGuard stores allowed IPs with their host bits cleared
// and prints IPv6 in its compressed form.
import net from "node:net";
import { bigIntToIp, ipToBigInt, ipv4Text, ipv4Value } from "../contract/fields";

/** "::ffff:1.2.3.4" → "::ffff:102:304": the hex form the shared IP maths reads. */
function undotted(addr: string): string | null {
    const m = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(addr);
    if (!m) return addr;
    const o = m.slice(2).map(Number);
    if (o.some(x => x > 255)) return null;
    return `${m[1]}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
}

/** "10.0.1.5/24" → "10.0.1.0/24"; a bare address gets /32 or /128; null when not a CIDR. */
export function canonicalCidr(text: string): string | null {
    const [addr, prefixText, ...rest] = text.trim().split("/");
    if (rest.length) return null;
    if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
    // Every spoke's allowed IP is one IPv4 address: read as a number, without bigints (at
    // 100,000 peers the general path was a fifth of the hub's start).
    const v4 = ipv4Value(addr);
    if (v4 !== null) {
        // The text itself when it is already canonical: the plan remembers one for each peer.
        const canonical = canonicalIpv4(v4, prefixText === undefined ? 32 : Number(prefixText));
        return canonical === text ? text : canonical;
    }
    const family = net.isIP(addr);
    if (family !== 4 && family !== 6) return null;
    const bits = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? bits : Number(prefixText);
    if (prefix > bits) return null;
    const plain = family === 6 ? undotted(addr) : addr;
    if (plain === null) return null;
    let value: bigint;
    try {
        value = ipToBigInt(plain);
    } catch {
        return null; // e.g. a zone index (fe80::1%eth0): never an allowed IP
    }
    const hostMask = (1n << BigInt(bits - prefix)) - 1n;
    return `${bigIntToIp(value & ~hostMask, family)}/${prefix}`;
}

function canonicalIpv4(value: number, prefix: number): string | null {
    if (prefix > 32) return null;
    const hosts = 2 ** (32 - prefix);
    return `${ipv4Text(value - value % hosts)}/${prefix}`;
}

/** An address with its prefix as given to `ip addr add` ("10.0.1.1/24"), host bits kept. */
export function isInterfaceAddress(text: string): boolean {
    const [addr, prefix, ...rest] = text.split("/");
    const family = net.isIP(addr);
    return rest.length === 0 && family !== 0 && /^\d{1,3}$/.test(prefix ?? "") && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Sorted canonical list joined by commas: the comparable form of a peer's allowed IPs. */
export function allowedIPsKey(cidrs: readonly string[]): string {
    if (cidrs.length === 1) return canonicalCidr(cidrs[0]) ?? cidrs[0];
    return [...new Set(cidrs.map(c => canonicalCidr(c) ?? c))].sort().join(",");
}
