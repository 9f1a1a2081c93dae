// The hub itself: initialisation, its settings, and its key (kept in a 0600 file, never in
// the database or an answer).
import fs from "node:fs";
import path from "node:path";
import type { HubContext, Actor } from "../context";
import type { HubRow } from "../db/models";
import { afterCommit } from "../db/connect";
import { HubError } from "../errors";
import { writeFileAtomic } from "../fsutil";
import { addressAt, hostCount, type Network } from "../ipam/cidr";
import { generateKeyPair } from "../wireguard/keys";
import { record } from "../audit/audit";
import { peersChanged } from "../context";

export interface HubSettings {
    network: Network;
    network6: Network | null;
    listenPort: number;
    publicEndpoint: string;
    privateEndpoint: string | null;
    dns: string[];
}

export interface HubConfigView {
    id: number;
    interfaceName: string;
    interfaceAddress: string;
    interfaceAddressV6: string | null;
    listenPort: number;
    publicKey: string;
    networkCIDR: string;
    networkCIDRv6: string | null;
    publicEndpoint: string;
    privateEndpoint: string | null;
    dns: string[];
    persistentKeepalive: number;
    publicUrl: string;
    tlsPin: string | null;
    createdAt: string;
    updatedAt: string;
}

export function privateKeyFile(ctx: HubContext): string {
    return path.join(ctx.config.dataDir, "hub.key");
}

// The hub row is read by every registration and script download, and changes only through
// initialize() and updateConfig(), which forget it once they commit.
const hubRows = new WeakMap<HubContext, Promise<HubRow | null>>();

export function loadHub(ctx: HubContext): Promise<HubRow | null> {
    let row = hubRows.get(ctx);
    if (!row) {
        row = ctx.db.models.Hub.findByPk(1);
        hubRows.set(ctx, row);
        row.catch(() => hubRows.delete(ctx));
    }
    return row;
}

function forgetHub(ctx: HubContext): void {
    hubRows.delete(ctx);
}

export async function requireHub(ctx: HubContext): Promise<HubRow> {
    const hub = await loadHub(ctx);
    if (!hub) throw new HubError("HUB_NOT_INITIALIZED", "The hub is not initialised yet", "Run the setup wizard, or POST /api/hub/initialize.");
    return hub;
}

export function parseDns(hub: HubRow): string[] {
    return JSON.parse(hub.dns) as string[];
}

/** The base URL spokes use for the public API. */
export function publicUrl(ctx: HubContext, hub: HubRow): string {
    if (ctx.config.publicUrl) return ctx.config.publicUrl;
    const host = hub.publicEndpoint.slice(0, hub.publicEndpoint.lastIndexOf(":"));
    return `${ctx.config.tls ? "https" : "http"}://${host}:${ctx.config.publicListen.port}`;
}

export function configView(ctx: HubContext, hub: HubRow): HubConfigView {
    return {
        id: hub.id,
        interfaceName: ctx.config.interfaceName,
        interfaceAddress: hub.interfaceAddress,
        interfaceAddressV6: hub.interfaceAddressV6,
        listenPort: hub.listenPort,
        publicKey: hub.publicKey,
        networkCIDR: hub.networkCIDR,
        networkCIDRv6: hub.networkCIDRv6,
        publicEndpoint: hub.publicEndpoint,
        privateEndpoint: hub.privateEndpoint,
        dns: parseDns(hub),
        persistentKeepalive: hub.keepalive,
        publicUrl: publicUrl(ctx, hub),
        tlsPin: ctx.tls?.pin ?? null,
        createdAt: hub.createdAt.toISOString(),
        updatedAt: hub.updatedAt.toISOString(),
    };
}

export async function initialize(ctx: HubContext, settings: HubSettings, force: boolean, actor: Actor):
    Promise<{ hub: HubRow; removedSpokes: number }> {
    // A spoke's IPv6 address has its IPv4 host number: the IPv6 network must hold every one.
    if (settings.network6 && hostCount(settings.network6) < hostCount(settings.network))
        throw new HubError("VALIDATION_FAILED", `The IPv6 network ${settings.network6.cidr} is smaller than ${settings.network.cidr}`,
            "Spokes get the same host number in both networks: pick an IPv6 prefix with at least as many addresses (a /64 is usual).",
            { field: "networkCIDRv6" });
    const keys = generateKeyPair();
    const { hub, removedSpokes } = await ctx.db.writeTx(async t => {
        const existing = await ctx.db.models.Hub.findByPk(1, { transaction: t });
        if (existing && !force)
            throw new HubError("HUB_ALREADY_INITIALIZED", "The hub is already initialised",
                "Change endpoints and DNS with PUT /api/hub/config. To start over with a new key and network, send force: true; every spoke must then re-enroll.");
        let removed = 0;
        if (existing) {
            removed = await ctx.db.models.Spoke.count({ transaction: t });
            await ctx.db.models.Token.destroy({ where: {}, transaction: t });
            await ctx.db.models.Allocation.destroy({ where: {}, transaction: t });
            await ctx.db.models.Spoke.destroy({ where: {}, transaction: t });
            await existing.destroy({ transaction: t });
        }
        const now = ctx.now();
        const row = await ctx.db.models.Hub.create({
            id: 1,
            networkCIDR: settings.network.cidr,
            networkCIDRv6: settings.network6?.cidr ?? null,
            interfaceAddress: `${addressAt(settings.network, 1)}/${settings.network.prefix}`,
            interfaceAddressV6: settings.network6 ? `${addressAt(settings.network6, 1)}/${settings.network6.prefix}` : null,
            listenPort: settings.listenPort,
            publicKey: keys.publicKey,
            publicEndpoint: settings.publicEndpoint,
            privateEndpoint: settings.privateEndpoint,
            dns: JSON.stringify(settings.dns),
            generation: (existing?.generation ?? 0) + 1,
            createdAt: now,
            updatedAt: now,
        }, { transaction: t });
        // The key file is written before commit: a crash between leaves a key without a hub
        // row (harmless, replaced next time), never a hub row without its key.
        writeFileAtomic(privateKeyFile(ctx), keys.privateKey + "\n", 0o600);
        afterCommit(t, () => forgetHub(ctx));
        await record(ctx, t, actor, existing ? "hub.reinitialized" : "hub.initialized", settings.network.cidr,
            { listenPort: settings.listenPort, publicEndpoint: settings.publicEndpoint, removedSpokes: removed });
        return { hub: row, removedSpokes: removed };
    });
    ctx.live.update([], ctx.now());
    ctx.desired.invalidate();
    await ctx.addresses.load(hub);
    await ctx.refreshTls();
    peersChanged(ctx, "hub initialised");
    ctx.log.info(removedSpokes ? "hub re-initialised; previous spokes removed and must re-enroll" : "hub initialised",
        { network: hub.networkCIDR, listenPort: hub.listenPort, removedSpokes });
    return { hub, removedSpokes };
}

export interface HubConfigUpdate {
    publicEndpoint?: string;
    privateEndpoint?: string | null;
    dns?: string[];
}

export async function updateConfig(ctx: HubContext, update: HubConfigUpdate, actor: Actor): Promise<HubRow> {
    const hub = await ctx.db.writeTx(async t => {
        const row = await ctx.db.models.Hub.findByPk(1, { transaction: t });
        if (!row) throw new HubError("HUB_NOT_INITIALIZED", "The hub is not initialised yet", "Run the setup wizard first.");
        if (update.publicEndpoint !== undefined) row.publicEndpoint = update.publicEndpoint;
        if (update.privateEndpoint !== undefined) row.privateEndpoint = update.privateEndpoint;
        if (update.dns !== undefined) row.dns = JSON.stringify(update.dns);
        row.updatedAt = ctx.now();
        await row.save({ transaction: t });
        afterCommit(t, () => forgetHub(ctx));
        await record(ctx, t, actor, "hub.config_changed", null, { ...update });
        return row;
    });
    await ctx.refreshTls();
    return hub;
}

export function readPrivateKey(ctx: HubContext): string | null {
    try {
        return fs.readFileSync(privateKeyFile(ctx), "utf8").trim();
    } catch {
        return null;
    }
}
