// Search, filter and sort over the whole spoke list, done once per change and memoized by the
// table: with 10,000 spokes only the visible page is rendered.
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

export function toRows(spokes: Spoke[], now: number): SpokeRow[] {
    return spokes.map(spoke => {
        const address = spokeAddress(spoke);
        const os = osName(spoke.os, spoke.isProxmox);
        return {
            spoke,
            state: displayState(spoke, now),
            address,
            os,
            haystack: [spoke.name, spoke.hub ?? "", address, spoke.addressV6 ?? "", os, spoke.endpoint ?? "", spoke.hostname ?? "", spoke.proxmoxClusterName ?? "",
                spoke.datacenter ?? "", spoke.publicKey ?? "", ...(spoke.subnets ?? [])].join("\n").toLowerCase(),
        };
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

export function querySpokes(rows: SpokeRow[], q: SpokeQuery): SpokeRow[] {
    const words = q.search.toLowerCase().split(/\s+/).filter(Boolean);
    const picked = rows.filter(r =>
        (!q.state || r.state === q.state) &&
        (!q.os || r.os === q.os) &&
        words.every(w => r.haystack.includes(w)));
    const sign = q.ascending ? 1 : -1;
    // Ties keep a stable order by name, so rows do not jump around between refreshes.
    return picked.sort((a, b) => sign * compare(a, b, q.sortKey) || collator.compare(a.spoke.name, b.spoke.name));
}
