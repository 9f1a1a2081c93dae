// The spoke list is built again after each write from the rows whose version moved, and its
// JSON is kept a thousand spokes at a time. What that could break, checked against the table
// itself: a write the list misses, a spoke shown twice or in the wrong place, a thousand whose
// JSON is stale, an ETag that stays while the list changed.
import assert from "node:assert/strict";
import { spokePublicKey, type RunningHub } from "./hub";

/** A spoke as the table holds it, in the list's order (by registration time). */
export interface TruthRow {
    id: string;
    name: string;
    enabled: boolean;
    subnets: string[];
}

export async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < items.length) await work(items[next++]);
    }));
}

export async function enrollMany(hub: RunningHub, count: number, prefix: string): Promise<string[]> {
    const ids: string[] = [];
    await pool(Array.from({ length: count }, (_, i) => i), 16, async i => {
        const t = await hub.admin("POST", "/api/installation/token", { spokeName: `${prefix}-${String(i).padStart(5, "0")}` });
        assert.equal(t.status, 201, t.text);
        const r = await hub.publicRequest("POST", "/api/spoke/register", { token: t.body.token.token, publicKey: spokePublicKey(), os: "linux" });
        assert.equal(r.status, 201, r.text);
        ids.push(r.body.spoke.id);
    });
    return ids;
}

async function list(hub: RunningHub): Promise<{ spokes: { id: string; name: string; enabled: boolean; subnets: string[]; status: string }[]; etag: string }> {
    const r = await hub.admin("GET", "/api/spoke/list");
    assert.equal(r.status, 200, r.text);
    return { spokes: r.body.spokes, etag: String(r.headers.etag) };
}

function assertMatches(shown: Awaited<ReturnType<typeof list>>["spokes"], truth: TruthRow[], when: string): void {
    assert.equal(shown.length, truth.length, `${when}: as many spokes as the table holds`);
    assert.equal(new Set(shown.map(s => s.id)).size, shown.length, `${when}: no spoke twice`);
    truth.forEach((t, i) => {
        const s = shown[i];
        assert.deepEqual({ id: s.id, name: s.name, enabled: s.enabled, subnets: s.subnets }, t, `${when}: spoke ${i} as the table holds it`);
        assert.equal(s.status === "disabled", !t.enabled, `${when}: ${t.name}'s state`);
    });
}

/**
 * Lists and writes at once (renames, disables, enables, removals, registrations), then the
 * list must be the table, spoke for spoke; with nothing written since, the same ETag again.
 */
export async function checkListAgainstWrites(hub: RunningHub, readTruth: () => Promise<TruthRow[]>, ids: string[]): Promise<void> {
    const first = await list(hub);
    assertMatches(first.spokes, await readTruth(), "before the writes");
    const again = await hub.admin("GET", `/api/spoke/list?unchangedSince=${encodeURIComponent(first.etag)}`);
    assert.deepEqual(again.body, { unchanged: true });
    // The page index holds state per list (orders, searches, each spoke's facts): made before the writes.
    const pageQueries: Record<string, string | number>[] = [{ limit: 50, sort: "state", order: "desc" }, { limit: 50, search: "renamed" }];
    for (const q of pageQueries) await spokePage(hub, q);

    // Spread over every thousand, so that each slice of the kept JSON is touched.
    const step = Math.max(1, Math.floor(ids.length / 40));
    const chosen = ids.filter((_, i) => i % step === 0).slice(0, 40);
    const writes: (() => Promise<unknown>)[] = [];
    chosen.forEach((id, i) => {
        if (i % 4 === 0) writes.push(() => hub.admin("PUT", `/api/spoke/${id}`, { name: `renamed-${i}` }));
        else if (i % 4 === 1) writes.push(() => hub.admin("POST", `/api/spoke/${id}/disable`, {}));
        else if (i % 4 === 2) writes.push(() => hub.admin("DELETE", `/api/spoke/${id}`));
        else writes.push(() => hub.admin("PUT", `/api/spoke/${id}`, { subnets: [`172.${16 + (i % 8)}.${i}.0/24`] }));
    });
    writes.push(() => enrollMany(hub, 10, "late"));
    const lists: Promise<unknown>[] = [];
    await pool(writes, 8, async write => {
        lists.push(list(hub), ...pageQueries.map(q => spokePage(hub, q)));
        const r = await write() as { status?: number; text?: string };
        if (r && typeof r === "object" && "status" in r) assert.ok(r.status === 200 || r.status === 204, `a write answered ${r.status}: ${r.text}`);
        lists.push(list(hub));
    });
    // Every list read meanwhile was whole and well formed (each was parsed).
    await Promise.all(lists);

    const after = await list(hub);
    assertMatches(after.spokes, await readTruth(), "after the writes");
    assert.notEqual(after.etag, first.etag, "a changed list has a new ETag");
    // One of the disabled spokes back: its old view must not come back with it.
    const disabled = chosen[1];
    assert.equal((await hub.admin("POST", `/api/spoke/${disabled}/enable`, {})).status, 200);
    const enabled = await list(hub);
    assertMatches(enabled.spokes, await readTruth(), "after an enable");
    const unchanged = await hub.admin("GET", `/api/spoke/list?unchangedSince=${encodeURIComponent(enabled.etag)}`);
    assert.deepEqual(unchanged.body, { unchanged: true }, "nothing written since: the same ETag");

    // Pages read beside the writes left nothing stale: the pages now are the final list's.
    const final = (await fullList(hub)).spokes;
    for (const [key, ascending] of [["name", true], ["state", false]] as const) {
        const { ids } = await allPages(hub, { sort: key, order: ascending ? "asc" : "desc" }, 500);
        assert.deepEqual(ids, referenceOrder(final, key, ascending).map(s => s.id), `pages by ${key} after the writes`);
    }
    const { ids: found } = await allPages(hub, { search: "renamed" }, 500);
    assert.deepEqual(found, referenceOrder(referenceSearch(final, { search: "renamed" }), "name", true).map(s => s.id), "a search after the writes");
}

// ---- GET /api/spoke/list with limit: pages searched, filtered and sorted by the service ----

/** The list's view of a spoke, as far as searching and sorting read it. */
export interface ListedSpoke {
    id: string;
    name: string;
    hub: string | null;
    address: string;
    addressV6: string | null;
    os: string | null;
    isProxmox: boolean;
    endpoint: string | null;
    hostname: string | null;
    proxmoxClusterName: string | null;
    datacenter: string | null;
    publicKey: string;
    subnets: string[];
    status: "online" | "offline" | "pending" | "disabled";
    lastHandshake: string | null;
    rxBytes: number;
    txBytes: number;
}

export interface SpokePage {
    total: number;
    matched: number;
    offset: number;
    spokes: ListedSpoke[];
    oses: string[];
}

export const sortKeys = ["name", "hub", "address", "os", "state", "handshake", "endpoint", "rx", "tx"] as const;

// What the page's table did with the whole list, written out again here: the service's pages
// must show the same spokes in the same order.
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
const osNames: Record<string, string> = { linux: "Linux", proxmox: "Proxmox VE", macos: "macOS", windows: "Windows" };

/** Names for a person to pick from: the collator's order, then exact. */
export function compareNames(a: string, b: string): number {
    return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

export function shownOs(s: ListedSpoke): string {
    if (s.isProxmox) return "Proxmox VE";
    if (!s.os) return "—";
    return osNames[s.os.toLowerCase()] ?? s.os;
}

export function shownState(s: ListedSpoke): string {
    return s.status === "pending" ? "registered" : s.status;
}

function ipv4(address: string): number {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
    return m ? ((Number(m[1]) * 256 + Number(m[2])) * 256 + Number(m[3])) * 256 + Number(m[4]) : Number.MAX_SAFE_INTEGER;
}

const stateRank: Record<string, number> = { online: 0, registered: 1, offline: 2, disabled: 3 };

function byKey(a: ListedSpoke, b: ListedSpoke, key: typeof sortKeys[number]): number {
    switch (key) {
    case "name": return collator.compare(a.name, b.name);
    case "hub": return collator.compare(a.hub ?? "", b.hub ?? "");
    case "address": return ipv4(a.address) - ipv4(b.address);
    case "os": return collator.compare(shownOs(a), shownOs(b));
    case "state": return stateRank[shownState(a)] - stateRank[shownState(b)];
    case "handshake": return (a.lastHandshake ? Date.parse(a.lastHandshake) : 0) - (b.lastHandshake ? Date.parse(b.lastHandshake) : 0);
    case "endpoint": return collator.compare(a.endpoint ?? "", b.endpoint ?? "");
    case "rx": return a.rxBytes - b.rxBytes;
    case "tx": return a.txBytes - b.txBytes;
    }
}

export function referenceOrder(spokes: ListedSpoke[], key: typeof sortKeys[number], ascending: boolean): ListedSpoke[] {
    const sign = ascending ? 1 : -1;
    return spokes.slice().sort((a, b) => sign * byKey(a, b, key) || collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function referenceSearch(spokes: ListedSpoke[], q: { search?: string; state?: string; os?: string }): ListedSpoke[] {
    const words = (q.search ?? "").toLowerCase().split(/\s+/).filter(Boolean);
    return spokes.filter(s => {
        const haystack = [s.name, s.hub ?? "", s.address, s.addressV6 ?? "", shownOs(s), s.endpoint ?? "", s.hostname ?? "", s.proxmoxClusterName ?? "",
            s.datacenter ?? "", s.publicKey, ...s.subnets].join("\n").toLowerCase();
        return (!q.state || shownState(s) === q.state) && (!q.os || shownOs(s) === q.os) && words.every(w => haystack.includes(w));
    });
}

export async function fullList(hub: RunningHub): Promise<{ spokes: ListedSpoke[]; etag: string }> {
    const r = await hub.admin("GET", "/api/spoke/list");
    assert.equal(r.status, 200, r.text);
    return { spokes: r.body.spokes, etag: String(r.headers.etag) };
}

export async function spokePage(hub: RunningHub, params: Record<string, string | number>): Promise<{ page: SpokePage; etag: string }> {
    const r = await hub.admin("GET", `/api/spoke/list?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`);
    assert.equal(r.status, 200, r.text);
    return { page: r.body, etag: String(r.headers.etag) };
}

/** Every page of one query, one after the other: the spokes of all of them, in order. */
export async function allPages(hub: RunningHub, params: Record<string, string | number>, limit: number): Promise<{ ids: string[]; total: number; matched: number }> {
    const ids: string[] = [];
    let offset = 0, matched = 0, total = 0;
    do {
        const { page } = await spokePage(hub, { ...params, limit, offset });
        assert.equal(page.offset, offset, "an offset inside the list is the one used");
        assert.ok(page.spokes.length <= limit);
        ({ matched, total } = page);
        ids.push(...page.spokes.map(s => s.id));
        offset += limit;
    } while (offset < matched);
    return { ids, total, matched };
}

/**
 * Paging through each order covers every spoke once, in the order the page's table gave; the
 * same for a search. The list must not change meanwhile.
 */
export async function checkPagesCoverTheList(hub: RunningHub, limit: number): Promise<void> {
    const { spokes } = await fullList(hub);
    for (const key of sortKeys) {
        for (const ascending of [true, false]) {
            const { ids, total, matched } = await allPages(hub, { sort: key, order: ascending ? "asc" : "desc" }, limit);
            const what = `sort=${key} order=${ascending ? "asc" : "desc"}`;
            assert.equal(total, spokes.length, `${what}: total`);
            assert.equal(matched, spokes.length, `${what}: nothing filtered`);
            assert.equal(new Set(ids).size, spokes.length, `${what}: every spoke once across the pages`);
            assert.deepEqual(ids, referenceOrder(spokes, key, ascending).map(s => s.id), `${what}: the table's order`);
        }
    }
    const { page } = await spokePage(hub, { limit, offset: 0 });
    assert.deepEqual(page.spokes, referenceOrder(spokes, "name", true).slice(0, limit), "a page's spokes are the list's, field for field");
    assert.deepEqual(page.oses, [...new Set(spokes.map(shownOs))].filter(o => o !== "—").sort(compareNames), "oses: every system shown, once, sorted");
}
