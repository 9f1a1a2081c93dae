// IPv4 and IPv6 networks as numbers: parsing, validation and host ordinals.
import net from "node:net";

export interface Network {
    family: 4 | 6;
    /** Network base address as a number (bigint for both families, to share code). */
    base: bigint;
    prefix: number;
    /** Canonical text, e.g. "10.0.1.0/24". */
    cidr: string;
}

const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);

export function ipToBigInt(ip: string): bigint {
    if (net.isIPv4(ip)) return ip.split(".").reduce((acc, part) => (acc << 8n) + BigInt(Number(part)), 0n);
    if (!net.isIPv6(ip) || ip.includes("%") || ip.includes(".")) throw new Error(`not an IP address: ${ip}`);
    const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
    const headParts = head ? head.split(":") : [];
    const tailParts = tail ? tail.split(":") : [];
    const missing = 8 - headParts.length - tailParts.length;
    const groups = tail === undefined ? headParts : [...headParts, ...Array(missing).fill("0"), ...tailParts];
    return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

export function bigIntToIp(value: bigint, family: 4 | 6): string {
    if (family === 4) return [24n, 16n, 8n, 0n].map(s => String((value >> s) & 255n)).join(".");
    const groups = [];
    for (let i = 7; i >= 0; i--) groups.push(((value >> BigInt(i * 16)) & 0xffffn).toString(16));
    // Compress the longest run of zero groups (RFC 5952).
    let bestStart = -1, bestLen = 0;
    for (let i = 0; i < 8;) {
        if (groups[i] !== "0") { i++; continue; }
        let j = i;
        while (j < 8 && groups[j] === "0") j++;
        if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
        i = j;
    }
    if (bestStart < 0) return groups.join(":");
    return `${groups.slice(0, bestStart).join(":")}::${groups.slice(bestStart + bestLen).join(":")}`;
}

export function ipFamily(ip: string): 4 | 6 | null {
    if (net.isIPv4(ip) && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return 4;
    if (net.isIPv6(ip) && !ip.includes("%") && !ip.includes(".")) return 6;
    return null;
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
    const family = ipFamily(ip);
    if (family !== netw.family) return false;
    const value = ipToBigInt(ip);
    return value >= netw.base && value < netw.base + hostCount(netw);
}

/** The address at host ordinal n of the network (0 = network address). */
export function addressAt(netw: Network, ordinal: number): string {
    return bigIntToIp(netw.base + BigInt(ordinal), netw.family);
}

export function ordinalOf(netw: Network, ip: string): number {
    return Number(ipToBigInt(ip) - netw.base);
}

export function overlaps(a: Network, b: Network): boolean {
    if (a.family !== b.family) return false;
    const aEnd = a.base + hostCount(a), bEnd = b.base + hostCount(b);
    return a.base < bEnd && b.base < aEnd;
}
