// The Cockpit page's transport: the hub's admin API on a unix socket, reached through
// Cockpit's bridge as the administrator (superuser: "require"), so Cockpit's login and sudo
// decide who may manage the hub.
import cockpit from "cockpit";
import type { HttpClient, HttpError } from "cockpit";
import { ApiError, answerError, type Answer, type HubTransport, type RequestOptions } from "./types";

const _ = cockpit.gettext;

export const DEFAULT_SOCKET = "/run/wireguard-hub/api.sock";
/** Where the service's environment lives on an installed hub; WGHUB_API_SOCKET may move the socket. */
export const HUB_ENV_FILE = "/etc/wireguard-hub/hub.env";
/**
 * Set by the build: true only in a development or test build (WGHUB_PAGE_SOCKET_OVERRIDE=yes),
 * where localStorage may point the page at a service started with `npm start`
 * ("wireguard-hub:socket"), and the tests at an env file and a default socket of their own.
 * Never in the default build the package ships: any script on Cockpit's origin could point
 * the admin's root bridge at a socket of its own.
 */
declare const WGHUB_SOCKET_OVERRIDE: boolean;

function storedPath(key: string): string | null {
    try {
        const value = window.localStorage.getItem(key);
        return value && value.startsWith("/") ? value : null;
    } catch {
        // storage can be disabled; the defaults still apply
        return null;
    }
}

/** The paths a development or test build takes from localStorage; none in the shipped build. */
const devPaths = WGHUB_SOCKET_OVERRIDE ? {
    socket: () => storedPath("wireguard-hub:socket"),
    envFile: () => storedPath("wireguard-hub:env-file"),
    defaultSocket: () => storedPath("wireguard-hub:default-socket"),
} : null;

function envValue(text: string, name: string): string | null {
    for (const line of text.split("\n")) {
        const m = line.match(/^\s*(?:export\s+)?([A-Z0-9_]+)\s*=\s*(.*?)\s*$/);
        if (m && m[1] === name) return m[2].replace(/^(["'])(.*)\1$/, "$2");
    }
    return null;
}

/** The socket a hub has unless hub.env moves it. */
function defaultSocket(): string {
    return devPaths?.defaultSocket() ?? DEFAULT_SOCKET;
}

/** The socket the page tries before hub.env is read. */
function likelySocket(): string {
    return devPaths?.socket() ?? defaultSocket();
}

async function findSocket(): Promise<string> {
    const override = devPaths?.socket();
    if (override) return override;
    const file = cockpit.file(devPaths?.envFile() ?? HUB_ENV_FILE, { superuser: "try" });
    try {
        const text = await file.read();
        const fromEnv = text ? envValue(text, "WGHUB_API_SOCKET") : null;
        if (fromEnv && fromEnv.startsWith("/")) return fromEnv;
    } catch {
        // unreadable or missing: the packaged default applies
    } finally {
        file.close();
    }
    return defaultSocket();
}

let socketPath: Promise<string> | null = null;
let socketKnown = false;
const clients = new Map<string, HttpClient>();

export function socket(): Promise<string> {
    socketPath ??= findSocket().then(path => {
        socketKnown = true;
        return path;
    });
    return socketPath;
}

function clientFor(path: string): HttpClient {
    let client = clients.get(path);
    if (!client) clients.set(path, client = cockpit.http({ unix: path, superuser: "require" }));
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
    return answerError(err?.status ?? 0, typeof body === "string" ? body : "", err?.message || err?.reason || _("Request failed"));
}

/**
 * One request. The page's first reads do not wait for hub.env: reading it is a round trip
 * through the bridge (up to half a second while Cockpit's shell loads its other pages), so
 * they go to the likely socket meanwhile, and again to the one hub.env names if it is another.
 * Only reads: a write waits until the socket is known.
 */
async function send(method: string, path: string, options: RequestOptions): Promise<Answer> {
    if (!socketKnown && method === "GET") {
        const likely = likelySocket();
        const early = sendTo(clientFor(likely), method, path, options);
        // Its failure is the caller's only if it is kept: not reported while hub.env is read.
        early.catch(() => undefined);
        if (await socket() === likely) return early;
    }
    return sendTo(clientFor(await socket()), method, path, options);
}

/** One request to one socket, its body taken as it streams in. */
function sendTo(c: HttpClient, method: string, path: string, { body, params, headers = {} }: RequestOptions): Promise<Answer> {
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

export const cockpitTransport: HubTransport = { send };
