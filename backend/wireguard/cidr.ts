// Canonical CIDR text, so "10.0.1.5/24" from the database and "10.0.1.0/24" from
// `wg show dump` compare equal: WireGuard stores allowed IPs with their host bits cleared
// and prints IPv6 in its compressed form.
import net from "node:net";

function parseIPv6(text: string): number[] | null {
    let t = text;
    const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(t);
    if (dotted) {
        const o = dotted.slice(2).map(Number);
        t = `${dotted[1]}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
    }
    const halves = t.split("::");
    if (halves.length > 2) return null;
    const part = (s: string) => (s === "" ? [] : s.split(":").map(h => parseInt(h, 16)));
    const left = part(halves[0]);
    const right = halves.length === 2 ? part(halves[1]) : [];
    const zeros = halves.length === 2 ? 8 - left.length - right.length : 0;
    if (zeros < 0) return null;
    const words = [...left, ...new Array<number>(zeros).fill(0), ...right];
    return words.length === 8 && words.every(w => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : null;
}

function formatIPv6(words: number[]): string {
    // RFC 5952: compress the longest run (length ≥ 2) of zero words, the first one on a tie.
    let bestStart = -1, bestLen = 1;
    for (let i = 0; i < 8;) {
        if (words[i] !== 0) { i++; continue; }
        let j = i;
        while (j < 8 && words[j] === 0) j++;
        if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
        i = j;
    }
    const hex = words.map(w => w.toString(16));
    if (bestStart < 0) return hex.join(":");
    return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/** "10.0.1.5/24" → "10.0.1.0/24"; a bare address gets /32 or /128; null when not a CIDR. */
export function canonicalCidr(text: string): string | null {
    const [addr, prefixText, ...rest] = text.trim().split("/");
    if (rest.length) return null;
    const family = net.isIP(addr);
    if (family === 0) return null;
    const max = family === 4 ? 32 : 128;
    if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (prefix > max) return null;
    if (family === 4) {
        const value = addr.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
        const size = 2 ** (32 - prefix);
        const masked = value - (value % size);
        const octets = [24, 16, 8, 0].map(s => Math.floor(masked / 2 ** s) % 256);
        return `${octets.join(".")}/${prefix}`;
    }
    const words = parseIPv6(addr);
    if (!words) return null;
    const masked = words.map((w, i) => {
        const bits = Math.max(0, Math.min(16, prefix - i * 16));
        return bits === 16 ? w : bits === 0 ? 0 : w & (0xffff << (16 - bits)) & 0xffff;
    });
    return `${formatIPv6(masked)}/${prefix}`;
}

/** An address with its prefix as given to `ip addr add` ("10.0.1.1/24"), host bits kept. */
export function isInterfaceAddress(text: string): boolean {
    const [addr, prefix, ...rest] = text.split("/");
    const family = net.isIP(addr);
    return rest.length === 0 && family !== 0 && /^\d{1,3}$/.test(prefix ?? "") && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Sorted canonical list joined by commas: the comparable form of a peer's allowed IPs. */
export function allowedIPsKey(cidrs: readonly string[]): string {
    return [...new Set(cidrs.map(c => canonicalCidr(c) ?? c))].sort().join(",");
}
