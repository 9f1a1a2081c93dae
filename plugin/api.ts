// The only place that talks to the hub service. Its requests go through a transport
// (transport/): Cockpit's bridge to the admin socket for the Cockpit page, fetch for a page
// that a host application serves next to the hub's routers.
import cockpit from "cockpit";
import type {
    AuditEvent, Cluster, CreatedToken, HubConfig, HubListAnswer, HubStatus, InitializeRequest, RestoreAnswer, RestoreRequest, Spoke, SpokePage, SpokeSortKey,
    SpokeUpdateRequest, TokenRequest, TokenSummary, TrafficSeries,
} from "./types";
import type { DisplayState } from "./util/spokeState";
import { ApiError, type Answer, type HubTransport, type RequestOptions } from "./transport/types";
import { cockpitTransport } from "./transport/cockpitTransport";

export { ApiError, type ApiErrorKind } from "./transport/types";
export { DEFAULT_SOCKET, HUB_ENV_FILE, socket } from "./transport/cockpitTransport";

const _ = cockpit.gettext;

let transport: HubTransport = cockpitTransport;

/** Where the requests go from now on (HubProvider sets it); Cockpit's bridge unless told. */
export function setTransport(next: HubTransport): void {
    if (next === transport) return;
    transport = next;
    lastList = null;
    lastPage = null;
}

function send(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
    return transport.send(method, path, options);
}

async function call<T>(method: string, path: string, body?: unknown, params?: Record<string, string | number>): Promise<T> {
    const { text } = await send(method, path, { body, params });
    return (text ? JSON.parse(text) : {}) as T;
}

// The page asks for the list every few seconds. With the last answer's ETag, a hub where
// nothing changed answers {"unchanged": true}, and the page keeps the list it has (the same
// array, so nothing re-renders) instead of parsing megabytes again. (Not If-None-Match:
// Cockpit's C bridge never delivers a 304 that carries no body length.)
let lastList: { etag: string; spokes: Spoke[] } | null = null;

/** Every spoke: for the views that need them all (the Proxmox VE tree, the topology). */
export async function listSpokes(): Promise<Spoke[]> {
    const answer = await send("GET", "/api/spoke/list", { params: lastList ? { unchangedSince: lastList.etag } : undefined });
    const parsed = JSON.parse(answer.text) as { spokes: Spoke[] } | { unchanged: true };
    if ("unchanged" in parsed && lastList) return lastList.spokes;
    if (!("spokes" in parsed)) throw new ApiError(_("The hub answered the spoke list without spokes"), "", "BAD_ANSWER", answer.status, "http");
    lastList = answer.etag ? { etag: answer.etag, spokes: parsed.spokes } : null;
    return parsed.spokes;
}

/** What the spokes table asks for: the hub searches, filters and sorts, and sends one page. */
export interface SpokePageQuery {
    search: string;
    state: DisplayState | "";
    os: string;
    sortKey: SpokeSortKey;
    ascending: boolean;
    offset: number;
    limit: number;
}

function pageParams(q: SpokePageQuery): Record<string, string | number> {
    const params: Record<string, string | number> = { limit: q.limit, offset: q.offset, sort: q.sortKey, order: q.ascending ? "asc" : "desc" };
    if (q.search.trim()) params.search = q.search.trim();
    if (q.state) params.state = q.state;
    if (q.os) params.os = q.os;
    return params;
}

// The same ETag game as the whole list, for the page last asked for.
let lastPage: { key: string; etag: string; page: SpokePage } | null = null;

/** One page of spokes; an unchanged page is the same object as before (nothing re-renders). */
export async function listSpokePage(query: SpokePageQuery): Promise<SpokePage> {
    const params = pageParams(query);
    const key = JSON.stringify(params);
    const known = lastPage?.key === key ? lastPage : null;
    const answer = await send("GET", "/api/spoke/list", { params: known ? { ...params, unchangedSince: known.etag } : params });
    const parsed = JSON.parse(answer.text) as SpokePage | { unchanged: true };
    if ("unchanged" in parsed && known) return known.page;
    if (!("spokes" in parsed) || typeof (parsed as SpokePage).matched !== "number")
        throw new ApiError(_("The hub answered the spoke list without spokes"), "", "BAD_ANSWER", answer.status, "http");
    const page = parsed as SpokePage;
    lastPage = answer.etag ? { key, etag: answer.etag, page } : null;
    return page;
}

/** One spoke by its id, or null when the hub has none (not yet registered, or removed). */
export async function getSpoke(id: string): Promise<Spoke | null> {
    const page = await call<SpokePage>("GET", "/api/spoke/list", undefined, { limit: 1, id });
    return page.spokes[0] ?? null;
}

export const getHubConfig = () => call<HubConfig>("GET", "/api/hub/config");
// The page shows counts, and the spoke list already carries each peer: skip the peer list.
export const getHubStatus = () => call<HubStatus>("GET", "/api/hub/status", undefined, { peers: "false" });
/** Every hub sharing this hub's PostgreSQL database (this hub alone on SQLite). */
export const listHubs = () => call<HubListAnswer>("GET", "/api/hub/list");
export const initializeHub = (req: InitializeRequest) =>
    call<{ message: string; config: HubConfig }>("POST", "/api/hub/initialize", req);
export const updateHubConfig = (changes: { publicEndpoint?: string; privateEndpoint?: string | null; dns?: string[] }) =>
    call<{ message: string; config: HubConfig }>("PUT", "/api/hub/config", changes).then(r => r.config);

export const removeSpoke = (id: string) => call<{ message: string }>("DELETE", `/api/spoke/${encodeURIComponent(id)}`);
export const disableSpoke = (id: string) => call<{ message: string }>("POST", `/api/spoke/${encodeURIComponent(id)}/disable`, {});
export const enableSpoke = (id: string) => call<{ message: string }>("POST", `/api/spoke/${encodeURIComponent(id)}/enable`, {});
export const updateSpoke = (id: string, changes: SpokeUpdateRequest) =>
    call<{ message: string }>("PUT", `/api/spoke/${encodeURIComponent(id)}`, changes);
export const rotateSpokeKey = (id: string) => call<{ message: string }>("POST", `/api/spoke/${encodeURIComponent(id)}/rotate-key`, {});
export const uninstallSpoke = (id: string) => call<{ message: string }>("POST", `/api/spoke/${encodeURIComponent(id)}/uninstall`, {});

export const createToken = (req: TokenRequest) =>
    call<{ message: string; token: CreatedToken }>("POST", "/api/installation/token", req).then(r => r.token);
export const listTokens = () => call<{ tokens: TokenSummary[] }>("GET", "/api/installation/tokens").then(r => r.tokens);
/** The tokens the spokes table shows as spokes waiting for enrollment (never the used ones: a big hub has as many as spokes). */
export const listWaitingTokens = () => call<{ tokens: TokenSummary[] }>("GET", "/api/installation/tokens", undefined, { waiting: "true" }).then(r => r.tokens);
/** Replaces a waiting spoke's token in one step (same spoke, address, subnets): the old command stops working. */
export const reissueToken = (id: string) =>
    call<{ message: string; token: CreatedToken }>("POST", `/api/installation/token/${encodeURIComponent(id)}/reissue`, {}).then(r => r.token);
export const revokeToken = (id: string) =>
    call<{ message: string }>("DELETE", `/api/installation/token/${encodeURIComponent(id)}`);

export const listClusters = () => call<{ clusters: Cluster[] }>("GET", "/api/proxmox/clusters").then(r => r.clusters);
export const moveCluster = (id: string, datacenter: string) =>
    call<{ message?: string }>("PUT", `/api/proxmox/clusters/${encodeURIComponent(id)}`, { datacenter });

export const getTraffic = (spokeId: string | null, minutes = 60) =>
    call<TrafficSeries>("GET", "/api/traffic", undefined, spokeId ? { spokeId, minutes } : { minutes });

/** The audit log, newest first: `limit` events (1-1000), only about `subject` (a spoke's name…) when given. */
export const listAudit = ({ limit = 100, subject }: { limit?: number; subject?: string } = {}) =>
    call<{ events: AuditEvent[] }>("GET", "/api/audit", undefined, subject ? { limit, subject } : { limit }).then(r => r.events);

/** A backup file of the whole hub (keys included), named by the time it was made. */
export async function makeBackup(passphrase: string | null): Promise<{ fileName: string; text: string }> {
    const { text } = await send("POST", "/api/hub/backup", { body: passphrase ? { passphrase } : {} });
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "") + "Z";
    return { fileName: `wireguard-hub-${stamp}.backup`, text };
}

export const restoreBackup = (req: RestoreRequest) => call<RestoreAnswer>("POST", "/api/hub/restore", req);

/** One page of the whole audit log, newest first: `limit` events older than the event `before` (an id) when given. */
export const listAuditPage = ({ limit, before }: { limit: number; before?: number }) =>
    call<{ events: AuditEvent[] }>("GET", "/api/audit", undefined, before ? { limit, before } : { limit }).then(r => r.events);
