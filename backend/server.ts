// The hub service: wiring only. Reads the configuration, opens the database, starts
// WireGuard and the listeners, and stops them in order on SIGTERM.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import cron from "node-cron";
import { ConfigError, loadConfig, type Config } from "./config";
import { createLogger } from "./log";
import { rememberLastEndpoints } from "./hub/hub";
import { blame, openHubContext } from "./hubContext";
import { sweepExpired } from "./tokens/tokens";
import { createAdminApp, createPublicApp } from "./http/apps";
import { listenOnSocket, listenOnTcp } from "./listen";
import { createAdminTcpServer, createPublicServer, readAdminToken } from "./http/servers";
import { AgentListener } from "./agent/listener";
import { createAgentApp } from "./agent/agentApp";
import { writeFileAtomic } from "./fsutil";
import { HubError } from "./errors";
import { RequestTracker } from "./shutdown";

/** How long a stop waits for requests in flight before it refuses new writes. */
const drainMs = 10_000;

async function main(): Promise<void> {
    let config: Config;
    try {
        config = loadConfig();
    } catch (err) {
        if (err instanceof ConfigError) {
            process.stderr.write(`wireguard-hub: ${err.message}\n`);
            process.exit(2);
        }
        throw err;
    }
    const log = createLogger(config.logLevel);
    let publicServer: https.Server | http.Server | null = null;
    const ctx = await openHubContext(config, log, {
        onTls(tls) {
            if (publicServer instanceof https.Server) publicServer.setSecureContext({ cert: tls.cert, key: tls.key });
        },
    });
    const db = ctx.db;
    const wireguard = ctx.wireguard!;

    const adminApp = createAdminApp(ctx, { actorOf: () => ({ name: "admin", source: "unix socket" }), bearerToken: null });
    const adminServer = http.createServer(adminApp);
    adminServer.keepAliveTimeout = 65_000;
    await blame("WGHUB_API_SOCKET", config.apiSocket, () => listenOnSocket(adminServer, config.apiSocket));

    publicServer = createPublicServer(createPublicApp(ctx), config.tls ? ctx.tls : null, config.connectionsPerAddress);
    const publicTcp = publicServer;
    await blame("WGHUB_PUBLIC_LISTEN", `${config.publicListen.host}:${config.publicListen.port}`,
        () => listenOnTcp(publicTcp, config.publicListen.host, config.publicListen.port));

    let adminTcp: http.Server | null = null;
    const bearer = await blame("WGHUB_ADMIN_TOKEN_FILE", config.adminTokenFile, () => readAdminToken(config, file => {
        writeFileAtomic(file, crypto.randomBytes(32).toString("base64url") + "\n", 0o600);
        log.info("admin API token created", { file });
    }));
    if (config.adminListen && bearer) {
        const app = createAdminApp(ctx, { actorOf: req => ({ name: "api-token", source: req.ip ?? null }), bearerToken: bearer });
        adminTcp = createAdminTcpServer(app);
        const server = adminTcp, { host, port } = config.adminListen;
        await blame("WGHUB_ADMIN_LISTEN", `${host}:${port}`, () => listenOnTcp(server, host, port));
    }

    await rememberLastEndpoints(ctx);
    wireguard.start();
    await ctx.mesh?.start();
    const agents = new AgentListener(ctx, createAgentApp(ctx), config.agentPort);
    agents.start();
    const sweeper = cron.schedule(config.reconcileSchedule, () => {
        sweepExpired(ctx).catch(err => log.error("token sweep failed", { error: String(err) }));
    });

    log.info("wireguard-hub started", {
        adminSocket: config.apiSocket,
        public: `${config.tls ? "https" : "http"}://${config.publicListen.host}:${config.publicListen.port}`,
        ...(config.adminListen ? { adminTcp: `${config.adminListen.host}:${config.adminListen.port}` } : {}),
        wireguard: wireguard.status().mode,
    });

    const requests = new RequestTracker();
    for (const server of [adminServer, publicServer, adminTcp]) if (server) requests.watch(server);
    let stopping = false;
    const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info("stopping", { signal, requestsInFlight: requests.inFlight });
        sweeper.stop();
        const servers = [adminServer, publicServer, adminTcp].filter((s): s is http.Server => s !== null);
        requests.beginStop();
        for (const s of servers) {
            s.close();
            s.closeIdleConnections();
        }
        if (!await requests.settled(drainMs))
            log.warn("requests still running after the drain time; new writes are refused", { requestsInFlight: requests.inFlight });
        // Transactions already queued run to their end, and their requests get their answers.
        await db.closeWrites(() => new HubError("SERVICE_STOPPING", "The hub service is stopping", "Try again in a few seconds."));
        await requests.settled(2_000);
        for (const s of servers) s.closeAllConnections();
        await agents.stop();
        await ctx.mesh?.stop();
        await ctx.wireguard?.stop();
        await db.close();
        fs.rmSync(config.apiSocket, { force: true });
        log.info("stopped", { signal });
        process.exit(0);
    };
    process.on("SIGTERM", () => void stop("SIGTERM"));
    process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch(err => {
    process.stderr.write(`wireguard-hub: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
