// The API as routers a host app mounts where it likes: one per area, made from the same
// route tables as the service's apps (http/adminRoutes.ts, http/publicRoutes.ts), with the
// area's prefix taken off each path (/api/spoke/list is /list of the spoke router).
import express, { type Request, type RequestHandler, type Router } from "express";
import type { Actor, HubContext } from "../context";
import { HubError } from "../errors";
import { adminRoutes } from "../http/adminRoutes";
import { publicRoutes } from "../http/publicRoutes";
import { errorHandler } from "../http/errors";
import { jsonBody, limiter } from "../http/apps";
import { mount, type RouteSpec } from "../http/routes";
import type { Authorize } from "./options";

export const areas = ["installation", "spoke", "hub", "proxmox", "audit", "traffic"] as const;
export type Area = typeof areas[number];
export type HubRouters = Record<Area, Router>;

/** The area a path belongs to, and the path inside it; the health check goes with the hub. */
function placed(path: string): { area: Area; path: string } | null {
    if (path === "/healthz") return { area: "hub", path };
    const m = /^\/api\/([a-z]+)(\/.*)?$/.exec(path);
    const area = areas.find(a => a === m?.[1]);
    return area ? { area, path: m?.[2] ?? "/" } : null;
}

function byArea(routes: RouteSpec[]): Map<Area, RouteSpec[]> {
    const grouped = new Map<Area, RouteSpec[]>();
    for (const r of routes) {
        const where = placed(r.path);
        if (!where) continue;
        grouped.set(where.area, [...grouped.get(where.area) ?? [], { ...r, path: where.path }]);
    }
    return grouped;
}

/**
 * Lets a request on to the admin routes only when the host's hook says so, and notes who it
 * is for the audit log (in `actors`, one per hub: another hub's guard decides on its own).
 */
function guard(authorize: Authorize | null, actors: WeakMap<Request, Actor>): RequestHandler {
    return (req, _res, next) => {
        if (actors.has(req)) return next();
        if (!authorize) {
            actors.set(req, { name: "embedded", source: req.ip ?? null });
            return next();
        }
        Promise.resolve()
            .then(() => authorize(req))
            .then(verdict => {
                if (verdict !== true && (typeof verdict !== "string" || verdict === ""))
                    return next(new HubError("UNAUTHORIZED", "Sign in to manage the WireGuard hub", "The host application refused this request."));
                actors.set(req, { name: typeof verdict === "string" ? verdict : "embedded", source: req.ip ?? null });
                next();
            }, next);
    };
}

/** One router per area: its public routes open, then the guard, then its admin routes. */
export function createRouters(ctx: HubContext, authorize: Authorize | null): HubRouters {
    const actors = new WeakMap<Request, Actor>();
    const open = byArea(publicRoutes(ctx));
    const admin = byArea(adminRoutes(ctx, req => actors.get(req) ?? { name: "embedded", source: req.ip ?? null }));
    const rate = ctx.config.rateLimit;
    if (!authorize) ctx.log.warn("admin routes served without an authorize hook: anyone who reaches the host app manages the hub");
    const routers = {} as HubRouters;
    for (const area of areas) {
        const router = express.Router();
        const publicSpecs = open.get(area) ?? [];
        const limited = publicSpecs.filter(r => r.path !== "/healthz");
        if (rate) for (const r of limited) router.use(r.path.replace(/\/:.*$/, ""), limiter(rate.max, rate.windowMs, "requests"));
        const guarded = guard(authorize, actors);
        // A backup to restore is the one big body the API takes, and only after the guard.
        if (area === "hub") router.post("/restore", guarded, express.json({ limit: "256mb", strict: true }));
        router.use(jsonBody());
        mount(router, publicSpecs);
        router.use(guarded);
        mount(router, admin.get(area) ?? []);
        router.use(errorHandler(ctx.log));
        routers[area] = router;
    }
    return routers;
}
