// Every error leaves as {"error", "code", "hint"} with the status of its code.
import type { ErrorRequestHandler, RequestHandler } from "express";
import { databaseUnavailable, HubError, isDatabaseUnreachable } from "../errors";
import type { Logger } from "../log";

export function notFound(): RequestHandler {
    return (req, _res, next) => {
        next(new HubError("NOT_FOUND", `No such endpoint: ${req.method} ${req.path.replace(/[A-Za-z0-9_-]{20,}/g, "…")}`,
            "See GET /api/openapi.json (admin API) for the endpoints that exist."));
    };
}

function fromBodyParser(err: { type?: string; status?: number }): HubError | null {
    switch (err.type) {
    case "entity.parse.failed":
        return new HubError("INVALID_JSON", "The request body is not valid JSON", "Send a JSON object with Content-Type: application/json.");
    case "entity.too.large":
        return new HubError("PAYLOAD_TOO_LARGE", "The request body is too large", "Requests to this API are small JSON objects (at most 16 kB).");
    case "encoding.unsupported":
    case "charset.unsupported":
        return new HubError("BAD_REQUEST", "Unsupported request encoding", "Send UTF-8 JSON.");
    default:
        return null;
    }
}

/** Errors Express or its parsers raise for a bad request (a malformed %-escape in the path, a body that will not decompress). */
function fromClientError(err: { status?: unknown; statusCode?: unknown }): HubError | null {
    const status = typeof err?.status === "number" ? err.status : typeof err?.statusCode === "number" ? err.statusCode : 0;
    if (status === 413) return new HubError("PAYLOAD_TOO_LARGE", "The request body is too large", "Requests to this API are small JSON objects (at most 16 kB).");
    if (status >= 400 && status < 500)
        return new HubError("BAD_REQUEST", "The request could not be read", "Check the URL's %-escapes and send a plain UTF-8 JSON body.");
    return null;
}

function describe(err: unknown): string {
    const e = err as { message?: string; parent?: { message?: string }; stack?: string } | null;
    const cause = e?.parent?.message && e.parent.message !== e.message ? ` (${e.parent.message})` : "";
    return `${e?.message ?? String(err)}${cause}${e?.stack ? `\n${e.stack.split("\n").slice(1, 4).join("\n")}` : ""}`;
}

export function errorHandler(log: Logger): ErrorRequestHandler {
    return (err, req, res, _next) => {
        const known = err instanceof HubError ? err
            : isDatabaseUnreachable(err) ? databaseUnavailable() : fromBodyParser(err) ?? fromClientError(err);
        const error = known ?? new HubError("INTERNAL", "Internal error", "The hub's log has the details; please report it if it persists.");
        if (!known) log.error("request failed", { method: req.method, path: req.path, error: describe(err) });
        if (res.headersSent) return;
        res.status(error.status).json({
            error: error.message,
            code: error.code,
            ...(error.hint ? { hint: error.hint } : {}),
            ...(error.details ? error.details : {}),
        });
    };
}
