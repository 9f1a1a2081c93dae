// The CLI's only transport: HTTP over the service's admin unix socket.
import http from "node:http";

export interface ApiAnswer<T> {
    status: number;
    body: T;
}

/** The service answered, but refused: its {error, code, hint} JSON. */
export class ApiError extends Error {
    constructor(readonly status: number, message: string, readonly code: string | null, readonly hint: string | null) {
        super(message);
        this.name = "ApiError";
    }
}

/** The service could not be reached at all. */
export class Unreachable extends Error {
    constructor(message: string, readonly hint: string) {
        super(message);
        this.name = "Unreachable";
    }
}

const requestTimeoutMs = 30_000;

function explainConnectError(err: NodeJS.ErrnoException, socket: string): Unreachable {
    const start = "start it with: systemctl start wireguard-hub (logs: journalctl -u wireguard-hub)";
    switch (err.code) {
        case "ENOENT":
            return new Unreachable(`the wireguard-hub service is not running: no admin socket at ${socket}`, start);
        case "ECONNREFUSED":
            return new Unreachable(`the wireguard-hub service is not running: nothing answers on ${socket}`, start);
        case "EACCES":
        case "EPERM":
            return new Unreachable(`permission denied on the admin socket ${socket}`,
                "the admin API is for root only: run the command with sudo");
        default:
            return new Unreachable(`cannot reach the wireguard-hub service on ${socket}: ${err.message}`, start);
    }
}

export class AdminClient {
    constructor(readonly socketPath: string) {}

    request<T = unknown>(method: string, path: string, body?: unknown, timeoutMs = requestTimeoutMs): Promise<ApiAnswer<T>> {
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        return new Promise((resolve, reject) => {
            const req = http.request({
                socketPath: this.socketPath,
                method,
                path,
                headers: {
                    accept: "application/json",
                    ...(payload ? { "content-type": "application/json", "content-length": payload.length } : {}),
                },
                timeout: timeoutMs,
            }, res => {
                const chunks: Buffer[] = [];
                res.on("data", (c: Buffer) => chunks.push(c));
                res.on("error", reject);
                res.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    let parsed: unknown = text;
                    if (/json/.test(res.headers["content-type"] ?? "") && text) {
                        try {
                            parsed = JSON.parse(text);
                        } catch {
                            // keep the text: the error below quotes it
                        }
                    }
                    resolve({ status: res.statusCode ?? 0, body: parsed as T });
                });
            });
            req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
            req.on("error", (err: NodeJS.ErrnoException) => {
                reject(err.code && err.syscall === "connect" ? explainConnectError(err, this.socketPath) : err);
            });
            req.end(payload);
        });
    }

    /** Like request(), but a non-2xx answer throws ApiError. */
    async call<T = unknown>(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<T> {
        const answer = await this.request<unknown>(method, path, body, timeoutMs);
        if (answer.status >= 200 && answer.status < 300) return answer.body as T;
        throw toApiError(answer);
    }
}

function toApiError(answer: ApiAnswer<unknown>): ApiError {
    const b = answer.body;
    if (b && typeof b === "object") {
        const o = b as Record<string, unknown>;
        const message = typeof o.error === "string" ? o.error
            : typeof o.message === "string" ? o.message : `the service answered ${answer.status}`;
        return new ApiError(answer.status, message, typeof o.code === "string" ? o.code : null,
            typeof o.hint === "string" ? o.hint : null);
    }
    const text = typeof b === "string" && b.trim() ? `: ${b.trim().slice(0, 200)}` : "";
    return new ApiError(answer.status, `the service answered ${answer.status}${text}`, null, null);
}
