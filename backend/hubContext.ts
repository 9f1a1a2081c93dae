// The hub's context made from a configuration: data directories, the database (migrated),
// the address book, the TLS material and WireGuard. Shared by the service (server.ts) and
// the embedded hub (embed/createHub.ts), which add their own listeners.
import fs from "node:fs";
import path from "node:path";
import type { Config } from "./config";
import type { Logger } from "./log";
import { openDatabase } from "./db/connect";
import type { HubContext } from "./context";
import { AddressBook } from "./ipam/addresses";
import { LiveStatus } from "./spokes/live";
import { DesiredPeers } from "./spokes/desired";
import { TrafficSamples } from "./traffic/samples";
import { adminMaterial, selfSignedMaterial, type TlsMaterial } from "./hub/tls";
import { loadHub, recoverStagedKey } from "./hub/hub";
import { endpointHost } from "./contract/fields";
import { desiredState, saveStatus } from "./spokes/spokes";
import { createWireGuard } from "./wireguard";
import { HubMesh } from "./hubs/mesh";
import { claimOwnRow } from "./hubs/members";

/** Seconds between scheduled runs, read off the cron expression's seconds field when it has one. */
function scheduleSeconds(expr: string): number {
    const fields = expr.trim().split(/\s+/);
    const m = fields.length === 6 ? /^\*\/(\d+)$/.exec(fields[0]) : null;
    return m ? Number(m[1]) : 60;
}

/** A start-up step that fails because of one variable's value: the message names it. */
export async function blame<T>(variable: string, value: string | null, step: () => T | Promise<T>): Promise<T> {
    try {
        return await step();
    } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new Error(`${variable}=${JSON.stringify(value ?? "")} cannot be used: ${reason}`);
    }
}

export interface ContextOptions {
    /** Called with each new certificate, for a listener that serves it. */
    onTls?(tls: TlsMaterial): void;
}

/** Opens everything the domain code needs; WireGuard is created but not started. */
export async function openHubContext(config: Config, log: Logger, opts: ContextOptions = {}): Promise<HubContext> {
    await blame("WGHUB_DATA_DIR", config.dataDir, () => fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 }));
    await blame("WGHUB_WG_CONF_DIR", config.wgConfDir, () => {
        fs.mkdirSync(config.wgConfDir, { recursive: true, mode: 0o700 });
        fs.accessSync(config.wgConfDir, fs.constants.W_OK);
    });
    const fromUrl = config.databaseUrl !== `sqlite:${path.join(config.dataDir, "hub.sqlite")}`;
    const db = await blame(fromUrl ? "WGHUB_DATABASE_URL" : "WGHUB_DATA_DIR",
        fromUrl ? config.databaseUrl.replace(/\/\/[^@/]*@/, "//…@") : config.dataDir,
        () => openDatabase(config.databaseUrl, log));

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
        mesh: null,
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
            opts.onTls?.(ctx.tls);
        },
    };
    if (db.dialect === "postgres") {
        ctx.mesh = new HubMesh(ctx);
        ctx.desired.useMesh(ctx.mesh);
        await ctx.mesh.load();
    }
    await recoverStagedKey(ctx);
    await claimOwnRow(ctx);
    await ctx.addresses.load(await loadHub(ctx));
    await blame(config.tlsCertFile ? "WGHUB_TLS_CERT/WGHUB_TLS_KEY" : "WGHUB_DATA_DIR",
        config.tlsCertFile ? `${config.tlsCertFile} ${config.tlsKeyFile}` : config.dataDir, () => ctx.refreshTls());

    ctx.wireguard = await createWireGuard({
        config,
        log,
        loadDesired: options => desiredState(ctx, options?.peers ?? true),
        saveStatus: (peers, at) => saveStatus(ctx, peers, at),
    });
    return ctx;
}
