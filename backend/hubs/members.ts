// The hubs sharing one PostgreSQL database: the first one (initialised as a single hub is)
// takes its row at start; each further hub joins with its own key pair and a tunnel address
// from the shared pool. The network's settings (its CIDRs, DNS, keepalive) stay in the one
// hub row; a hub's own identity (key, tunnel address, endpoints) is its member row.
import crypto from "node:crypto";
import type { Transaction } from "sequelize";
import type { Actor, HubContext } from "../context";
import { tables, type HubRow } from "../db/models";
import { afterCommit, onRollback } from "../db/connect";
import { HubError } from "../errors";
import { record } from "../audit/audit";
import { generateKeyPair } from "../wireguard/keys";
import { dropStagedFiles, installStagedFiles, privateKeyFile, publicUrl, readPrivateKey, requireHub, stageFile } from "../hub/hub";
import { publicKeyOf } from "../wireguard/keys";
import type { HubMember } from "../contract/api";
import type { Member } from "./mesh";
import { ordinalOf, parseCidr } from "../ipam/cidr";

export interface JoinInput {
    publicEndpoint: string;
    privateEndpoint: string | null;
    listenPort: number | null;
}

/** What a member row says of a hub's identity, in the hub row's terms. */
export function identityOf(m: Member): Pick<HubRow, "publicKey" | "interfaceAddress" | "interfaceAddressV6" | "listenPort" | "publicEndpoint" | "privateEndpoint"> {
    return {
        publicKey: m.publicKey, interfaceAddress: m.interfaceAddress, interfaceAddressV6: m.interfaceAddressV6,
        listenPort: m.listenPort, publicEndpoint: m.publicEndpoint, privateEndpoint: m.privateEndpoint,
    };
}

/** The first hub's row, written with the hub row it mirrors (at initialisation, or at the first start on PostgreSQL). */
export async function writeFounder(ctx: HubContext, t: Transaction, hub: HubRow): Promise<void> {
    const network = parseCidr(hub.networkCIDR)!;
    const now = ctx.now();
    await ctx.db.models.Member.create({
        name: ctx.config.hubName, publicKey: hub.publicKey, ordinal: ordinalOf(network, hub.interfaceAddress.split("/")[0]),
        interfaceAddress: hub.interfaceAddress, interfaceAddressV6: hub.interfaceAddressV6, listenPort: hub.listenPort,
        publicEndpoint: hub.publicEndpoint, privateEndpoint: hub.privateEndpoint, publicUrl: publicUrl(ctx, hub),
        heartbeatAt: now, createdAt: now, updatedAt: now,
    }, { transaction: t });
    // Spokes made before there was a hub row are this hub's.
    await ctx.db.models.Spoke.update({ hubName: ctx.config.hubName }, { where: { hubName: null }, transaction: t, silent: true });
}

/**
 * At start on PostgreSQL: a hub initialised before hubs had rows takes its own (it holds the
 * hub row's key); a hub whose name is taken by another key stops with a clear message.
 */
export async function claimOwnRow(ctx: HubContext): Promise<void> {
    const mesh = ctx.mesh;
    if (!mesh) return;
    await mesh.load();
    const hub = await ctx.db.models.Hub.findByPk(1);
    const key = readPrivateKey(ctx);
    const mine = mesh.self();
    if (mine) {
        if (key && publicKeyOf(key) !== mine.publicKey)
            throw new Error(`WGHUB_HUB_NAME=${ctx.config.hubName} names another hub of this database (its key is not ${privateKeyFile(ctx)}): give this hub its own name`);
        return;
    }
    if (!hub || !key || publicKeyOf(key) !== hub.publicKey) return;
    const other = mesh.all().find(m => m.publicKey === hub.publicKey);
    if (other) throw new Error(`this hub's key belongs to the hub named ${other.name} in the database: set WGHUB_HUB_NAME=${other.name}`);
    await ctx.db.writeTx(t => writeFounder(ctx, t, hub));
    await mesh.load();
}

/**
 * Joins the network another hub initialised in this PostgreSQL database: a key pair made here
 * (the private key never leaves this machine), a tunnel address from the one pool.
 */
export async function joinNetwork(ctx: HubContext, input: JoinInput, actor: Actor): Promise<Member> {
    const mesh = ctx.mesh;
    if (!mesh)
        throw new HubError("JOIN_NEEDS_POSTGRESQL", "Joining other hubs needs a shared PostgreSQL database; this hub keeps its data in SQLite",
            "Hubs share their spokes, tokens and addresses through one database: set WGHUB_DATABASE_URL=postgres://… on every hub (docs/multi-hub.md), then join.");
    const network = await ctx.db.models.Hub.findByPk(1);
    if (!network)
        throw new HubError("HUB_NOT_INITIALIZED", "No hub in this database has been set up yet",
            "Initialise the first hub (setup wizard or POST /api/hub/initialize); the others then join it.");
    await mesh.load();
    if (mesh.self())
        throw new HubError("HUB_ALREADY_JOINED", `This hub is already ${ctx.config.hubName} in the network`, "Nothing to do; see wireguard-hub hub list.");
    // A hub that has not joined yet keeps no address pool (nothing of the network is its own).
    await ctx.addresses.load(network);
    const keys = generateKeyPair();
    const listenPort = input.listenPort ?? network.listenPort;
    const member = await ctx.db.writeTx(async t => {
        const { ordinal, address, addressV6 } = await ctx.addresses.allocate(t, crypto.randomUUID(), null);
        const prefix = (cidr: string) => cidr.split("/")[1];
        const now = ctx.now();
        const row = await ctx.db.models.Member.create({
            name: ctx.config.hubName, publicKey: keys.publicKey, ordinal,
            interfaceAddress: `${address}/${prefix(network.networkCIDR)}`,
            interfaceAddressV6: addressV6 && network.networkCIDRv6 ? `${addressV6}/${prefix(network.networkCIDRv6)}` : null,
            listenPort, publicEndpoint: input.publicEndpoint, privateEndpoint: input.privateEndpoint,
            publicUrl: null, heartbeatAt: now, createdAt: now, updatedAt: now,
        }, { transaction: t }).catch((err: unknown) => {
            if ((err as Error).name === "SequelizeUniqueConstraintError")
                throw new HubError("HUB_ALREADY_JOINED", `A hub named ${ctx.config.hubName} is already in the network`,
                    "Give this hub its own name (WGHUB_HUB_NAME in /etc/wireguard-hub/hub.env), then join again.");
            throw err;
        });
        // Like an initialisation: the key takes its place only once its row has committed.
        const staged = stageFile(privateKeyFile(ctx), keys.privateKey + "\n", 0o600);
        onRollback(t, () => dropStagedFiles([staged]));
        await record(ctx, t, actor, "hub.joined", ctx.config.hubName, { address, publicEndpoint: input.publicEndpoint });
        afterCommit(t, async () => {
            installStagedFiles([staged]);
            await mesh.membersChanged();
            await ctx.refreshTls().catch(err => ctx.log.error("the enrollment certificate could not be made for the joined hub", { error: String(err) }));
            ctx.log.info("joined the hubs of this database", { hub: ctx.config.hubName, address });
        });
        return row.get({ plain: true }) as Member;
    });
    // The URL its one-liners use, now that its endpoint (and certificate) are known.
    const url = publicUrl(ctx, await requireHub(ctx));
    await ctx.db.models.Member.update({ publicUrl: url }, { where: { name: member.name } });
    return { ...member, publicUrl: url };
}

/**
 * Takes a hub out of the network for good: one that has stopped (its heartbeat no longer moves).
 * Its spokes come to this hub, its tunnel address goes back to the pool, and every hub drops
 * its peer.
 */
export async function removeMember(ctx: HubContext, name: string, actor: Actor): Promise<void> {
    const mesh = ctx.mesh;
    const member = mesh?.member(name);
    if (!mesh || !member) throw new HubError("HUB_MEMBER_NOT_FOUND", `No hub named ${name} in this network`, "See the hubs with wireguard-hub hub list.");
    if (name === mesh.selfName)
        throw new HubError("HUB_STILL_RUNNING", "A hub cannot remove itself", "Stop this hub's service, then remove it from another hub.");
    if (mesh.healthy(name))
        throw new HubError("HUB_STILL_RUNNING", `The hub ${name} is running (its heartbeat moves)`,
            "Stop its service first (systemctl stop wireguard-hub on it); once the others see it down, remove it.");
    await ctx.db.writeTx(async t => {
        const [moved] = await ctx.db.models.Spoke.update({ hubName: mesh.selfName, updatedAt: ctx.now() }, { where: { hubName: name }, transaction: t });
        await ctx.db.models.Allocation.destroy({ where: { ordinal: member.ordinal }, transaction: t });
        await ctx.db.models.Member.destroy({ where: { name }, transaction: t });
        await record(ctx, t, actor, "hub.removed", name, { address: member.interfaceAddress, spokesMoved: moved });
        afterCommit(t, async () => {
            await ctx.addresses.load(await ctx.db.models.Hub.findByPk(1));
            ctx.desired.invalidate();
            await mesh.membersChanged();
        });
    });
}

const spokesPerHub = `SELECT "hubName", COUNT(*) AS spokes FROM ${tables.spokes} GROUP BY "hubName"`;

export async function memberViews(ctx: HubContext): Promise<{ shared: boolean; hubs: HubMember[] }> {
    const mesh = ctx.mesh;
    const rows = await ctx.db.sql.rows<{ hubName: string | null; spokes: number | string }>(spokesPerHub, []);
    const counts = new Map(rows.map(r => [r.hubName, Number(r.spokes)]));
    if (!mesh || !mesh.all().length) {
        const hub = await requireHub(ctx);
        return {
            shared: Boolean(mesh),
            hubs: [{
                name: ctx.config.hubName, publicKey: hub.publicKey, address: hub.interfaceAddress.split("/")[0],
                addressV6: hub.interfaceAddressV6?.split("/")[0] ?? null, listenPort: hub.listenPort, publicEndpoint: hub.publicEndpoint,
                privateEndpoint: hub.privateEndpoint, healthy: true, lastHeartbeat: null,
                spokes: [...counts.values()].reduce((a, b) => a + b, 0), self: true,
            }],
        };
    }
    const now = Date.now();
    return {
        shared: true,
        hubs: mesh.all().map(m => ({
            name: m.name, publicKey: m.publicKey, address: m.interfaceAddress.split("/")[0],
            addressV6: m.interfaceAddressV6?.split("/")[0] ?? null, listenPort: m.listenPort, publicEndpoint: m.publicEndpoint,
            privateEndpoint: m.privateEndpoint, healthy: mesh.healthy(m.name, now), lastHeartbeat: m.heartbeatAt ? new Date(m.heartbeatAt).toISOString() : null,
            spokes: counts.get(m.name) ?? 0, self: m.name === mesh.selfName,
        })),
    };
}
