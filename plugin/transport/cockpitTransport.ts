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
 * where localStorage["wireguard-hub:socket"] may point the page at a service started with
 * `npm start`. Never in the default build the package ships: any script on Cockpit's origin
 * could point the admin's root bridge at a socket of its own.
 */
declare const WGHUB_SOCKET_OVERRIDE: boolean;

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
    return answerError(err?.status ?? 0, typeof body === "string" ? body : "", err?.message || err?.reason || _("Request failed"));
}

/** One request, its body taken as it streams in. */
async function send(method: string, path: string, { body, params, headers = {} }: RequestOptions): Promise<Answer> {
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

export const cockpitTransport: HubTransport = { send };
