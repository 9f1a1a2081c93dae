// GET /api/spoke/list with `limit`: one page of the spokes a search and filters match, in the
// order asked for. At 100,000 spokes the whole list is 56 MB, 10-12 s through Cockpit's bridge;
// a page is a few kilobytes. Its ETag is the list's and the query's, so a page polled on a
// quiet hub is answered in a few bytes.
import crypto from "node:crypto";
import type { HubContext } from "../context";
import type { DisplayState, SpokeSortKey } from "../contract/spokeDisplay";
import { coldPage } from "./coldPage";
import { spokeListVersion, spokeListViews, viewsInMemory } from "./list";
import { ListIndex } from "./listIndex";
import { pageOffset, searchWords, type SpokeFilter } from "./query";

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
export interface PageRequest {
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

/** How long after a page read without the list the list is built, unless a request needs it first. */
const listBuildDelayMs = 500;

/**
 * The page's ETag and, unless `unchangedSince` names it, its JSON:
 * {total, matched, offset, spokes, oses} (see SpokePageAnswer in contract/api.ts).
 */
export async function spokePageAnswer(ctx: HubContext, query: SpokePageQuery, unchangedSince?: string): Promise<{ etag: string; body: string | null }> {
    const request = pageRequest(query);
    if (unchangedSince !== undefined) {
        const etag = pageEtag(await spokeListVersion(ctx), request);
        if (etag === unchangedSince) return { etag, body: null };
    } else if (!viewsInMemory(ctx)) {
        // A page opened on a hub whose list is not in memory: its first page comes first, and
        // the list is built soon after, for what the page asks next (its status needs the list
        // and builds it if it comes first). Not at once: at 100,000 spokes the build is 1.5-2 s
        // of CPU, which on a small machine slowed the browser drawing that very page by half.
        const body = await coldPage(ctx, request);
        if (body !== null) {
            setTimeout(() => pageFromList(ctx, request).catch(err =>
                ctx.log.debug("the spoke list was not built ahead of the page", { error: String(err) })), listBuildDelayMs).unref();
            return { etag: bodyEtag(body), body };
        }
    }
    return pageFromList(ctx, request);
}

/** An answer read without the list: its ETag is its own body's, which the list's pages never match. */
function bodyEtag(body: string): string {
    return `"${crypto.createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

async function pageFromList(ctx: HubContext, request: PageRequest): Promise<{ etag: string; body: string }> {
    const list = await spokeListViews(ctx);
    const { views } = list;
    let index = indexOf.get(ctx);
    if (!index) indexOf.set(ctx, index = new ListIndex());
    const [matched, oses] = await Promise.all([
        index.matching(views, request.sort, request.ascending, request.filter),
        index.oses(views),
    ]);
    const { limit } = request;
    const offset = pageOffset(request.offset, matched.length, limit);
    const spokes = Array.from(matched.subarray(offset, offset + limit), i => views[i]);
    const body = JSON.stringify({ total: views.length, matched: matched.length, offset, spokes, oses });
    return { etag: pageEtag(list.version, request), body };
}
