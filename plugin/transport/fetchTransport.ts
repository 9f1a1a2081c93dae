// A transport for a page outside Cockpit: fetch to where the host application mounted the
// routers. The base URL takes the place of the service's /api prefix: with "/api/wireguard",
// /api/spoke/list is fetched from /api/wireguard/spoke/list. The host's own login applies
// (cookies go along on the same origin).
import cockpit from "cockpit";
import { ApiError, answerError, type Answer, type HubTransport, type RequestOptions } from "./types";

const _ = cockpit.gettext;

export interface FetchTransportOptions {
    /** Sent with every request, e.g. a CSRF header the host app expects. */
    headers?: Record<string, string>;
    /** fetch's credentials mode; "same-origin" unless told. */
    credentials?: RequestCredentials;
}

export function fetchTransport(apiBaseUrl: string, options: FetchTransportOptions = {}): HubTransport {
    const base = apiBaseUrl.replace(/\/+$/, "");
    return {
        async send(method: string, path: string, { body, params, headers = {} }: RequestOptions): Promise<Answer> {
            const query = params ? new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString() : "";
            const url = `${base}${path.replace(/^\/api(?=\/)/, "")}${query ? `?${query}` : ""}`;
            let answer: Response;
            try {
                answer = await fetch(url, {
                    method,
                    credentials: options.credentials ?? "same-origin",
                    // The answers are live state: never a copy from the browser's cache.
                    cache: "no-store",
                    headers: { ...options.headers, ...headers, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
                    body: body === undefined ? undefined : JSON.stringify(body),
                });
            } catch (err) {
                throw new ApiError(_("Request failed"), err instanceof Error ? err.message : "", "UNREACHABLE", 0, "bridge");
            }
            const text = await answer.text();
            if (!answer.ok) throw answerError(answer.status, text, answer.statusText || _("Request failed"));
            return { status: answer.status, etag: answer.headers.get("etag"), text };
        },
    };
}
