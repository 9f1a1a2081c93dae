// Search, filter and sort over the whole spoke list, memoized by the table: only the visible page
// is rendered. With 100,000 spokes each step counts: a spoke's search text is made once per spoke
// object (a refresh that finds the list unchanged keeps the same objects), the list is sorted once
// per order asked for, and a search or filter only filters the sorted rows (keeping their order).
import type { Spoke } from "../../types";
import { displayState, handshakeMillis, osName, spokeAddress, type DisplayState } from "../../util/spokeState";
import { ipv4Number } from "../../util/validate";

export interface SpokeRow {
    spoke: Spoke;
    state: DisplayState;
    address: string;
    os: string;
    /** Lower-cased text the search box matches against. */
    haystack: string;
}

export type SortKey = "name" | "hub" | "address" | "os" | "state" | "handshake" | "endpoint" | "rx" | "tx";

export interface SpokeQuery {
    search: string;
    state: DisplayState | "";
    os: string;
    sortKey: SortKey;
    ascending: boolean;
}

interface Derived {
    address: string;
    os: string;
    haystack: string;
}

/** What a row shows and searches that does not change with time, made once per spoke object. */
const derivedOf = new WeakMap<Spoke, Derived>();

function derive(spoke: Spoke): Derived {
    let d = derivedOf.get(spoke);
    if (!d) {
        const address = spokeAddress(spoke);
        const os = osName(spoke.os, spoke.isProxmox);
        d = {
            address,
            os,
            haystack: [spoke.name, spoke.hub ?? "", address, spoke.addressV6 ?? "", os, spoke.endpoint ?? "", spoke.hostname ?? "", spoke.proxmoxClusterName ?? "",
                spoke.datacenter ?? "", spoke.publicKey ?? "", ...(spoke.subnets ?? [])].join("\n").toLowerCase(),
        };
        derivedOf.set(spoke, d);
    }
    return d;
}

/** The rows of these spokes, in the same order. */
export function toRows(spokes: Spoke[], now: number): SpokeRow[] {
    return spokes.map(spoke => {
        const { address, os, haystack } = derive(spoke);
        return { spoke, state: displayState(spoke, now), address, os, haystack };
    });
}

const STATE_ORDER: Record<DisplayState, number> = { online: 0, registered: 1, offline: 2, disabled: 3 };

function addressKey(address: string): number {
    return ipv4Number(address) ?? Number.MAX_SAFE_INTEGER;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

function compare(a: SpokeRow, b: SpokeRow, key: SortKey): number {
    switch (key) {
    case "name": return collator.compare(a.spoke.name, b.spoke.name);
    case "hub": return collator.compare(a.spoke.hub ?? "", b.spoke.hub ?? "");
    case "address": return addressKey(a.address) - addressKey(b.address);
    case "os": return collator.compare(a.os, b.os);
    case "state": return STATE_ORDER[a.state] - STATE_ORDER[b.state];
    case "handshake": return handshakeMillis(a.spoke) - handshakeMillis(b.spoke);
    case "endpoint": return collator.compare(a.spoke.endpoint ?? "", b.spoke.endpoint ?? "");
    case "rx": return (a.spoke.rxBytes ?? 0) - (b.spoke.rxBytes ?? 0);
    case "tx": return (a.spoke.txBytes ?? 0) - (b.spoke.txBytes ?? 0);
    }
}

/** Whether an order depends on the time (a spoke's state does); the others hold between refreshes. */
export function sortDependsOnTime(key: SortKey): boolean {
    return key === "state";
}

/**
 * The spokes in the order asked for. Ties keep a stable order by name, so rows do not jump around
 * between refreshes. `now` matters only for the state's order.
 */
export function sortSpokes(spokes: Spoke[], sortKey: SortKey, ascending: boolean, now: number): Spoke[] {
    const sign = ascending ? 1 : -1;
    // Each spoke's row once (not once per comparison).
    const rows = toRows(spokes, now);
    rows.sort((a, b) => sign * compare(a, b, sortKey) || collator.compare(a.spoke.name, b.spoke.name));
    return rows.map(r => r.spoke);
}

/** The rows matching the search and filters, in the order they come in. */
export function filterRows(rows: SpokeRow[], q: Omit<SpokeQuery, "sortKey" | "ascending">): SpokeRow[] {
    const words = q.search.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length && !q.state && !q.os) return rows;
    return rows.filter(r =>
        (!q.state || r.state === q.state) &&
        (!q.os || r.os === q.os) &&
        words.every(w => r.haystack.includes(w)));
}

export function querySpokes(rows: SpokeRow[], q: SpokeQuery): SpokeRow[] {
    const picked = filterRows(rows, q).slice();
    const sign = q.ascending ? 1 : -1;
    // Ties keep a stable order by name, so rows do not jump around between refreshes.
    return picked.sort((a, b) => sign * compare(a, b, q.sortKey) || collator.compare(a.spoke.name, b.spoke.name));
}
