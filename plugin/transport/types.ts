// How the page reaches the hub's API: through Cockpit's bridge on the admin socket, or with
// fetch under a base URL where a host application mounted the routers. Paths are the
// service's own (/api/spoke/list); a transport maps them to where it sends them.
export interface Answer {
    status: number;
    etag: string | null;
    text: string;
}

export interface RequestOptions {
    body?: unknown;
    params?: Record<string, string | number>;
    headers?: Record<string, string>;
}

export interface HubTransport {
    /** Resolves with a 2xx answer; rejects with an ApiError otherwise. */
    send(method: string, path: string, options: RequestOptions): Promise<Answer>;
}

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

/** The ApiError for an HTTP answer that is not a success: the hub's {error, code, hint} when it sent one. */
export function answerError(status: number, body: string, fallback: string): ApiError {
    let parsed: { error?: unknown; code?: unknown; hint?: unknown } = {};
    if (body) {
        try {
            parsed = JSON.parse(body);
        } catch {
            parsed = { error: body };
        }
    }
    const message = typeof parsed.error === "string" ? parsed.error : fallback;
    return new ApiError(message, typeof parsed.hint === "string" ? parsed.hint : "",
        typeof parsed.code === "string" ? parsed.code : `HTTP_${status}`, status, status === 404 ? "not-found" : "http");
}
