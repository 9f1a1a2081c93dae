// What a search, a filter and a sort of the spoke list mean (GET /api/spoke/list with `limit`):
// the page's table did this itself over the whole list, and its users expect the same rows in
// the same order. compareSpokes is that order; order.ts and listIndex.ts give it without
// comparing spokes one to one.
import { ipv4Value } from "../contract/fields";
import { displayStateOf, osName, type DisplayState, type SpokeSortKey } from "../contract/spokeDisplay";
import type { SpokeView } from "./list";

/** What a spoke is searched, filtered and sorted by that is not a field of its own. */
export interface SpokeFacts {
    /** Lower-cased text the search words are looked for in. */
    haystack: string;
    state: DisplayState;
    /** The system as shown. */
    os: string;
    /** The IPv4 address as a number; anything else sorts after every IPv4 address. */
    address: number;
    /** The last handshake's time; 0 for none. */
    handshake: number;
}

/** The fields of a view a search looks in, besides its system as shown. */
export type SearchedFields = Pick<SpokeView, "name" | "hub" | "address" | "addressV6" | "endpoint" | "hostname" | "proxmoxClusterName"
    | "datacenter" | "publicKey" | "subnets">;

/** The lower-cased text a search's words are looked for in (see SpokeFacts). */
export function haystackOf(s: SearchedFields, os: string): string {
    return [s.name, s.hub ?? "", s.address, s.addressV6 ?? "", os, s.endpoint ?? "", s.hostname ?? "",
        s.proxmoxClusterName ?? "", s.datacenter ?? "", s.publicKey, ...s.subnets].join("\n").toLowerCase();
}

/** A view never changes (a changed spoke is a new view), so its facts are made once. */
const factsOf = new WeakMap<SpokeView, SpokeFacts>();

function makeFacts(view: SpokeView, same?: SpokeFacts): SpokeFacts {
    const os = same?.os ?? osName(view.os, view.isProxmox);
    return {
        haystack: same?.haystack ?? haystackOf(view, os),
        state: displayStateOf(view.status),
        os,
        address: same?.address ?? ipv4Value(view.address) ?? Number.MAX_SAFE_INTEGER,
        handshake: view.lastHandshake ? Date.parse(view.lastHandshake) || 0 : 0,
    };
}

export function spokeFacts(view: SpokeView): SpokeFacts {
    let facts = factsOf.get(view);
    if (!facts) factsOf.set(view, facts = makeFacts(view));
    return facts;
}

/** Whether two views are searched and shown alike (their state and handshake aside). */
function sameText(a: SpokeView, b: SpokeView): boolean {
    return a.id === b.id && a.name === b.name && a.hub === b.hub && a.address === b.address && a.addressV6 === b.addressV6
        && a.os === b.os && a.isProxmox === b.isProxmox && a.endpoint === b.endpoint && a.hostname === b.hostname
        && a.proxmoxClusterName === b.proxmoxClusterName && a.datacenter === b.datacenter && a.publicKey === b.publicKey
        && a.subnets.length === b.subnets.length && a.subnets.every((s, i) => s === b.subnets[i]);
}

/**
 * A view's facts, from those of the view it replaces (the same spoke in the list before) when
 * that one is searched alike: live status makes a new view of every spoke whose counters moved,
 * and the search text is the costly part (about 1 µs a spoke).
 */
export function spokeFactsAfter(view: SpokeView, before: SpokeView | undefined, beforeFacts: SpokeFacts | undefined): SpokeFacts {
    if (!before || !beforeFacts) return spokeFacts(view);
    if (before === view) return beforeFacts;
    return sameText(before, view) ? makeFacts(view, beforeFacts) : spokeFacts(view);
}

export const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

export const stateOrder: Record<DisplayState, number> = { online: 0, registered: 1, offline: 2, disabled: 3 };

export type TextKey = "name" | "hub" | "os" | "endpoint";
export type NumberKey = Exclude<SpokeSortKey, TextKey>;

/** The text a text key sorts by (collated); only "os" needs the facts. */
export function sortText(view: SpokeView, facts: SpokeFacts | null, key: TextKey): string {
    switch (key) {
    case "name": return view.name;
    case "hub": return view.hub ?? "";
    case "os": return (facts ?? spokeFacts(view)).os;
    case "endpoint": return view.endpoint ?? "";
    }
}

/** The number a numeric key sorts by. */
export function sortNumber(view: SpokeView, facts: SpokeFacts, key: NumberKey): number {
    switch (key) {
    case "address": return facts.address;
    case "state": return stateOrder[facts.state];
    case "handshake": return facts.handshake;
    case "rx": return view.rxBytes;
    case "tx": return view.txBytes;
    }
}

export function isTextKey(key: SpokeSortKey): key is TextKey {
    return key === "name" || key === "hub" || key === "os" || key === "endpoint";
}

export function compareKey(a: SpokeView, b: SpokeView, key: SpokeSortKey): number {
    if (isTextKey(key)) return collator.compare(sortText(a, spokeFacts(a), key), sortText(b, spokeFacts(b), key));
    const x = sortNumber(a, spokeFacts(a), key), y = sortNumber(b, spokeFacts(b), key);
    return x < y ? -1 : x > y ? 1 : 0;
}

export function compareIds(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/** Names for a person to pick from (systems, datacenters): the collator's order, then exact. */
export function compareNames(a: string, b: string): number {
    return collator.compare(a, b) || compareIds(a, b);
}

/**
 * The table's order: the key in the direction asked for; spokes equal by it by name, then by
 * id, ascending either way, so that pages neither overlap nor skip a spoke.
 */
export function compareSpokes(a: SpokeView, b: SpokeView, key: SpokeSortKey, ascending: boolean): number {
    return (ascending ? 1 : -1) * compareKey(a, b, key) || collator.compare(a.name, b.name) || compareIds(a.id, b.id);
}

/** The systems as shown, each once, sorted ("—", none known, left out): a page's `oses`. */
export function systemsShown(spokes: Iterable<{ os: string; isProxmox: boolean }>): string[] {
    const names = new Set<string>();
    for (const s of spokes) names.add(osName(s.os, s.isProxmox));
    names.delete("—");
    return [...names].sort(compareNames);
}

/** Where a page starts: the offset asked for, or the last page's start when that is past the last match. */
export function pageOffset(offset: number, matched: number, limit: number): number {
    return offset >= matched && matched > 0 ? Math.floor((matched - 1) / limit) * limit : offset;
}

export interface SpokeFilter {
    /** Lower-cased, each to be found in the haystack. */
    words: string[];
    state: DisplayState | null;
    os: string | null;
    id: string | null;
}

/** The search box's words: split at white space, case ignored. */
export function searchWords(search: string | undefined): string[] {
    return (search ?? "").toLowerCase().split(/\s+/).filter(Boolean);
}

export function filtersNothing(filter: SpokeFilter): boolean {
    return !filter.words.length && !filter.state && !filter.os && !filter.id;
}

export function matchesFilter(view: SpokeView, facts: SpokeFacts, filter: SpokeFilter): boolean {
    if (filter.id && view.id !== filter.id) return false;
    return (!filter.state || facts.state === filter.state)
        && (!filter.os || facts.os === filter.os)
        && filter.words.every(w => facts.haystack.includes(w));
}
