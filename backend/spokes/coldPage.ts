// The first page by name when the list is not in memory (a hub just started, or one whose
// list was let go after a quiet minute): at 100,000 spokes building the list and its order by
// name takes 1.5-2 s, and the page by name needs only the names, or for a search the fields it
// looks in. The matching spokes are picked in compareSpokes' order, and only the page's rows read.
import type { HubContext } from "../context";
import type { SpokeRow } from "../db/models";
import { columnList, type SqlValue } from "../db/sql";
import { OS_NAMES, osName } from "../contract/spokeDisplay";
import { clusterNamesOf, liveStamp, viewsOfIds } from "./list";
import type { PageRequest } from "./page";
import { collator, compareIds, filtersNothing, haystackOf, pageOffset, systemsShown, type SpokeFilter } from "./query";

/** Past this many spokes up to the page's end, the list is built instead (a page deep in the list). */
const mostPicked = 1000;

/** A write ending while the page is read makes it read again; after this many, the list is built instead. */
const attempts = 3;

type IdName = [id: string, name: string];

/** The spokes a page is picked from: every match, or at least those up to the page's end; how many match; how many there are. */
interface Matches {
    spokes: IdName[];
    count: number;
    total: number;
}

/** Puts `item` into `sorted` after the items `compare` holds equal to it. */
function insertInOrder<T>(sorted: T[], item: T, compare: (a: T, b: T) => number): void {
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compare(sorted[mid], item) <= 0) lo = mid + 1;
        else hi = mid;
    }
    sorted.splice(lo, 0, item);
}

/** The first `count` spokes in compareSpokes' order by name: one comparison for most spokes. */
export function firstByName(spokes: readonly IdName[], count: number, ascending: boolean): IdName[] {
    const direction = ascending ? 1 : -1;
    const compare = (a: IdName, b: IdName) => direction * collator.compare(a[1], b[1]) || compareIds(a[0], b[0]);
    const first: IdName[] = [];
    for (const spoke of spokes) {
        if (first.length === count && compare(spoke, first[count - 1]) >= 0) continue;
        insertInOrder(first, spoke, compare);
        if (first.length > count) first.pop();
    }
    return first;
}

/**
 * The names that come up to the `count`-th in the collator's order, those it holds equal to
 * that one included, each once: the first `count` spokes by name (ties broken by id) have them.
 */
export function namesUpTo(names: readonly string[], count: number, ascending: boolean): string[] {
    if (count <= 0) return [];
    const direction = ascending ? 1 : -1;
    const compare = (a: string, b: string) => direction * collator.compare(a, b);
    // Sorted: the first `count` names seen, then only names equal to the count-th.
    const first: string[] = [];
    for (const name of names) {
        if (first.length >= count && compare(name, first[count - 1]) > 0) continue;
        insertInOrder(first, name, compare);
        while (first.length > count && compare(first[first.length - 1], first[count - 1]) > 0) first.pop();
    }
    return [...new Set(first)];
}

const searchedColumns = ["id", "name", "hubName", "address", "addressV6", "os", "isProxmox", "endpoint", "hostname",
    "proxmoxClusterId", "datacenter", "publicKey", "subnets"] as const;
type SearchedTuple = [id: string, name: string, hubName: string | null, address: string, addressV6: string | null, os: string,
    isProxmox: boolean | number, endpoint: string | null, hostname: string | null, proxmoxClusterId: string | null,
    datacenter: string | null, publicKey: string, subnets: string];

/** The text of the columns a search looks in, as the table holds them (a word holds no space: it never spans two). */
const storedText = searchedColumns.filter(c => c !== "id" && c !== "isProxmox" && c !== "proxmoxClusterId")
    .map(c => `coalesce("${c}", '')`).join(` || ' ' || `);

/** Characters that JavaScript lower-cases to ASCII (İ to "i̇", the Kelvin sign to "k"): SQL's ASCII lower() would miss them. */
const loweredToAscii = ["\u0130", "\u212a"];

/** Past this many live endpoints containing a word, the word is looked for in JavaScript only. */
const mostLiveKeys = 500;

/**
 * Which rows may match the words, in SQL: at 100,000 spokes reading every row's searched
 * fields costs 0.6 s on the event loop, a condition on the table 70 ms on the driver's thread.
 * It lets through every row that matches and maybe more (the search is checked again on each):
 * a word is looked for in the stored text, the systems and clusters whose names contain it, and
 * the live endpoints that do. A word that is not plain ASCII (lower-cased alike in SQL and in
 * JavaScript) sets no condition.
 */
function wordConditions(ctx: HubContext, words: string[], clusterNames: ReadonlyMap<string, string>, params: SqlValue[]): string[] {
    const param = (value: SqlValue) => `$${params.push(value)}`;
    const conditions: string[] = [];
    for (const word of words) {
        if (!/^[\x21-\x7e]+$/.test(word) || word.includes('"') || word.includes("\\")) continue;
        const either = [ctx.db.sql.contains(storedText, param(word), true),
            ...loweredToAscii.map(c => ctx.db.sql.contains(storedText, param(c), false))];
        if (OS_NAMES.proxmox.toLowerCase().includes(word)) either.push(`"isProxmox" = ${param(true)}`);
        const systems = Object.keys(OS_NAMES).filter(os => osName(os).toLowerCase().includes(word));
        if (systems.length) either.push(`lower(os) IN (${systems.map(param).join(", ")})`);
        const clusters = [...clusterNames].filter(([, name]) => name.toLowerCase().includes(word)).map(([id]) => id);
        if (clusters.length) either.push(`"proxmoxClusterId" IN (${clusters.map(param).join(", ")})`);
        const live: string[] = [];
        for (const [publicKey, peer] of ctx.live.peers()) if (peer.endpoint?.toLowerCase().includes(word)) live.push(publicKey);
        if (live.length > mostLiveKeys) continue;
        if (live.length) either.push(`"publicKey" IN (${live.map(param).join(", ")})`);
        conditions.push(`(${either.join(" OR ")})`);
    }
    return conditions;
}

/**
 * The ids and names of the spokes a search, a system or an id matches (a state is left to the
 * list: it needs every spoke's live state), and how many spokes there are. A spoke's fields are
 * taken as its view shows them (list.ts's viewOfRow): the live endpoint, its cluster's name.
 */
async function matching(ctx: HubContext, filter: SpokeFilter, clusterNames: ReadonlyMap<string, string>): Promise<Matches> {
    const params: SqlValue[] = [];
    const conditions = wordConditions(ctx, filter.words, clusterNames, params);
    if (filter.id) conditions.push(`id = $${params.push(filter.id)}`);
    const [rows, total] = await Promise.all([
        ctx.db.sql.tuples<SearchedTuple>(columnList<SpokeRow>(searchedColumns),
            conditions.length ? `spokes WHERE ${conditions.join(" AND ")}` : "spokes", null, params),
        conditions.length ? ctx.db.sql.rows<{ n: number | string }>(`SELECT COUNT(*) AS n FROM spokes`, []).then(([r]) => Number(r.n)) : null,
    ]);
    const matched: IdName[] = [];
    for (const [id, name, hub, address, addressV6, os, isProxmoxValue, endpoint, hostname, clusterId, datacenter, publicKey, subnets] of rows) {
        const isProxmox = Boolean(isProxmoxValue);
        const shown = osName(os, isProxmox);
        if (filter.os && shown !== filter.os) continue;
        const haystack = haystackOf({
            name, hub, address, addressV6, hostname, datacenter, publicKey,
            endpoint: ctx.live.get(publicKey)?.endpoint ?? endpoint,
            proxmoxClusterName: isProxmox && clusterId ? clusterNames.get(clusterId) ?? null : null,
            subnets: subnets === "[]" ? [] : JSON.parse(subnets) as string[],
        }, shown);
        if (filter.words.every(w => haystack.includes(w))) matched.push([id, name]);
    }
    return { spokes: matched, count: matched.length, total: total ?? rows.length };
}

/**
 * Every spoke, or at least the first `end(count)` by name: the names are read as one text (at
 * 100,000 spokes reading every id and name as tuples kept the event loop 0.1-0.2 s, most of it
 * parsing and collecting), and only the spokes whose names come up to the page's end are read
 * with their ids.
 */
async function everySpoke(ctx: HubContext, end: (count: number) => number, ascending: boolean): Promise<Matches> {
    const names = await ctx.db.sql.texts(`name`, "spokes");
    const everyIdAndName = () => ctx.db.sql.tuples<IdName>(`id, name`, "spokes", null);
    if (names === null) {
        const spokes = await everyIdAndName();
        return { spokes, count: spokes.length, total: spokes.length };
    }
    const upTo = end(names.length);
    // A page too deep for this read is left to the list: its ids are not worth reading.
    if (upTo > mostPicked) return { spokes: [], count: names.length, total: names.length };
    const wanted = namesUpTo(names, upTo, ascending);
    // Names the collator holds equal to the page's last one are few, unless the table is made of them.
    const spokes = wanted.length > 2 * mostPicked ? await everyIdAndName()
        : wanted.length ? await ctx.db.sql.tuples<IdName>(`id, name`, `spokes WHERE name IN (${wanted.map((_n, i) => `$${i + 1}`).join(", ")})`, null, wanted)
        : [];
    return { spokes, count: names.length, total: names.length };
}

/**
 * The page's JSON ({total, matched, offset, spokes, oses}, as spokePageAnswer's), or null when
 * this request is not one for it: another order, a filter by state, a page too deep, or writes
 * that kept ending while it was read. Its reads are one snapshot: no write transaction ended
 * and no live status came between the first and the last (as the list's own build checks).
 */
export async function coldPage(ctx: HubContext, request: PageRequest): Promise<string | null> {
    const { filter } = request;
    if (request.sort !== "name" || filter.state) return null;
    for (let attempt = 0; attempt < attempts; attempt++) {
        const writes = ctx.db.writes, liveAt = liveStamp(ctx);
        // The clusters' names are read once, for the search and for the page's views.
        const [{ names: clusterNames }, systems] = await Promise.all([
            clusterNamesOf(ctx),
            ctx.db.sql.rows<{ os: string; isProxmox: boolean | number }>(`SELECT DISTINCT os, "isProxmox" FROM spokes`, []),
        ]);
        const { limit } = request;
        // A page past `mostPicked` is left to the list below: no more names are kept for it.
        const end = (matched: number) => Math.min(pageOffset(request.offset, matched, limit) + limit, mostPicked + 1);
        const { spokes, count, total } = filtersNothing(filter)
            ? await everySpoke(ctx, end, request.ascending)
            : await matching(ctx, filter, clusterNames);
        const oses = systemsShown(systems.map(r => ({ os: r.os, isProxmox: Boolean(r.isProxmox) })));
        const offset = pageOffset(request.offset, count, limit);
        if (offset + limit > mostPicked) return null;
        const picked = firstByName(spokes, offset + limit, request.ascending).slice(offset);
        const views = await viewsOfIds(ctx, picked.map(([id]) => id), clusterNames);
        if (ctx.db.writes !== writes || liveStamp(ctx) !== liveAt) continue;
        return JSON.stringify({ total, matched: count, offset, spokes: views, oses });
    }
    return null;
}
