// GET /api/spoke/list, the status counts and the metrics: every spoke with its live state.
// The page polls the list and the status every 5 s, so the list is built once per change and
// kept. At 100,000 spokes a build after a write reads only the rows whose version moved (see
// readRows), builds the views a thousand at a time with a turn of the event loop between, and
// serialises again only the thousands whose views changed.
import crypto from "node:crypto";
import type { HubContext } from "../context";
import type { SpokeRow } from "../db/models";
import { columnList, isoDate } from "../db/sql";
import { allowedIPsOf } from "../tokens/tokens";
import { onlineWindowMs, stateOf, type SpokeState } from "./live";
import { agentRevision, forgetRevisionsExcept } from "./agentConfig";
import { sameStrings } from "./desired";
import { compareNames } from "./query";

export interface SpokeView {
    id: string;
    name: string;
    os: string;
    hostname: string | null;
    isProxmox: boolean;
    proxmoxNodeName: string | null;
    proxmoxVersion: string | null;
    proxmoxClusterId: string | null;
    proxmoxClusterName: string | null;
    datacenter: string | null;
    address: string;
    addressV6: string | null;
    subnets: string[];
    allowedIPs: string[];
    publicKey: string;
    enabled: boolean;
    registeredAt: string;
    lastHandshake: string | null;
    endpoint: string | null;
    rxBytes: number;
    txBytes: number;
    status: SpokeState;
    agent: { version: string; lastSeen: string | null; lastResult: string | null; revision: string | null; behind: boolean } | null;
    pendingAction: "rotate-key" | "uninstall" | null;
    hub: string | null;
}

export type SpokeCounts = Record<SpokeState, number> & { total: number; withAgent: number };

const listColumns = ["id", "name", "os", "hostname", "datacenter", "address", "addressV6", "subnets",
    "publicKey", "enabled", "registeredAt", "lastHandshake", "endpoint", "hubName",
    "isProxmox", "proxmoxNodeName", "proxmoxVersion", "proxmoxClusterId",
    "agentVersion", "agentReport", "agentLastSeen", "pendingAction"] as const;
/** A spoke row as the list reads it, in listColumns' order; last, the row's version (see migration 007). */
type ListTuple = [id: string, name: string, os: string, hostname: string | null, datacenter: string | null, address: string,
    addressV6: string | null, subnets: string, publicKey: string, enabled: boolean | number, registeredAt: string,
    lastHandshake: string | null, endpoint: string | null, hubName: string | null,
    isProxmox: boolean | number, proxmoxNodeName: string | null, proxmoxVersion: string | null, proxmoxClusterId: string | null,
    agentVersion: string | null, agentReport: string | null, agentLastSeen: string | null, pendingAction: string | null,
    listVersion: number];
const tupleColumns = `${columnList<SpokeRow>(listColumns)}, "listVersion"`;
const versionOf = (t: ListTuple) => t[22];
/** Registration order; spokes registered in the same millisecond by id, whichever index a read uses. */
const listOrder = `"registeredAt", id`;
const agentVersionOf = (t: ListTuple) => t[18];

function pendingActionOf(pendingAction: string | null): SpokeView["pendingAction"] {
    return pendingAction === "rotate-key" || pendingAction === "uninstall" ? pendingAction : null;
}

function agentView(agentVersion: string | null, agentReport: string | null, agentLastSeen: string | null,
    currentRevision: string | undefined): SpokeView["agent"] {
    if (!agentVersion) return null;
    let report: { result?: unknown; revision?: unknown } = {};
    try {
        report = JSON.parse(agentReport ?? "{}");
    } catch {
        // A report is written by this service only; an unreadable one shows as none.
    }
    return {
        version: agentVersion,
        lastSeen: agentLastSeen ? isoDate(agentLastSeen) : null,
        lastResult: typeof report.result === "string" ? report.result : null,
        revision: typeof report.revision === "string" && report.revision ? report.revision : null,
        behind: currentRevision !== undefined && report.revision !== currentRevision,
    };
}


/** Whether two views would serialise the same (the old one is then kept, and its thousand's JSON with it). */
function sameView(a: SpokeView, b: SpokeView): boolean {
    for (const key in a) {
        const k = key as keyof SpokeView;
        const x = a[k], y = b[k];
        if (x === y) continue;
        if (Array.isArray(x) && Array.isArray(y) && sameStrings(x, y)) continue;
        if (k === "agent" && x && y && JSON.stringify(x) === JSON.stringify(y)) continue;
        return false;
    }
    return true;
}

/**
 * A thousand consecutive views and their JSON (without the brackets), made when the whole list
 * is first asked for: a hub whose page asks only for pages never serialises 100,000 views.
 */
interface Slice {
    views: SpokeView[];
    json: Buffer | null;
    digest: Buffer | null;
}

const sliceSize = 1000;

function sliceOf(views: SpokeView[], before: Slice | undefined): Slice {
    if (before && before.views.length === views.length && before.views.every((v, i) => v === views[i])) return before;
    return { views, json: null, digest: null };
}

/**
 * The whole list's JSON is let go this long after it was last sent (57 MB at 100,000 spokes):
 * a client asking again at once gets it without serialising, and one that polls asks with
 * the ETag, which stays. The page reads pages.
 */
const jsonKeptMs = 10_000;
const jsonTimers = new WeakMap<HubContext, NodeJS.Timeout>();

function letJsonGoLater(ctx: HubContext): void {
    const timer = jsonTimers.get(ctx);
    if (timer) {
        timer.refresh();
        return;
    }
    jsonTimers.set(ctx, setTimeout(() => {
        jsonTimers.delete(ctx);
        // Slices are shared with the lists before: the current one's are all that are still held.
        for (const slice of spokeLists.get(ctx)?.slices ?? []) slice.json = null;
    }, jsonKeptMs).unref());
}

function serialise(slice: Slice): { json: Buffer; digest: Buffer } {
    if (!slice.json || !slice.digest) {
        slice.json = Buffer.from(JSON.stringify(slice.views).slice(1, -1));
        slice.digest = crypto.createHash("sha256").update(slice.json).digest();
    }
    return { json: slice.json, digest: slice.digest };
}

/** Every spoke with its live state, and until when that holds (see currentList). */
interface SpokeList {
    writes: number;
    liveAt: number;
    /** When the first online spoke turns offline by the clock alone. */
    until: number;
    counts: SpokeCounts;
    /** The spokes' datacenters, each once, sorted. */
    datacenters: string[];
    /** The whole list's ETag (a hash of its JSON), once the whole list was asked for. */
    etag: string | null;
    /**
     * Which views these are: the same while every view is the same object (so the same JSON),
     * new otherwise. The pages' ETags are made from it: no page needs the whole list's JSON.
     */
    version: string;
    /** The views and their JSON; let go after `releaseAfterMs` unread (counts and ETag stay; the JSON goes sooner, see jsonKeptMs). */
    slices: Slice[] | null;
    /** The slices' views in one array (let go with them); the same array while every slice is. */
    views: readonly SpokeView[] | null;
    /** The rows the views were built from, by id (let go with the slices). */
    rows: Map<string, ListTuple> | null;
    /** When every row was last read from the table. */
    fullReadAt: number;
    lastRead: number;
}

/** The rows are all read again this often, whatever the versions say. */
const fullReadEveryMs = 10 * 60_000;
/** Past this share of changed rows, reading them all is cheaper than picking them out. */
const mostlyChanged = 0.25;
const idsPerRead = 500;

/** The rows of these spokes by id (a spoke removed meanwhile is missing). */
async function rowsWithIds(ctx: HubContext, ids: string[]): Promise<Map<string, ListTuple>> {
    const rows = new Map<string, ListTuple>();
    for (let i = 0; i < ids.length; i += idsPerRead) {
        const some = ids.slice(i, i + idsPerRead);
        const where = `spokes WHERE id IN (${some.map((_, k) => `$${k + 1}`).join(", ")})`;
        for (const t of await ctx.db.sql.tuples<ListTuple>(tupleColumns, where, listOrder, some)) rows.set(t[0], t);
    }
    return rows;
}

/**
 * Every spoke row in list order. With the rows of the last build at hand, only the versions are
 * read, then the rows whose version moved: at 100,000 spokes a write between two lists costs
 * two small reads instead of reading 100,000 rows. A row changed between the two reads comes
 * with its newer version; one removed between them is left out. Either way the write counter
 * has moved and the next list is built again.
 */
async function readRows(ctx: HubContext, before: SpokeList | undefined): Promise<{ rows: ListTuple[]; fullReadAt: number }> {
    const known = before?.rows;
    if (known && Date.now() - before.fullReadAt < fullReadEveryMs) {
        const versions = await ctx.db.sql.tuples<[id: string, listVersion: number]>(`"id", "listVersion"`, "spokes", listOrder, [], { apart: true });
        const changed = new Set(versions.filter(([id, version]) => {
            const t = known.get(id);
            return !t || versionOf(t) !== version;
        }).map(([id]) => id));
        if (changed.size <= versions.length * mostlyChanged) {
            const fresh = await rowsWithIds(ctx, [...changed]);
            const rows: ListTuple[] = [];
            for (const [id] of versions) {
                const t = changed.has(id) ? fresh.get(id) : known.get(id);
                if (t) rows.push(t);
            }
            return { rows, fullReadAt: before.fullReadAt };
        }
    }
    return { rows: await ctx.db.sql.tuples<ListTuple>(tupleColumns, "spokes", listOrder, [], { apart: true }), fullReadAt: Date.now() };
}

/** A list nobody read for this long gives its memory back (at 100,000 spokes about 120 MB). */
export const releaseAfterMs = 60_000;

const spokeLists = new WeakMap<HubContext, SpokeList>();
const building = new WeakMap<HubContext, { writes: number; liveAt: number; list: Promise<SpokeList> }>();

export const liveStamp = (ctx: HubContext) => ctx.live.lastUpdate?.getTime() ?? 0;

function isCurrent(ctx: HubContext, list: { writes: number; liveAt: number }): boolean {
    return list.writes === ctx.db.writes && list.liveAt === liveStamp(ctx);
}

/**
 * The list stays exact until a write transaction ends, a scheduled run brings new live
 * status, or an online spoke's handshake ages past the window. `withViews`: a list whose
 * views were let go is built again.
 */
async function currentList(ctx: HubContext, withViews: boolean): Promise<SpokeList> {
    const cached = spokeLists.get(ctx);
    if (cached && isCurrent(ctx, cached) && ctx.now().getTime() <= cached.until && (cached.slices || !withViews)) {
        cached.lastRead = Date.now();
        return cached;
    }
    // A build started before the last write ended would miss it: join only one that saw it.
    const pending = building.get(ctx);
    if (pending && isCurrent(ctx, pending)) return pending.list;
    const started = { writes: ctx.db.writes, liveAt: liveStamp(ctx) };
    const list = buildList(ctx, started.writes, cached);
    building.set(ctx, { ...started, list });
    try {
        const built = await list;
        spokeLists.set(ctx, built);
        releaseWhenUnread(ctx);
        return built;
    } finally {
        if (building.get(ctx)?.list === list) building.delete(ctx);
    }
}

const releaseTimers = new WeakMap<HubContext, NodeJS.Timeout>();

/** One timer per hub, watching whichever list is current (a timer per list would hold each one a minute). */
function releaseWhenUnread(ctx: HubContext): void {
    if (releaseTimers.has(ctx)) return;
    const check = () => {
        const list = spokeLists.get(ctx);
        const idle = list?.slices ? Date.now() - list.lastRead : Infinity;
        if (list && idle >= releaseAfterMs) {
            list.slices = null;
            list.views = null;
            list.rows = null;
        }
        if (list?.slices) releaseTimers.set(ctx, setTimeout(check, releaseAfterMs - idle).unref());
        else releaseTimers.delete(ctx);
    };
    releaseTimers.set(ctx, setTimeout(check, releaseAfterMs).unref());
}

/**
 * The view each row was last made into, and under what: a row read again is a new tuple, so an
 * unchanged tuple with the same live status and cluster names needs no new view.
 */
const viewOfTuple = new WeakMap<ListTuple, { view: SpokeView; liveAt: number; clusters: string }>();

/** A row's view with its live state as of `now`, and the handshake that state comes from. */
function viewOfRow(ctx: HubContext, r: ListTuple, clusterNames: ReadonlyMap<string, string>, currentRevision: string | undefined,
    now: number): { view: SpokeView; handshake: number | null } {
    const [id, name, os, hostname, datacenter, address, addressV6, subnetsText, publicKey, enabledValue, registeredAt, lastHandshake,
        endpoint, hubName, isProxmox, proxmoxNodeName, proxmoxVersion, proxmoxClusterId, agentVersion, agentReport, agentLastSeen, pendingAction] = r;
    const live = ctx.live.get(publicKey);
    const stored = lastHandshake ? Date.parse(isoDate(lastHandshake)) : null;
    const handshake = live?.latestHandshakeMs || stored;
    const subnets = subnetsText === "[]" ? [] : JSON.parse(subnetsText) as string[];
    const enabled = Boolean(enabledValue);
    const node = Boolean(isProxmox);
    const view: SpokeView = {
        id, name, os, hostname,
        isProxmox: node,
        proxmoxNodeName: node ? proxmoxNodeName : null,
        proxmoxVersion: node ? proxmoxVersion : null,
        proxmoxClusterId: node ? proxmoxClusterId : null,
        proxmoxClusterName: node && proxmoxClusterId ? clusterNames.get(proxmoxClusterId) ?? null : null,
        datacenter, address, addressV6, subnets,
        allowedIPs: allowedIPsOf(address, addressV6, subnets),
        publicKey, enabled,
        registeredAt: isoDate(registeredAt),
        lastHandshake: handshake ? new Date(handshake).toISOString() : null,
        endpoint: live?.endpoint ?? endpoint,
        rxBytes: live?.rxBytes ?? 0,
        txBytes: live?.txBytes ?? 0,
        status: stateOf(enabled, handshake, now),
        agent: agentView(agentVersion, agentReport, agentLastSeen, currentRevision),
        pendingAction: pendingActionOf(pendingAction),
        hub: hubName,
    };
    return { view, handshake };
}

/** The Proxmox VE clusters' names by id, and a key that changes with them. */
export async function clusterNamesOf(ctx: HubContext): Promise<{ names: Map<string, string>; key: string }> {
    const clusters = await ctx.db.sql.rows<{ id: string; clusterName: string }>(`SELECT id, "clusterName" FROM proxmox_clusters`, []);
    return { names: new Map(clusters.map(c => [c.id, c.clusterName])), key: JSON.stringify(clusters) };
}

/** The revision an agent's spoke should run (undefined for a spoke without an agent). */
function revisionOf(ctx: HubContext, t: ListTuple): Promise<string> | undefined {
    if (!agentVersionOf(t)) return undefined;
    const [id, name, , , , address, addressV6, , , , , , , hubName, , , , , , , , pendingAction] = t;
    return agentRevision(ctx, { id, name, address, addressV6, pendingAction, hubName });
}

async function buildList(ctx: HubContext, writes: number, beforeList: SpokeList | undefined): Promise<SpokeList> {
    const before = beforeList?.slices ?? null;
    const [{ rows, fullReadAt }, { names: clusterNames, key: clustersKey }] = await Promise.all([readRows(ctx, beforeList), clusterNamesOf(ctx)]);
    // Which agents are behind: each one's current revision, kept while its inputs hold.
    const currentRevisions = new Map<string, string>();
    for (const t of rows) {
        const revision = revisionOf(ctx, t);
        if (revision) currentRevisions.set(t[0], await revision);
    }
    if (currentRevisions.size) forgetRevisionsExcept(ctx, new Set(rows.map(r => r[0])));
    const liveAt = liveStamp(ctx);
    const now = ctx.now().getTime();
    let until = Infinity;
    const counts: SpokeCounts = { total: rows.length, online: 0, offline: 0, pending: 0, disabled: 0, withAgent: 0 };
    const datacenters = new Set<string>();
    const count = (view: SpokeView, handshake: number | null) => {
        counts[view.status]++;
        if (view.agent) counts.withAgent++;
        if (view.datacenter !== null) datacenters.add(view.datacenter);
        if (view.status === "online") until = Math.min(until, handshake! + onlineWindowMs);
    };
    const previous = (before ?? []).flatMap(s => s.views);
    let previousById: Map<string, SpokeView> | null = null;
    const viewOf = (r: ListTuple, i: number): SpokeView => {
        const known = viewOfTuple.get(r);
        // An agent's view also hangs on its revision: it is made again.
        if (known && known.liveAt === liveAt && known.clusters === clustersKey && !agentVersionOf(r)) {
            const { view } = known;
            const handshake = view.lastHandshake ? Date.parse(view.lastHandshake) : null;
            if (stateOf(view.enabled, handshake, now) === view.status) {
                count(view, handshake);
                return view;
            }
        }
        const { view, handshake } = viewOfRow(ctx, r, clusterNames, currentRevisions.get(r[0]), now);
        // The same spoke at the same place (the usual case: new spokes come last), else by id.
        let old: SpokeView | undefined = previous[i];
        if (old?.id !== view.id) old = (previousById ??= new Map(previous.map(v => [v.id, v]))).get(view.id);
        const kept = old && sameView(old, view) ? old : view;
        viewOfTuple.set(r, { view: kept, liveAt, clusters: clustersKey });
        count(kept, handshake);
        return kept;
    };
    const slices: Slice[] = [];
    for (let start = 0; start < rows.length; start += sliceSize) {
        if (start > 0) await new Promise(resolve => setImmediate(resolve));
        const views = rows.slice(start, start + sliceSize).map((r, i) => viewOf(r, start + i));
        slices.push(sliceOf(views, before?.[slices.length]));
    }
    // The same views in the same array: what was worked out per list (the orders of
    // GET /api/spoke/list's pages, the JSON and its ETag) holds for this one too.
    const sameSlices = before?.length === slices.length && slices.every((s, i) => s === before[i]);
    const same = sameSlices && beforeList;
    return {
        // Live status that changed while the views were built makes the list stale at once.
        writes, liveAt: liveStamp(ctx) === liveAt ? liveAt : -1, until, counts,
        datacenters: [...datacenters].sort(compareNames),
        etag: same ? beforeList.etag : null,
        version: same ? beforeList.version : crypto.randomBytes(12).toString("base64url"),
        slices,
        views: sameSlices && beforeList?.views ? beforeList.views : slices.flatMap(s => s.views),
        rows: new Map(rows.map(t => [t[0], t])), fullReadAt, lastRead: Date.now(),
    };
}

/** Whether any of the whole list's JSON is held (see jsonKeptMs). */
export function listJsonHeld(ctx: HubContext): boolean {
    return !!spokeLists.get(ctx)?.slices?.some(slice => slice.json);
}

/** Whether the views are in memory (built, and not let go since): else a first page may be read without them (coldPage.ts). */
export function viewsInMemory(ctx: HubContext): boolean {
    return !!spokeLists.get(ctx)?.slices;
}

/**
 * The views of these spokes, made now from their rows, in the ids' order (a spoke removed
 * meanwhile is left out); `clusterNames` as clusterNamesOf reads them.
 */
export async function viewsOfIds(ctx: HubContext, ids: string[], clusterNames: ReadonlyMap<string, string>): Promise<SpokeView[]> {
    const rows = await rowsWithIds(ctx, ids);
    const now = ctx.now().getTime();
    const views: SpokeView[] = [];
    for (const id of ids) {
        const t = rows.get(id);
        if (t) views.push(viewOfRow(ctx, t, clusterNames, await revisionOf(ctx, t), now).view);
    }
    return views;
}

/** Every spoke with its live state. Shared: read it, never change it. */
export async function listSpokes(ctx: HubContext): Promise<readonly SpokeView[]> {
    return (await currentList(ctx, true)).views!;
}

/**
 * The views and their version (see SpokeList). The array stays the same while the list does:
 * what is worked out from it can be kept by it. Shared: never change it.
 */
export async function spokeListViews(ctx: HubContext): Promise<{ version: string; views: readonly SpokeView[] }> {
    const list = await currentList(ctx, true);
    return { version: list.version, views: list.views! };
}

/** The current views' version, without the views when they were let go. */
export async function spokeListVersion(ctx: HubContext): Promise<string> {
    return (await currentList(ctx, false)).version;
}

/** How many spokes are in each state, and how many have an agent (the status and the metrics). */
export async function spokeCounts(ctx: HubContext): Promise<SpokeCounts> {
    return (await currentList(ctx, false)).counts;
}

/** The datacenters of the spokes, each once, sorted (the status). */
export async function spokeDatacenters(ctx: HubContext): Promise<string[]> {
    return (await currentList(ctx, false)).datacenters;
}

const opening = Buffer.from(`{"spokes":[`);
const comma = Buffer.from(",");
const closing = Buffer.from("]}");

/**
 * GET /api/spoke/list's ETag (a hash of the body) and, unless `unchangedSince` names it, the
 * body as the parts to send one after the other: a page polling a quiet hub is answered in a
 * few bytes, and nothing copies the whole list into one buffer.
 */
export async function spokeListAnswer(ctx: HubContext, unchangedSince?: string): Promise<{ etag: string; parts: Buffer[] | null; length: number }> {
    let list = await currentList(ctx, false);
    if (list.etag && unchangedSince === list.etag) return { etag: list.etag, parts: null, length: 0 };
    if (!list.slices) list = await currentList(ctx, true);
    const { slices } = list;
    const parts: Buffer[] = [opening];
    const etag = crypto.createHash("sha256").update(String(list.views!.length));
    for (let i = 0; i < slices!.length; i++) {
        // A thousand views at a time, with a turn of the event loop between.
        if (!slices![i].json && i > 0) await new Promise(resolve => setImmediate(resolve));
        const { json, digest } = serialise(slices![i]);
        parts.push(...(i > 0 ? [comma, json] : [json]));
        etag.update(digest);
    }
    parts.push(closing);
    letJsonGoLater(ctx);
    list.etag ??= `"${etag.digest("base64url").slice(0, 27)}"`;
    if (unchangedSince === list.etag) return { etag: list.etag, parts: null, length: 0 };
    return { etag: list.etag, parts, length: parts.reduce((n, p) => n + p.length, 0) };
}
