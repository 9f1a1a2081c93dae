// Which hub serves the routers the module exports (`app.use(path, spokeRoutes)`, before any
// hub exists): the first one createHub made that is still open, else one made from the
// WGHUB_* environment on the first request.
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { startHub, type Hub } from "./createHub";
import type { HubOptions } from "./options";

let current: Promise<Hub> | null = null;

function serve(hub: Promise<Hub>): void {
    current ??= hub;
    // A hub that failed to start is not kept: the next request tries again.
    hub.catch(() => {
        if (current === hub) current = null;
    });
}

/**
 * Opens the database (migrating it), starts WireGuard's reconciler, the token sweep and the
 * enrollment listener. The first hub made also serves the module's exported routers.
 */
export function createHub(options: HubOptions = {}): Promise<Hub> {
    const made = startHub(options).then((hub): Hub => ({
        ...hub,
        close() {
            if (current === made) current = null;
            return hub.close();
        },
    }));
    serve(made);
    return made;
}

function defaultHub(): Promise<Hub> {
    return current ?? createHub();
}

type RouterName = "installationRoutes" | "spokeRoutes" | "hubRoutes" | "proxmoxRoutes" | "auditRoutes" | "trafficRoutes";

/** A handler that passes each request on to the default hub's router of that name. */
export function deferredRouter(name: RouterName): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
        defaultHub().then(hub => hub[name](req, res, next), next);
    };
}
