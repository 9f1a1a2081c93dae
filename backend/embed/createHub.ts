// A hub inside another Node application: the service's context, schedule and enrollment
// listener (backend/hubContext.ts, the same pieces server.ts starts), and routers for the
// host app in place of the admin socket.
import http from "node:http";
import https from "node:https";
import cron from "node-cron";
import type { Router } from "express";
import { createLogger } from "../log";
import { openHubContext, blame } from "../hubContext";
import { rememberLastEndpoints } from "../hub/hub";
import { sweepExpired } from "../tokens/tokens";
import { createPublicApp } from "../http/apps";
import { createPublicServer } from "../http/servers";
import { listenOnTcp } from "../listen";
import { AgentListener } from "../agent/listener";
import { createAgentApp } from "../agent/agentApp";
import { HubError } from "../errors";
import { configOf, type HubOptions } from "./options";
import { createRouters } from "./routers";

export interface Hub {
    /** POST /token, GET /tokens, DELETE /token/:id, POST /token/:id/reissue; open: GET /script/:token */
    readonly installationRoutes: Router;
    /** GET /list, PUT and DELETE /:id, POST /:id/enable, /:id/disable…; open: POST /register */
    readonly spokeRoutes: Router;
    /** POST /initialize, GET and PUT /config, GET /status, POST /backup, /restore; open: GET /healthz */
    readonly hubRoutes: Router;
    /** GET /clusters, PUT /clusters/:id */
    readonly proxmoxRoutes: Router;
    /** GET / (the audit log) */
    readonly auditRoutes: Router;
    /** GET / (rx/tx rates) */
    readonly trafficRoutes: Router;
    /** The enrollment listener's address, or null without one. */
    readonly enrollmentUrl: string | null;
    /** Stops the schedule, the listeners and WireGuard's reconciler, then closes the database. */
    close(): Promise<void>;
}

export async function startHub(options: HubOptions = {}): Promise<Hub> {
    const config = configOf(options);
    const log = createLogger(config.logLevel);
    let enrollment: https.Server | http.Server | null = null;
    const ctx = await openHubContext(config, log, {
        onTls(tls) {
            if (enrollment instanceof https.Server) enrollment.setSecureContext({ cert: tls.cert, key: tls.key });
        },
    });
    const { db } = ctx;
    const wireguard = ctx.wireguard!;
    try {
        if (options.enrollmentListener ?? true) {
            const server = createPublicServer(createPublicApp(ctx), config.tls ? ctx.tls : null, config.connectionsPerAddress);
            enrollment = server;
            await blame("WGHUB_PUBLIC_LISTEN", `${config.publicListen.host}:${config.publicListen.port}`,
                () => listenOnTcp(server, config.publicListen.host, config.publicListen.port));
        }
        await rememberLastEndpoints(ctx);
    } catch (err) {
        enrollment?.close();
        await db.close();
        throw err;
    }
    wireguard.start();
    await ctx.mesh?.start();
    const agents = new AgentListener(ctx, createAgentApp(ctx), config.agentPort);
    agents.start();
    const sweeper = cron.schedule(config.reconcileSchedule, () => {
        sweepExpired(ctx).catch(err => log.error("token sweep failed", { error: String(err) }));
    });
    const routers = createRouters(ctx, options.authorize ?? null);
    log.info("wireguard-hub embedded", {
        ...(enrollment ? { public: `${config.tls ? "https" : "http"}://${config.publicListen.host}:${config.publicListen.port}` } : {}),
        wireguard: wireguard.status().mode,
    });

    let closing: Promise<void> | null = null;
    return {
        installationRoutes: routers.installation,
        spokeRoutes: routers.spoke,
        hubRoutes: routers.hub,
        proxmoxRoutes: routers.proxmox,
        auditRoutes: routers.audit,
        trafficRoutes: routers.traffic,
        enrollmentUrl: enrollment ? `${config.tls ? "https" : "http"}://${config.publicListen.host}:${config.publicListen.port}` : null,
        close() {
            closing ??= (async () => {
                void sweeper.stop();
                const server = enrollment;
                if (server) {
                    await new Promise<void>(resolve => {
                        server.close(() => resolve());
                        server.closeIdleConnections();
                    });
                }
                // Transactions already queued run to their end; later writes are refused.
                await db.closeWrites(() => new HubError("SERVICE_STOPPING", "The hub is stopping", "Try again in a few seconds."));
                await agents.stop();
                await ctx.mesh?.stop();
                await wireguard.stop();
                await db.close();
            })();
            return closing;
        },
    };
}
