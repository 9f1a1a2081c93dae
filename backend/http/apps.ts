// The two Express apps: admin (socket, optional TCP with a bearer token) and public
// (enrollment only). Shared: JSON body limit, error shape, redacted access log.
import crypto from "node:crypto";
import express, { type Request, type RequestHandler } from "express";
import { rateLimit } from "express-rate-limit";
import type { Actor, HubContext } from "../context";
import { HubError } from "../errors";
import { redact } from "../log";
import { errorHandler, notFound } from "./errors";
import { adminRoutes } from "./adminRoutes";
import { publicRoutes } from "./publicRoutes";
import { openApiDocument } from "./openapi";
import { createMetrics } from "./metrics";
import { mount, type RouteSpec } from "./routes";
import { version } from "../../package.json";

export const bodyLimit = "16kb";

function base(ctx: HubContext): express.Express {
    const app = express();
    app.disable("x-powered-by");
    app.set("etag", false);
    if (ctx.config.trustProxy) app.set("trust proxy", ctx.config.trustProxy);
    app.use((req, res, next) => {
        const started = process.hrtime.bigint();
        res.on("finish", () => {
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            ctx.log.debug("request", { method: req.method, path: redact(req.path), status: res.statusCode, bytes: Number(res.getHeader("content-length") ?? 0), ms: Math.round(ms) });
        });
        next();
    });
    return app;
}

/** The JSON body parser: mounted after whatever refuses a request without reading its body. */
export const jsonBody = () => express.json({ limit: bodyLimit, strict: true });

export function limiter(max: number, windowMs: number, what: string): RequestHandler {
    return rateLimit({
        windowMs,
        limit: max,
        standardHeaders: "draft-7",
        legacyHeaders: false,
        // Any client can send X-Forwarded-For; without WGHUB_TRUST_PROXY it is ignored, and
        // the library's warning about it is a stack trace in the journal for each new process.
        validate: { xForwardedForHeader: false },
        handler(req, res, next) {
            const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
            const seconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : Math.ceil(windowMs / 1000);
            res.setHeader("Retry-After", String(seconds));
            next(new HubError("RATE_LIMITED", `Too many ${what} from this address`, `Wait ${seconds} s and try again.`));
        },
    });
}

export interface AdminAppOptions {
    actorOf(req: Request): Actor;
    /** Bearer token demanded on a TCP admin listener; null on the root-only socket. */
    bearerToken: string | null;
}


export function createAdminApp(ctx: HubContext, opts: AdminAppOptions): express.Express {
    const app = base(ctx);
    if (opts.bearerToken) {
        const expected = crypto.createHash("sha256").update(opts.bearerToken).digest();
        app.use((req, _res, next) => {
            const m = /^Bearer (\S+)$/.exec(req.get("authorization") ?? "");
            const given = crypto.createHash("sha256").update(m?.[1] ?? "").digest();
            if (!m || !crypto.timingSafeEqual(given, expected))
                return next(new HubError("UNAUTHORIZED", "This admin listener needs an API token",
                    "Send Authorization: Bearer <token from WGHUB_ADMIN_TOKEN_FILE>."));
            next();
        });
        // Token creation from the network is limited like the seed did; the socket is not.
        app.post("/api/installation/token", limiter(10, 3600_000, "token creations"));
    }
    // A backup to restore is the one big body the API takes.
    app.post("/api/hub/restore", express.json({ limit: "256mb", strict: true }));
    app.use(jsonBody());
    const routes = adminRoutes(ctx, opts.actorOf);
    const router = express.Router();
    mount(router, routes);
    const metrics = createMetrics(ctx);
    router.get("/api/openapi.json", (_req, res) => {
        res.json(openApiDocument([
            { server: "unix:/run/wireguard-hub/api.sock", description: "admin API (root only)", routes: [...routes, ...metaRoutes] },
            { server: "https://HUB:51821", description: "public enrollment API", routes: publicRoutes(ctx) },
        ], version));
    });
    router.get("/metrics", async (_req, res) => {
        res.setHeader("Content-Type", metrics.contentType);
        res.send(await metrics.metrics());
    });
    app.use(router);
    app.use(notFound());
    app.use(errorHandler(ctx.log));
    return app;
}

/** Routes served outside the table (they describe the API itself), listed for the document. */
export const metaRoutes: RouteSpec[] = [
    { method: "get", path: "/api/openapi.json", tag: "meta", summary: "This document", responses: { 200: "OpenAPI 3.1" }, handler: () => undefined },
    { method: "get", path: "/metrics", tag: "meta", summary: "Prometheus metrics", responses: { 200: "Metrics in text format" }, handler: () => undefined },
];

export function createPublicApp(ctx: HubContext): express.Express {
    const app = base(ctx);
    const rate = ctx.config.rateLimit;
    if (rate) {
        app.use("/api/installation/script", limiter(rate.max, rate.windowMs, "requests"));
        app.use("/api/spoke/register", limiter(rate.max, rate.windowMs, "requests"));
    }
    // After the rate limit: a refused request costs no parsing.
    app.use(jsonBody());
    const router = express.Router();
    mount(router, publicRoutes(ctx));
    app.use(router);
    app.use(notFound());
    app.use(errorHandler(ctx.log));
    return app;
}
