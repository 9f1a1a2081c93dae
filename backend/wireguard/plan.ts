// What to change on the interface: desired peers against actual ones, as `wg set` argv.
import { allowedIPsKey, canonicalCidr } from "./cidr";
import { isWireGuardKey } from "./keys";

/** publicKey → canonical allowed IPs ("10.0.1.2/32,192.168.5.0/24"). */
export type PeerTable = Map<string, string>;

export interface PeerDelta {
    remove: string[];
    /** `endpoint`: where the peer was last seen, so the hub can reach it at once. */
    add: { publicKey: string; allowedIPs: string; endpoint?: string; keepalive?: number }[];
    change: { publicKey: string; allowedIPs: string }[];
}

/** An endpoint as `wg show dump` prints one: IPv4:port or [IPv6]:port. */
export function isPeerEndpoint(text: string): boolean {
    return /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+(%[\w.-]+)?\]):\d{1,5}$/.test(text);
}

/**
 * Gives each peer the delta adds back the endpoint it last had. A peer taken off the
 * interface (by hand, or disabled and enabled again) is put back knowing where its spoke is,
 * so the hub can send at once instead of waiting for the spoke's next handshake (5-15 s).
 */
export function withLastEndpoints(delta: PeerDelta, lastEndpoints: ReadonlyMap<string, string>): PeerDelta {
    return {
        ...delta,
        add: delta.add.map(p => {
            const endpoint = lastEndpoints.get(p.publicKey);
            return endpoint && isPeerEndpoint(endpoint) ? { ...p, endpoint } : p;
        }),
    };
}

/**
 * Other hubs' peers get their configured endpoint and keepalive: a new one when added, and an
 * existing one whose endpoint is unknown to WireGuard (or was configured differently) again.
 */
export function withHubEndpoints(delta: PeerDelta, hubPeers: readonly { publicKey: string; endpoint?: string; keepalive?: number }[],
    actualEndpoints: ReadonlyMap<string, string | null> | null, applied: Map<string, string>): PeerDelta {
    if (!hubPeers.length) return delta;
    const byKey = new Map(hubPeers.filter(h => h.endpoint).map(h => [h.publicKey, h]));
    const add = delta.add.map(p => {
        const h = byKey.get(p.publicKey);
        return h ? { ...p, endpoint: h.endpoint, keepalive: h.keepalive } : p;
    });
    const extra: PeerDelta["add"] = [];
    for (const h of byKey.values()) {
        if (add.some(p => p.publicKey === h.publicKey)) continue;
        const configured = `${h.endpoint}|${h.keepalive ?? 0}`;
        const unknown = actualEndpoints !== null && !actualEndpoints.get(h.publicKey);
        if (unknown || applied.get(h.publicKey) !== configured) extra.push({ publicKey: h.publicKey, allowedIPs: "", endpoint: h.endpoint, keepalive: h.keepalive });
    }
    for (const h of byKey.values()) applied.set(h.publicKey, `${h.endpoint}|${h.keepalive ?? 0}`);
    return { ...delta, add: [...add, ...extra] };
}

/** The peer's own tunnel address: the host route (/32 or /128) among its allowed IPs. */
export function tunnelAddressOf(allowedIPs: string): string | null {
    const host = allowedIPs.split(",").find(c => c.endsWith("/32") || c.endsWith("/128"));
    return host ? host.slice(0, host.lastIndexOf("/")) : null;
}

export interface Drift {
    publicKey: string;
    kind: "missing" | "rogue" | "changed";
}

/** A peer's canonical allowed IPs, or null when its key or one of its CIDRs is malformed. */
function validKey(publicKey: string, allowedIPs: readonly string[]): string | null {
    if (!isWireGuardKey(publicKey) || allowedIPs.length === 0) return null;
    if (allowedIPs.length === 1) return canonicalCidr(allowedIPs[0]);
    return allowedIPs.every(c => canonicalCidr(c) !== null) ? allowedIPsKey(allowedIPs) : null;
}

// A desired peer is never changed in place (a spoke's change makes a new one, and a reload
// keeps the objects of unchanged spokes), so each object is checked once: at 100,000 peers,
// checking every peer on every run was a fifth of a registration burst's CPU. Another hub's
// peer (thousands of allowed IPs, new with each of its spokes) is checked each time.
const checkedPeers = new WeakMap<object, string | null>();
const largestRemembered = 64;

type PeerLike = { publicKey: string; allowedIPs: readonly string[] };

function checkedKeyOf(p: PeerLike): string | null {
    let key = checkedPeers.get(p);
    if (key === undefined) {
        key = validKey(p.publicKey, p.allowedIPs);
        if (p.allowedIPs.length <= largestRemembered) checkedPeers.set(p, key);
    }
    return key;
}

const shownKey = (p: PeerLike) => String(p.publicKey).slice(0, 60);

function addChecked(p: PeerLike, table: PeerTable, invalid: string[]): void {
    const key = checkedKeyOf(p);
    if (key === null) invalid.push(shownKey(p));
    else table.set(p.publicKey, key);
}

/** The desired peers as a table; peers with a malformed key or CIDR are left out and listed. */
export function desiredTable(peers: readonly { publicKey: string; allowedIPs: readonly string[] }[]): { table: PeerTable; invalid: string[] } {
    const table: PeerTable = new Map();
    const invalid: string[] = [];
    for (const p of peers) addChecked(p, table, invalid);
    return { table, invalid };
}

/** Peers put in the table between two turns of the event loop. */
const peersPerTurn = 5_000;

/**
 * desiredTable, a few thousand peers at a time: at 100,000 peers one pass held the event loop
 * for about 50 ms, which every registration waiting then paid.
 */
export async function desiredTableInTurns(peers: readonly { publicKey: string; allowedIPs: readonly string[] }[]): Promise<{ table: PeerTable; invalid: string[] }> {
    const table: PeerTable = new Map();
    const invalid: string[] = [];
    for (let i = 0; i < peers.length; i++) {
        if (i > 0 && i % peersPerTurn === 0) await new Promise(resolve => setImmediate(resolve));
        addChecked(peers[i], table, invalid);
    }
    return { table, invalid };
}

/**
 * desiredTableInTurns without the table, for the conf file alone: at 100,000 peers building
 * the table took 40 to 60 ms of each render, and left an 8 MB map to collect.
 */
export async function validPeersInTurns<P extends PeerLike>(peers: readonly P[]): Promise<{ valid: readonly P[]; invalid: string[] }> {
    const bad = new Set<P>();
    for (let i = 0; i < peers.length; i++) {
        if (i > 0 && i % peersPerTurn === 0) await new Promise(resolve => setImmediate(resolve));
        if (checkedKeyOf(peers[i]) === null) bad.add(peers[i]);
    }
    return { valid: bad.size ? peers.filter(p => !bad.has(p)) : peers, invalid: [...bad].map(shownKey) };
}

const canonicalByRaw = new Map<string, string>();

/** Any list of peers (e.g. what `wg show dump` reports) as a table. */
export function peerTable(peers: readonly { publicKey: string; allowedIPs: readonly string[] }[]): PeerTable {
    const table: PeerTable = new Map();
    for (const p of peers) {
        if (p.allowedIPs.length > largestRemembered) {
            table.set(p.publicKey, allowedIPsKey(p.allowedIPs));
            continue;
        }
        const raw = p.allowedIPs.join(",");
        let key = canonicalByRaw.get(raw);
        if (key === undefined) {
            if (canonicalByRaw.size > 200_000) canonicalByRaw.clear();
            key = allowedIPsKey(p.allowedIPs);
            canonicalByRaw.set(raw, key);
        }
        table.set(p.publicKey, key);
    }
    return table;
}

export function diffPeers(desired: PeerTable, actual: PeerTable): PeerDelta {
    const delta: PeerDelta = { remove: [], add: [], change: [] };
    for (const key of actual.keys()) if (!desired.has(key)) delta.remove.push(key);
    for (const [publicKey, allowedIPs] of desired) {
        const current = actual.get(publicKey);
        if (current === undefined) delta.add.push({ publicKey, allowedIPs });
        else if (current !== allowedIPs) delta.change.push({ publicKey, allowedIPs });
    }
    return delta;
}

export function deltaSize(delta: PeerDelta): number {
    return delta.remove.length + delta.add.length + delta.change.length;
}

/** Differences between what this service last applied and what the interface holds. */
export function findDrift(applied: PeerTable, actual: PeerTable): Drift[] {
    const delta = diffPeers(applied, actual);
    return [
        ...delta.add.map(p => ({ publicKey: p.publicKey, kind: "missing" as const })),
        ...delta.remove.map(publicKey => ({ publicKey, kind: "rogue" as const })),
        ...delta.change.map(p => ({ publicKey: p.publicKey, kind: "changed" as const })),
    ];
}

/**
 * Linux caps argv + environment at ARG_MAX (2 MiB here); 10,000 peers need about 1.1 MB of
 * argv, so large deltas are split. Removals go first, so an address taken over by a new
 * peer in the same delta is freed before it is claimed.
 */
export const defaultArgvBudget = 900_000;

/**
 * Linux also caps each single argument at 128 KiB: another hub's peer, routing thousands of
 * spokes, has an allowed-IPs list longer than that (about 8,000 /32s). Such peers go to
 * `wg addconf` from a file instead (it sets a peer's allowed IPs as `wg set` does), never in argv.
 */
export const maxArgumentBytes = 100_000;

const fitsArgv = (p: { allowedIPs: string }) => p.allowedIPs.length <= maxArgumentBytes;

/** The peers of `delta` too large for argv, as the text `wg addconf IF FILE` takes (null: none). */
export function addconfText(delta: PeerDelta): string | null {
    const large = [...delta.change, ...delta.add].filter(p => !fitsArgv(p));
    if (!large.length) return null;
    return large.map(p => {
        const lines = ["[Peer]", `PublicKey = ${p.publicKey}`, `AllowedIPs = ${p.allowedIPs}`];
        if ("endpoint" in p && p.endpoint) lines.push(`Endpoint = ${p.endpoint}`);
        if ("keepalive" in p && p.keepalive) lines.push(`PersistentKeepalive = ${p.keepalive}`);
        return lines.join("\n");
    }).join("\n\n") + "\n";
}

export function wgSetBatches(iface: string, delta: PeerDelta, budget = defaultArgvBudget): string[][] {
    const batches: string[][] = [];
    const pointer = 8;
    const size = (args: string[]) => args.reduce((n, a) => n + Buffer.byteLength(a) + 1 + pointer, 0);
    const base = ["set", iface];
    let current = [...base];
    let used = size(current);
    const push = (args: string[]) => {
        const cost = size(args);
        if (current.length > base.length && used + cost > budget) {
            batches.push(current);
            current = [...base];
            used = size(current);
        }
        current.push(...args);
        used += cost;
    };
    for (const key of delta.remove) push(["peer", key, "remove"]);
    for (const p of delta.change.filter(fitsArgv)) push(["peer", p.publicKey, "allowed-ips", p.allowedIPs]);
    for (const p of delta.add.filter(fitsArgv))
        push(["peer", p.publicKey, ...(p.endpoint ? ["endpoint", p.endpoint] : []),
            ...(p.keepalive ? ["persistent-keepalive", String(p.keepalive)] : []), ...(p.allowedIPs ? ["allowed-ips", p.allowedIPs] : [])]);
    if (current.length > base.length) batches.push(current);
    return batches;
}
