// Spokes: registration with a token, removal, disable/enable, and what WireGuard
// should hold for them.
import crypto from "node:crypto";
import type { Transaction } from "sequelize";
import { Op } from "sequelize";
import type { HubContext, Actor } from "../context";
import { peersChanged } from "../context";
import { tables, type SpokeRow } from "../db/models";
import { afterCommit } from "../db/connect";
import { HubError } from "../errors";
import { record } from "../audit/audit";
import { upsertCluster } from "../clusters/clusters";
import { checkedPrivateKeyFile, hubNamed, loadHub, parseDns, requireHub } from "../hub/hub";
import { assertUsable, findToken, findTokenById, type TokenFacts } from "../tokens/tokens";
import { insertInto, isUniqueViolation } from "../db/sql";
import type { DesiredState, PeerStatus } from "../wireguard/types";
import { platforms, type Platform } from "../scripts/render";
import { desiredPeerOf } from "./desired";

// A spoke's OS is the platform its install script was made for.
export type SpokeOs = Platform;
export const spokeOses: readonly SpokeOs[] = platforms;

export interface Registration {
    token: string;
    publicKey: string;
    os: SpokeOs;
    hostname: string | null;
    isProxmox: boolean;
    proxmoxNodeName: string | null;
    proxmoxClusterName: string | null;
    proxmoxVersion: string | null;
    proxmoxClusterNodes: string[];
    metadata: Record<string, string>;
}

export interface SpokeConfig {
    addresses: string[];
    hubPublicKey: string;
    publicEndpoint: string;
    privateEndpoint: string | null;
    /** What the spoke routes into the tunnel: the hub's network(s) and other spokes' subnets. */
    allowedIPs: string[];
    dns: string[];
    persistentKeepalive: number;
    hubAddress: string;
    /** Every hub of the network (the spoke's own first), when there are several; [] or absent with one. */
    hubs?: HubPeerConfig[];
}

/** A hub as a spoke's peer: the spoke keeps one per hub and routes the network through its own hub's. */
export interface HubPeerConfig {
    name: string;
    publicKey: string;
    address: string;
    endpoint: string;
}

/** The spoke side's AllowedIPs for the hub peer. */
async function spokeRoutes(ctx: HubContext, exceptSpokeId: string): Promise<string[]> {
    const hub = await requireHub(ctx);
    const routes = [hub.networkCIDR, ...(hub.networkCIDRv6 ? [hub.networkCIDRv6] : [])];
    return [...new Set([...routes, ...await ctx.desired.routedSubnets(exceptSpokeId)])];
}

/** A spoke's config, as its hub (`hubName`; null: this one) gives it. */
export async function spokeConfigFor(ctx: HubContext, spokeId: string, address: string, addressV6: string | null,
    hubName: string | null = null): Promise<SpokeConfig> {
    const hub = await hubNamed(ctx, hubName);
    const netPrefix = (cidr: string) => cidr.split("/")[1];
    const own = hubName ?? ctx.config.hubName;
    const members = ctx.mesh?.all() ?? [];
    return {
        addresses: [`${address}/${netPrefix(hub.networkCIDR)}`, ...(addressV6 && hub.networkCIDRv6 ? [`${addressV6}/${netPrefix(hub.networkCIDRv6)}`] : [])],
        hubPublicKey: hub.publicKey,
        publicEndpoint: hub.publicEndpoint,
        privateEndpoint: hub.privateEndpoint,
        allowedIPs: await spokeRoutes(ctx, spokeId),
        dns: parseDns(hub),
        persistentKeepalive: hub.keepalive,
        hubAddress: hub.interfaceAddress.split("/")[0],
        ...(members.length > 1 ? {
            hubs: [...members.filter(m => m.name === own), ...members.filter(m => m.name !== own)].map(m => ({
                name: m.name, publicKey: m.publicKey, address: m.interfaceAddress.split("/")[0], endpoint: m.publicEndpoint,
            })),
        } : {}),
    };
}

/** The hub a new spoke goes to: the one its token names, or this one (null with a single hub). */
function hubOfNewSpoke(ctx: HubContext, token: { hubName: string | null }): string | null {
    return token.hubName ?? (ctx.mesh ? ctx.config.hubName : null);
}

/** What a registration answers about the spoke it made (or re-enrolled). */
export type RegisteredSpoke = Pick<SpokeRow, "id" | "name" | "publicKey" | "address" | "addressV6" | "subnets" | "enabled" | "hubName">;

const insertSpoke = insertInto<SpokeRow>(tables.spokes, ["id", "name", "publicKey", "address", "addressV6", "subnets", "datacenter",
    "os", "hostname", "isProxmox", "proxmoxNodeName", "proxmoxVersion", "proxmoxClusterId", "metadata", "enabled", "registeredAt",
    "registeredFrom", "lastHandshake", "endpoint", "rxBytes", "txBytes", "hubName", "createdAt", "updatedAt"]);

// The one conditional update that consumes a token: a concurrent registration or revoke
// that got there first leaves 0 rows changed.
const consumeToken = `UPDATE installation_tokens SET state = 'used', "usedAt" = $1, "updatedAt" = $1
    WHERE id = $2 AND state = 'pending' AND "expiresAt" > $1`;

function publicKeyInUse(): HubError {
    return new HubError("PUBLIC_KEY_IN_USE", "Another spoke already uses this public key",
        "Generate a new key pair on this machine (wg genkey) and run the installer again.");
}

type Registered = { spoke: RegisteredSpoke; config: SpokeConfig; reenrolled: boolean };

function nodeNameOf(reg: Registration): string | null {
    return reg.proxmoxNodeName ?? reg.hostname;
}

/** A node outside any cluster is a cluster of one, named after the node. */
function clusterNameOf(reg: Registration): string | null {
    return reg.proxmoxClusterName ?? nodeNameOf(reg);
}

function registeredFields(reg: Registration, clusterId: string | null, source: string | null, now: Date) {
    return {
        publicKey: reg.publicKey,
        os: reg.os,
        hostname: reg.hostname,
        isProxmox: reg.isProxmox,
        proxmoxNodeName: reg.isProxmox ? nodeNameOf(reg) : null,
        proxmoxVersion: reg.proxmoxVersion,
        proxmoxClusterId: clusterId,
        metadata: JSON.stringify({ ...reg.metadata, ...(reg.proxmoxClusterNodes.length ? { clusterNodes: reg.proxmoxClusterNodes.join(",") } : {}) }),
        registeredAt: now,
        registeredFrom: source,
        updatedAt: now,
    };
}

function insertNewSpoke(ctx: HubContext, t: Transaction, spoke: RegisteredSpoke, datacenter: string | null,
    fields: ReturnType<typeof registeredFields>): Promise<number> {
    const now = fields.registeredAt;
    return ctx.db.sql.run(insertSpoke, [
        spoke.id, spoke.name, spoke.publicKey, spoke.address, spoke.addressV6, spoke.subnets, datacenter,
        fields.os, fields.hostname, fields.isProxmox, fields.proxmoxNodeName, fields.proxmoxVersion,
        fields.proxmoxClusterId, fields.metadata, true, now, fields.registeredFrom, null, null, 0, 0, spoke.hubName, now, now,
    ], t);
}

export async function register(ctx: HubContext, reg: Registration, source: string | null): Promise<Registered> {
    const hub = await requireHub(ctx);
    if (reg.publicKey === hub.publicKey)
        throw new HubError("PUBLIC_KEY_IN_USE", "This public key is the hub's own key", "Generate a new key pair on the spoke (wg genkey).");
    const actor: Actor = { name: "spoke", source };
    // Unknown and spent tokens are answered from a read, without joining the write queue.
    // What a token says (spoke id, name, address, subnets) never changes after creation, so
    // the transaction below needs only its state, which the conditional update checks.
    const token = await findToken(ctx, reg.token);
    if (token?.purpose === "cluster") return registerClusterNode(ctx, reg, token, source);
    assertUsable(token, ctx.now());
    const result = await ctx.db.writeTx(async t => {
        const now = ctx.now();
        if (!await ctx.db.sql.run(consumeToken, [now, token.id], t)) {
            assertUsable(await findTokenById(ctx, token.id, t), now);
            throw new HubError("TOKEN_ALREADY_USED", "This installation token was already used", "Ask the hub's admin for a new token.");
        }
        const clusterName = reg.isProxmox ? clusterNameOf(reg) : null;
        const cluster = clusterName ? await upsertCluster(ctx, t, clusterName, token.datacenter) : null;
        const fields = registeredFields(reg, cluster?.id ?? null, source, now);
        let spoke: RegisteredSpoke;
        const reenrolled = token.purpose === "reenroll";
        try {
            if (reenrolled) {
                const existing = await ctx.db.models.Spoke.findByPk(token.spokeId, { transaction: t });
                if (!existing) throw new HubError("SPOKE_NOT_FOUND", "The spoke this token re-enrolls was removed", "Ask the hub's admin for a new token.");
                const oldKey = existing.publicKey;
                // A re-enroll token naming a hub moves the spoke there (its one-liner writes that hub's peer).
                await existing.update({ ...fields, subnets: token.subnets, datacenter: token.datacenter, lastHandshake: null,
                    ...(token.hubName ? { hubName: token.hubName } : {}) }, { transaction: t });
                afterCommit(t, () => ctx.live.forget(oldKey));
                spoke = existing;
            } else {
                spoke = { id: token.spokeId, name: token.spokeName, publicKey: reg.publicKey, address: token.address,
                    addressV6: token.addressV6, subnets: token.subnets, enabled: true, hubName: hubOfNewSpoke(ctx, token) };
                await insertNewSpoke(ctx, t, spoke, token.datacenter, fields);
            }
        } catch (err) {
            // The unique index on spokes.publicKey is the check: no read needed before.
            if (isUniqueViolation(err)) throw publicKeyInUse();
            throw err;
        }
        if (spoke.enabled) ctx.desired.onCommit(t, spoke.id, desiredPeerOf(spoke));
        await record(ctx, t, actor, reenrolled ? "spoke.reenrolled" : "spoke.registered", spoke.name,
            { spokeId: spoke.id, tokenId: token.id, address: spoke.address, os: reg.os, cluster: clusterName });
        const config = await spokeConfigFor(ctx, spoke.id, spoke.address, spoke.addressV6, spoke.hubName);
        return { spoke, config, reenrolled };
    // Its checks are the token's conditional update and the unique indexes; its other reads
    // (the spoke it re-enrolls, the cluster) are of rows only this token's holder writes, or
    // are settled by a conditional update or a unique index as well.
    }, { pipelined: true });
    peersChanged(ctx, reg.isProxmox ? "proxmox node registered" : "spoke registered");
    return result;
}

// One use of a cluster token, taken only while uses are left and only by a node of the token's
// cluster (the first registration fixes it): concurrent registrations past maxUses change 0 rows.
const claimClusterUse = `UPDATE installation_tokens SET uses = uses + 1, "proxmoxCluster" = $3,
    state = CASE WHEN uses + 1 >= "maxUses" THEN 'used' ELSE state END,
    "usedAt" = CASE WHEN uses + 1 >= "maxUses" THEN $1 ELSE "usedAt" END, "updatedAt" = $1
    WHERE id = $2 AND purpose = 'cluster' AND state = 'pending' AND "expiresAt" > $1 AND uses < "maxUses"
    AND ("proxmoxCluster" IS NULL OR "proxmoxCluster" = $3)`;

/** Why a cluster token's use is refused (null: it is not). */
function clusterUseRefusal(row: TokenFacts | null, clusterName: string, now: Date): HubError | null {
    if (row && row.uses >= row.maxUses)
        return new HubError("TOKEN_USES_EXHAUSTED", `This cluster token has enrolled all the ${row.maxUses} nodes it was made for`,
            "Make a new cluster token for the nodes still missing (\"Add nodes\" on the cluster in the hub's page).");
    assertUsable(row, now);
    if (row.proxmoxCluster && row.proxmoxCluster !== clusterName)
        return new HubError("TOKEN_OTHER_CLUSTER", `This token is for the Proxmox VE cluster ${row.proxmoxCluster}; this node is in ${clusterName}`,
            "Run the command on a node of that cluster, or make a cluster token for this one.");
    return null;
}

function alreadyEnrolled(nodeName: string, clusterName: string): HubError {
    return new HubError("NODE_ALREADY_ENROLLED", `The node ${nodeName} of ${clusterName} is already a spoke of this hub`,
        "Nothing to do for it. To give it a new key or reinstall it, re-enroll it from its row in the hub's page.");
}

/**
 * A Proxmox VE node registering with a cluster token: one use, a spoke of its own named after
 * the node, with an address allocated now. The use, the address and the spoke are one
 * transaction: a refused or failed registration gives its use back.
 */
async function registerClusterNode(ctx: HubContext, reg: Registration, token: TokenFacts, source: string | null): Promise<Registered> {
    const nodeName = nodeNameOf(reg);
    if (!reg.isProxmox || !nodeName)
        throw new HubError("VALIDATION_FAILED", "A cluster token enrolls Proxmox VE nodes only",
            "Run the Proxmox VE command this token came with on a node of the cluster.", { field: "isProxmox" });
    const clusterName = clusterNameOf(reg)!;
    // Spent, expired and other clusters' tokens are answered from the read, without a write turn.
    const refused = clusterUseRefusal(token, clusterName, ctx.now());
    if (refused) throw refused;
    const actor: Actor = { name: "spoke", source };
    const result = await ctx.db.writeTx(async t => {
        const now = ctx.now();
        if (!await ctx.db.sql.run(claimClusterUse, [now, token.id, clusterName], t))
            throw clusterUseRefusal(await findTokenById(ctx, token.id, t), clusterName, now)
                ?? new HubError("TOKEN_ALREADY_USED", "This installation token was already used", "Ask the hub's admin for a new token.");
        const cluster = await upsertCluster(ctx, t, clusterName, token.datacenter);
        const enrolled = await ctx.db.models.Spoke.findOne({ where: { proxmoxClusterId: cluster.id, proxmoxNodeName: nodeName }, attributes: ["id"], transaction: t });
        if (enrolled) throw alreadyEnrolled(nodeName, clusterName);
        const id = crypto.randomUUID();
        const { address, addressV6 } = await ctx.addresses.allocate(t, id, null);
        const spoke: RegisteredSpoke = { id, name: nodeName, publicKey: reg.publicKey, address, addressV6, subnets: "[]", enabled: true,
            hubName: hubOfNewSpoke(ctx, token) };
        // The unique indexes are the checks against a concurrent registration of the same node or key.
        await ctx.db.models.TokenUse.create({ tokenId: token.id, nodeName, spokeId: id, createdAt: now }, { transaction: t })
            .catch((err: unknown) => { throw isUniqueViolation(err) ? alreadyEnrolled(nodeName, clusterName) : err; });
        await insertNewSpoke(ctx, t, spoke, token.datacenter, registeredFields(reg, cluster.id, source, now))
            .catch((err: unknown) => { throw isUniqueViolation(err) ? publicKeyInUse() : err; });
        ctx.desired.onCommit(t, spoke.id, desiredPeerOf(spoke));
        await record(ctx, t, actor, "spoke.registered", spoke.name,
            { spokeId: spoke.id, tokenId: token.id, address, os: reg.os, cluster: clusterName });
        const config = await spokeConfigFor(ctx, spoke.id, spoke.address, spoke.addressV6, spoke.hubName);
        return { spoke, config, reenrolled: false };
    });
    peersChanged(ctx, "proxmox node registered");
    return result;
}

export async function findSpoke(ctx: HubContext, id: string, t?: Transaction): Promise<SpokeRow> {
    const spoke = await ctx.db.models.Spoke.findByPk(id, { transaction: t });
    if (!spoke) throw new HubError("SPOKE_NOT_FOUND", "No spoke with this id", "Reload the spoke list; it may have been removed.");
    return spoke;
}

export async function removeSpoke(ctx: HubContext, id: string, actor: Actor): Promise<SpokeRow> {
    const spoke = await ctx.db.writeTx(async t => {
        const row = await findSpoke(ctx, id, t);
        await ctx.db.models.Token.update({ state: "revoked", revokedAt: ctx.now() },
            { where: { spokeId: id, state: "pending" }, transaction: t });
        await ctx.addresses.release(t, id);
        await row.destroy({ transaction: t });
        ctx.desired.onCommit(t, id, null);
        await record(ctx, t, actor, "spoke.removed", row.name, { spokeId: id, address: row.address });
        return row;
    });
    ctx.live.forget(spoke.publicKey);
    peersChanged(ctx, "spoke removed");
    return spoke;
}

export async function setEnabled(ctx: HubContext, id: string, enabled: boolean, actor: Actor): Promise<SpokeRow> {
    const spoke = await ctx.db.writeTx(async t => {
        const row = await findSpoke(ctx, id, t);
        if (row.enabled === enabled) return row;
        await row.update({ enabled, updatedAt: ctx.now() }, { transaction: t });
        ctx.desired.onCommit(t, id, enabled ? desiredPeerOf(row) : null);
        await record(ctx, t, actor, enabled ? "spoke.enabled" : "spoke.disabled", row.name, { spokeId: id });
        return row;
    });
    peersChanged(ctx, enabled ? "spoke enabled" : "spoke disabled");
    return spoke;
}

/** What wg0 should hold: the hub, and every enabled spoke with its own addresses and subnets (`withPeers`). */
export async function desiredState(ctx: HubContext, withPeers = true): Promise<DesiredState | null> {
    const hub = await loadHub(ctx);
    if (!hub) return null;
    return {
        iface: {
            name: ctx.config.interfaceName,
            privateKeyFile: checkedPrivateKeyFile(ctx, hub),
            listenPort: hub.listenPort,
            addresses: [hub.interfaceAddress, ...(hub.interfaceAddressV6 ? [hub.interfaceAddressV6] : [])],
        },
        peers: withPeers ? await ctx.desired.list() : [],
        hubPeers: withPeers ? ctx.desired.hubPeers() : [],
        routes: withPeers ? await ctx.desired.routedSubnets("") : [],
    };
}

const persistHandshakeEveryMs = 5 * 60_000;
const sharedPersistHandshakeEveryMs = 60_000;

/** Stores what a scheduled run saw: live figures in memory, handshakes to the database now and then. */
export async function saveStatus(ctx: HubContext, peers: PeerStatus[], at: Date): Promise<void> {
    const moved = ctx.live.update(peers, at);
    ctx.traffic.add(peers, at);
    if (!moved.length) return;
    const keys = moved.map(p => p.publicKey);
    const stored = await ctx.db.models.Spoke.findAll({
        where: { publicKey: { [Op.in]: keys } }, attributes: ["id", "publicKey", "lastHandshake", "endpoint"], raw: true,
    });
    const byKey = new Map(moved.map(p => [p.publicKey, p]));
    // Other hubs show this hub's spokes from the database: each new handshake (every 2 min) goes there.
    const persistEvery = ctx.mesh?.others().length ? sharedPersistHandshakeEveryMs : persistHandshakeEveryMs;
    const due = stored.filter(s => {
        const p = byKey.get(s.publicKey)!;
        const before = s.lastHandshake ? new Date(s.lastHandshake).getTime() : 0;
        return p.latestHandshake * 1000 - before >= persistEvery || s.endpoint !== p.endpoint;
    });
    if (!due.length) return;
    await ctx.db.writeTx(async t => {
        for (const s of due) {
            const p = byKey.get(s.publicKey)!;
            await ctx.db.models.Spoke.update({ lastHandshake: new Date(p.latestHandshake * 1000), endpoint: p.endpoint },
                { where: { id: s.id }, transaction: t, silent: true });
        }
    });
}
