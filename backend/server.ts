// The hub service: wiring only. Reads the configuration, opens the database, starts
// WireGuard and the listeners, and stops them in order on SIGTERM.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import cron from "node-cron";
import { ConfigError, loadConfig, type Config } from "./config";
import { createLogger } from "./log";
import { openDatabase } from "./db/connect";
import type { HubContext } from "./context";
import { AddressBook } from "./ipam/addresses";
import { LiveStatus } from "./spokes/live";
import { DesiredPeers } from "./spokes/desired";
import { TrafficSamples } from "./traffic/samples";
import { adminMaterial, selfSignedMaterial } from "./hub/tls";
import { loadHub, recoverStagedKey, rememberLastEndpoints } from "./hub/hub";
import { endpointHost } from "./contract/fields";
import { desiredState, saveStatus } from "./spokes/spokes";
import { sweepExpired } from "./tokens/tokens";
import { createWireGuard } from "./wireguard";
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

/** Seconds between scheduled runs, read off the cron expression's seconds field when it has one. */
function scheduleSeconds(expr: string): number {
    const fields = expr.trim().split(/\s+/);
    const m = fields.length === 6 ? /^\*\/(\d+)$/.exec(fields[0]) : null;
    return m ? Number(m[1]) : 60;
}

/** A start-up step that fails because of one variable's value: the message names it. */
async function blame<T>(variable: string, value: string | null, step: () => T | Promise<T>): Promise<T> {
    try {
        return await step();
    } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new Error(`${variable}=${JSON.stringify(value ?? "")} cannot be used: ${reason}`);
    }
}

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
    await blame("WGHUB_DATA_DIR", config.dataDir, () => fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 }));
    await blame("WGHUB_WG_CONF_DIR", config.wgConfDir, () => {
        fs.mkdirSync(config.wgConfDir, { recursive: true, mode: 0o700 });
        fs.accessSync(config.wgConfDir, fs.constants.W_OK);
    });
    const db = await blame(process.env.WGHUB_DATABASE_URL ? "WGHUB_DATABASE_URL" : "WGHUB_DATA_DIR",
        process.env.WGHUB_DATABASE_URL ? config.databaseUrl.replace(/\/\/[^@/]*@/, "//…@") : config.dataDir,
        () => openDatabase(config.databaseUrl, log));

    let publicServer: https.Server | http.Server | null = null;
    const ctx: HubContext = {
        config,
        db,
        log,
        now: () => new Date(),
        addresses: new AddressBook(db),
        live: new LiveStatus(),
        desired: new DesiredPeers(db),
        traffic: new TrafficSamples(scheduleSeconds(config.reconcileSchedule)),
        wireguard: null,
        tls: null,
        async refreshTls() {
            if (!config.tls) return;
            if (config.tlsCertFile && config.tlsKeyFile) {
                ctx.tls = adminMaterial(config.tlsCertFile, config.tlsKeyFile);
            } else {
                const hub = await loadHub(ctx);
                const hosts = hub ? [hub.publicEndpoint, hub.privateEndpoint].filter((e): e is string => !!e).map(endpointHost) : [];
                if (!["0.0.0.0", "::"].includes(config.publicListen.host)) hosts.push(config.publicListen.host);
                ctx.tls = await selfSignedMaterial(config.dataDir, [...new Set(hosts)]);
            }
            if (publicServer instanceof https.Server) publicServer.setSecureContext({ cert: ctx.tls.cert, key: ctx.tls.key });
        },
    };
    await recoverStagedKey(ctx);
    await ctx.addresses.load(await loadHub(ctx));
    await blame(config.tlsCertFile ? "WGHUB_TLS_CERT/WGHUB_TLS_KEY" : "WGHUB_DATA_DIR",
        config.tlsCertFile ? `${config.tlsCertFile} ${config.tlsKeyFile}` : config.dataDir, () => ctx.refreshTls());

    ctx.wireguard = await createWireGuard({
        config,
        log,
        loadDesired: () => desiredState(ctx),
        saveStatus: (peers, at) => saveStatus(ctx, peers, at),
    });

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
    ctx.wireguard.start();
    const agents = new AgentListener(ctx, createAgentApp(ctx), config.agentPort);
    agents.start();
    const sweeper = cron.schedule(config.reconcileSchedule, () => {
        sweepExpired(ctx).catch(err => log.error("token sweep failed", { error: String(err) }));
    });

    log.info("wireguard-hub started", {
        adminSocket: config.apiSocket,
        public: `${config.tls ? "https" : "http"}://${config.publicListen.host}:${config.publicListen.port}`,
        ...(config.adminListen ? { adminTcp: `${config.adminListen.host}:${config.adminListen.port}` } : {}),
        wireguard: ctx.wireguard.status().mode,
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
