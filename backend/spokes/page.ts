// GET /api/spoke/list with `limit`: one page of the spokes a search and filters match, in the
// order asked for. At 100,000 spokes the whole list is 56 MB, 10-12 s through Cockpit's bridge;
// a page is a few kilobytes. Its ETag is the list's and the query's, so a page polled on a
// quiet hub is answered in a few bytes.
import crypto from "node:crypto";
import type { HubContext } from "../context";
import type { DisplayState, SpokeSortKey } from "../contract/spokeDisplay";
import { spokeListVersion, spokeListViews } from "./list";
import { ListIndex } from "./listIndex";
import { searchWords, type SpokeFilter } from "./query";

export interface SpokePageQuery {
    limit: number;
    offset?: number;
    sort?: SpokeSortKey;
    order?: "asc" | "desc";
    search?: string;
    state?: DisplayState;
    os?: string;
    id?: string;
}

/** The query with its defaults, and the search as the words it means. */
interface PageRequest {
    limit: number;
    offset: number;
    sort: SpokeSortKey;
    ascending: boolean;
    filter: SpokeFilter;
}

function pageRequest(q: SpokePageQuery): PageRequest {
    return {
        limit: q.limit,
        offset: q.offset ?? 0,
        sort: q.sort ?? "name",
        ascending: q.order !== "desc",
        filter: { words: searchWords(q.search), state: q.state ?? null, os: q.os ?? null, id: q.id ?? null },
    };
}

function pageEtag(listVersion: string, request: PageRequest): string {
    const hash = crypto.createHash("sha256").update(listVersion).update(JSON.stringify(request)).digest("base64url");
    return `"${hash.slice(0, 27)}"`;
}

const indexOf = new WeakMap<HubContext, ListIndex>();

/**
 * The page's ETag and, unless `unchangedSince` names it, its JSON:
 * {total, matched, offset, spokes, oses} (see SpokePageAnswer in contract/api.ts).
 */
export async function spokePageAnswer(ctx: HubContext, query: SpokePageQuery, unchangedSince?: string): Promise<{ etag: string; body: string | null }> {
    const request = pageRequest(query);
    if (unchangedSince !== undefined) {
        const etag = pageEtag(await spokeListVersion(ctx), request);
        if (etag === unchangedSince) return { etag, body: null };
    }
    const list = await spokeListViews(ctx);
    const { views } = list;
    let index = indexOf.get(ctx);
    if (!index) indexOf.set(ctx, index = new ListIndex());
    const [matched, oses] = await Promise.all([
        index.matching(views, request.sort, request.ascending, request.filter),
        index.oses(views),
    ]);
    const { limit } = request;
    const offset = request.offset >= matched.length && matched.length > 0 ? Math.floor((matched.length - 1) / limit) * limit : request.offset;
    const spokes = Array.from(matched.subarray(offset, offset + limit), i => views[i]);
    const body = JSON.stringify({ total: views.length, matched: matched.length, offset, spokes, oses });
    return { etag: pageEtag(list.version, request), body };
}
