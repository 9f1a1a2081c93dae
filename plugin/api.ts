// The only place that talks to the hub service: its admin API on a unix socket, reached
// through Cockpit's bridge as the administrator (superuser: "require"), so Cockpit's login
// and sudo decide who may manage the hub.
import cockpit from "cockpit";
import type { HttpClient, HttpError } from "cockpit";
import type {
    AuditEvent, Cluster, CreatedToken, HubConfig, HubStatus, InitializeRequest, RestoreAnswer, RestoreRequest, Spoke, SpokeUpdateRequest, TokenRequest,
    TokenSummary, TrafficSeries,
} from "./types";

const _ = cockpit.gettext;

export const DEFAULT_SOCKET = "/run/wireguard-hub/api.sock";
/** Where the service's environment lives on an installed hub; WGHUB_API_SOCKET may move the socket. */
export const HUB_ENV_FILE = "/etc/wireguard-hub/hub.env";
/**
 * Set by the build: true only in a development or test build (WGHUB_PAGE_SOCKET_OVERRIDE=yes),
 * where localStorage["wireguard-hub:socket"] may point the page at a service started with
 * `npm start`. Never in the default build the package ships: any script on Cockpit's origin
 * could point the admin's root bridge at a socket of its own.
 */
declare const WGHUB_SOCKET_OVERRIDE: boolean;

export type ApiErrorKind = "service-down" | "access-denied" | "not-found" | "http" | "bridge";

export class ApiError extends Error {
    constructor(
        message: string,
        readonly hint: string,
        readonly code: string,
        readonly status: number,
        readonly kind: ApiErrorKind,
    ) {
        super(message);
    }
}

function envValue(text: string, name: string): string | null {
    for (const line of text.split("\n")) {
        const m = line.match(/^\s*(?:export\s+)?([A-Z0-9_]+)\s*=\s*(.*?)\s*$/);
        if (m && m[1] === name) return m[2].replace(/^(["'])(.*)\1$/, "$2");
    }
    return null;
}

async function findSocket(): Promise<string> {
    if (WGHUB_SOCKET_OVERRIDE) {
        try {
            const override = window.localStorage.getItem("wireguard-hub:socket");
            if (override && override.startsWith("/")) return override;
        } catch {
            // storage can be disabled; the defaults still apply
        }
    }
    const file = cockpit.file(HUB_ENV_FILE, { superuser: "try" });
    try {
        const text = await file.read();
        const fromEnv = text ? envValue(text, "WGHUB_API_SOCKET") : null;
        if (fromEnv && fromEnv.startsWith("/")) return fromEnv;
    } catch {
        // unreadable or missing: the packaged default applies
    } finally {
        file.close();
    }
    return DEFAULT_SOCKET;
}

let socketPath: Promise<string> | null = null;
let client: HttpClient | null = null;

export function socket(): Promise<string> {
    socketPath ??= findSocket();
    return socketPath;
}

async function http(): Promise<HttpClient> {
    if (!client) client = cockpit.http({ unix: await socket(), superuser: "require" });
    return client;
}

function toApiError(err: HttpError | undefined, body: unknown): ApiError {
    if (err?.problem) {
        switch (err.problem) {
        case "not-found":
        case "disconnected":
        case "terminated":
            return new ApiError(_("The WireGuard Hub service is not running."),
                _("Start it with: systemctl start wireguard-hub"), "SERVICE_DOWN", 0, "service-down");
        case "access-denied":
        case "authentication-failed":
            return new ApiError(_("Administrative access is required to manage the hub."),
                _("Turn on administrative access with the \"Limited access\" button in Cockpit's top bar."),
                "ACCESS_DENIED", 0, "access-denied");
        default:
            return new ApiError(cockpit.message(err), "", err.problem.toUpperCase(), 0, "bridge");
        }
    }
    const status = err?.status ?? 0;
    let parsed: { error?: unknown; code?: unknown; hint?: unknown } = {};
    if (typeof body === "string" && body) {
        try {
            parsed = JSON.parse(body);
        } catch {
            parsed = { error: body };
        }
    }
    const message = typeof parsed.error === "string" ? parsed.error : (err?.message || err?.reason || _("Request failed"));
    return new ApiError(message, typeof parsed.hint === "string" ? parsed.hint : "",
        typeof parsed.code === "string" ? parsed.code : `HTTP_${status}`, status, status === 404 ? "not-found" : "http");
}

interface Answer {
    status: number;
    etag: string | null;
    text: string;
}

interface RequestOptions {
    body?: unknown;
    params?: Record<string, string | number>;
    headers?: Record<string, string>;
}

/** One request, its body taken as it streams in. */
async function send(method: string, path: string, { body, params, headers = {} }: RequestOptions = {}): Promise<Answer> {
    const c = await http();
    return new Promise<Answer>((resolve, reject) => {
        // Taking each chunk as it arrives (stream) keeps cockpit.js from re-joining the whole
        // body on every 4 KiB message, which is quadratic: seconds for a 10,000-spoke list.
        const parts: string[] = [];
        let status = 0;
        let etag: string | null = null;
        c.request({
            method,
            path,
            params,
            headers: body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
            body: body === undefined ? "" : JSON.stringify(body),
        }).response((answerStatus, answerHeaders) => {
            status = answerStatus;
            etag = Object.entries(answerHeaders).find(([name]) => name.toLowerCase() === "etag")?.[1] ?? null;
        }).stream(chunk => {
            parts.push(chunk);
        }).then(rest => resolve({ status, etag, text: parts.join("") + (rest ?? "") }),
            (err: HttpError, answer?: unknown) => reject(toApiError(err, answer)));
    });
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

export async function listSpokes(): Promise<Spoke[]> {
    const answer = await send("GET", "/api/spoke/list", { params: lastList ? { unchangedSince: lastList.etag } : undefined });
    const parsed = JSON.parse(answer.text) as { spokes: Spoke[] } | { unchanged: true };
    if ("unchanged" in parsed && lastList) return lastList.spokes;
    if (!("spokes" in parsed)) throw new ApiError(_("The hub answered the spoke list without spokes"), "", "BAD_ANSWER", answer.status, "http");
    lastList = answer.etag ? { etag: answer.etag, spokes: parsed.spokes } : null;
    return parsed.spokes;
}

export const getHubConfig = () => call<HubConfig>("GET", "/api/hub/config");
// The page shows counts, and the spoke list already carries each peer: skip the peer list.
export const getHubStatus = () => call<HubStatus>("GET", "/api/hub/status", undefined, { peers: "false" });
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
