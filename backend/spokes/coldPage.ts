// The first page by name when the list is not in memory (a hub just started, or one whose
// list was let go after a quiet minute): at 100,000 spokes building the list and its order by
// name takes 1.5-2 s, and the page by name needs only the names. The ids and names are read,
// the page's spokes picked in compareSpokes' order, and only their rows read.
import type { HubContext } from "../context";
import { viewsOfIds } from "./list";
import type { PageRequest } from "./page";
import { collator, compareIds, filtersNothing, pageOffset, systemsShown } from "./query";

/** Past this many spokes up to the page's end, the list is built instead (a page deep in the list). */
const mostPicked = 1000;

/** A write ending while the page is read makes it read again; after this many, the list is built instead. */
const attempts = 3;

type IdName = [id: string, name: string];

/** The first `count` spokes in compareSpokes' order by name: one comparison for most spokes. */
export function firstByName(spokes: readonly IdName[], count: number, ascending: boolean): IdName[] {
    const direction = ascending ? 1 : -1;
    const compare = (a: IdName, b: IdName) => direction * collator.compare(a[1], b[1]) || compareIds(a[0], b[0]);
    const first: IdName[] = [];
    for (const spoke of spokes) {
        if (first.length === count && compare(spoke, first[count - 1]) >= 0) continue;
        let lo = 0, hi = first.length;
        while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (compare(first[mid], spoke) <= 0) lo = mid + 1;
            else hi = mid;
        }
        first.splice(lo, 0, spoke);
        if (first.length > count) first.pop();
    }
    return first;
}

/**
 * The page's JSON ({total, matched, offset, spokes, oses}, as spokePageAnswer's), or null when
 * this request is not one for it: another order, a search or filter, a page too deep, or writes
 * that kept ending while it was read. Its reads are one snapshot: no write transaction ended
 * between the first and the last (the write counter, as the list's own build checks).
 */
export async function coldPage(ctx: HubContext, request: PageRequest): Promise<string | null> {
    if (request.sort !== "name" || !filtersNothing(request.filter)) return null;
    for (let attempt = 0; attempt < attempts; attempt++) {
        const writes = ctx.db.writes;
        const [spokes, systems] = await Promise.all([
            ctx.db.sql.tuples<IdName>(`id, name`, "spokes", null),
            ctx.db.sql.rows<{ os: string; isProxmox: boolean | number }>(`SELECT DISTINCT os, "isProxmox" FROM spokes`, []),
        ]);
        const oses = systemsShown(systems.map(r => ({ os: r.os, isProxmox: Boolean(r.isProxmox) })));
        const total = spokes.length;
        const { limit } = request;
        const offset = pageOffset(request.offset, total, limit);
        if (offset + limit > mostPicked) return null;
        const picked = firstByName(spokes, offset + limit, request.ascending).slice(offset);
        const views = await viewsOfIds(ctx, picked.map(([id]) => id));
        if (ctx.db.writes !== writes) continue;
        return JSON.stringify({ total, matched: total, offset, spokes: views, oses });
    }
    return null;
}
