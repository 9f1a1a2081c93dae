// Managed spokes: what an admin changes on a spoke after its enrollment, and what its agent
// (inside the tunnel) reads and reports. The agent's side is reached only through
// agent/agentApp.ts, which has already tied the request to one spoke.
import { peersChanged, type Actor, type HubContext } from "../context";
import { tables, type SpokeRow } from "../db/models";
import { HubError } from "../errors";
import { record } from "../audit/audit";
import { checkSubnets, checkSubnetsFree } from "../tokens/tokens";
import type { Network } from "../ipam/cidr";
import { columnList, isUniqueViolation } from "../db/sql";
import { afterCommit } from "../db/connect";
import { loadHub, requireHub } from "../hub/hub";
import { findSpoke, removeSpoke } from "./spokes";
import type { AgentSpoke } from "./agentConfig";

export type { AgentSpoke };
import { desiredPeerOf } from "./desired";
import type { AgentAction, AgentReport } from "../agent/protocol";

export interface SpokeChanges {
    name?: string;
    datacenter?: string | null;
    subnets?: Network[];
}

/** Renames a spoke, moves it to a datacenter, or changes the subnets it routes (then every spoke learns the new routes). */
export async function updateSpoke(ctx: HubContext, id: string, changes: SpokeChanges, actor: Actor): Promise<SpokeRow> {
    if (changes.subnets) checkSubnets(ctx, await requireHub(ctx), changes.subnets);
    let routesChanged = false;
    const spoke = await ctx.db.writeTx(async t => {
        const row = await findSpoke(ctx, id, t);
        const update: Partial<SpokeRow> = {};
        if (changes.name !== undefined && changes.name !== row.name) update.name = changes.name;
        if (changes.datacenter !== undefined && changes.datacenter !== row.datacenter) update.datacenter = changes.datacenter;
        if (changes.subnets) {
            await checkSubnetsFree(ctx, t, changes.subnets, id);
            const subnets = JSON.stringify(changes.subnets.map(s => s.cidr));
            if (subnets !== row.subnets) update.subnets = subnets;
        }
        if (!Object.keys(update).length) return row;
        await row.update({ ...update, updatedAt: ctx.now() }, { transaction: t });
        if (update.subnets !== undefined) {
            routesChanged = true;
            if (row.enabled) ctx.desired.onCommit(t, id, desiredPeerOf(row));
        }
        await record(ctx, t, actor, "spoke.updated", row.name, { spokeId: id, changed: Object.keys(update) });
        return row;
    });
    if (routesChanged) peersChanged(ctx, "spoke subnets changed");
    return spoke;
}

/** Leaves an action for the spoke's agent; it acts at its next cycle. */
export async function requestAgentAction(ctx: HubContext, id: string, action: AgentAction, actor: Actor): Promise<SpokeRow> {
    return ctx.db.writeTx(async t => {
        const row = await findSpoke(ctx, id, t);
        await row.update({ pendingAction: action, updatedAt: ctx.now() }, { transaction: t });
        await record(ctx, t, actor, action === "rotate-key" ? "spoke.rotate_key_requested" : "spoke.uninstall_requested", row.name, { spokeId: id });
        return row;
    });
}

const agentSpokesQuery = `SELECT ${columnList<SpokeRow>(["id", "name", "publicKey", "address", "addressV6", "pendingAction", "hubName"])}
    FROM ${tables.spokes} WHERE enabled = $1`;

/**
 * Every agent polls once a minute: at 10,000 spokes a query each would cost more than the
 * answer. The enabled spokes by tunnel address are read once per write transaction instead
 * (a write is what can change them), by one reader at a time.
 */
const agentIndexes = new WeakMap<HubContext, { writes: number; index: Promise<Map<string, AgentSpoke>> }>();

function agentIndex(ctx: HubContext): Promise<Map<string, AgentSpoke>> {
    const writes = ctx.db.writes;
    const cached = agentIndexes.get(ctx);
    if (cached && cached.writes === writes) return cached.index;
    const index = ctx.db.sql.rows<AgentSpoke>(agentSpokesQuery, [true]).then(rows => {
        const byAddress = new Map<string, AgentSpoke>();
        for (const r of rows) {
            byAddress.set(r.address, r);
            if (r.addressV6) byAddress.set(r.addressV6, r);
        }
        return byAddress;
    });
    agentIndexes.set(ctx, { writes, index });
    index.catch(() => agentIndexes.delete(ctx));
    return index;
}

/** The enabled spoke whose tunnel address a request came from, if its key is the one it sent. */
export async function spokeOfAgent(ctx: HubContext, address: string, publicKey: string): Promise<AgentSpoke> {
    const row = (await agentIndex(ctx)).get(address);
    if (!row || row.publicKey !== publicKey)
        throw new HubError("NOT_THIS_SPOKE", "No spoke has this tunnel address and this public key", "Only a spoke's own agent, through its own tunnel, is answered.");
    return row;
}

/** Agents seen since the last flush: one write a minute for all of them, not one per request. */
const seenBatches = new WeakMap<HubContext, Set<string>>();
const seenFlushMs = 60_000;

/** The agent asked for its config: remembered, and written with the others within a minute. */
export function agentSeen(ctx: HubContext, spoke: AgentSpoke): void {
    let batch = seenBatches.get(ctx);
    if (!batch) {
        const ids = batch = new Set<string>();
        seenBatches.set(ctx, ids);
        setTimeout(() => {
            seenBatches.delete(ctx);
            flushSeen(ctx, [...ids]).catch(err => ctx.log.warn("could not store when agents were last seen", { error: String(err) }));
        }, seenFlushMs).unref();
    }
    batch.add(spoke.id);
}

async function flushSeen(ctx: HubContext, ids: string[]): Promise<void> {
    const now = ctx.now();
    await ctx.db.writeTx(async t => {
        for (let i = 0; i < ids.length; i += 500)
            await ctx.db.models.Spoke.update({ agentLastSeen: now }, { where: { id: ids.slice(i, i + 500) }, transaction: t, silent: true });
    });
}

export async function saveAgentReport(ctx: HubContext, spoke: AgentSpoke, report: AgentReport): Promise<void> {
    await ctx.db.writeTx(async t => {
        await ctx.db.models.Spoke.update({
            agentVersion: report.version,
            agentReport: JSON.stringify({ os: report.os, kernel: report.kernel, wireguard: report.wireguard, result: report.result, revision: report.revision }),
            agentLastSeen: ctx.now(),
        }, { where: { id: spoke.id }, transaction: t, silent: true });
    });
}

/** The agent made a new key pair for a rotation the admin asked for: the hub's peer takes the new key. */
export async function rotatedByAgent(ctx: HubContext, spoke: AgentSpoke, publicKey: string): Promise<void> {
    if (spoke.pendingAction !== "rotate-key")
        throw new HubError("NO_ACTION_PENDING", "No key rotation was asked for this spoke", "An admin starts one with POST /api/spoke/:id/rotate-key.");
    if ((await loadHub(ctx))?.publicKey === publicKey) throw new HubError("PUBLIC_KEY_IN_USE", "This public key is the hub's own key", "Make a new key pair.");
    try {
        await ctx.db.writeTx(async t => {
            const row = await findSpoke(ctx, spoke.id, t);
            const oldKey = row.publicKey;
            await row.update({ publicKey, pendingAction: null, updatedAt: ctx.now() }, { transaction: t });
            if (row.enabled) ctx.desired.onCommit(t, row.id, desiredPeerOf(row));
            afterCommit(t, () => ctx.live.forget(oldKey));
            await record(ctx, t, { name: "agent", source: row.address }, "spoke.key_rotated", row.name, { spokeId: row.id, oldKey, newKey: publicKey });
        });
    } catch (err) {
        if (isUniqueViolation(err)) throw new HubError("PUBLIC_KEY_IN_USE", "Another spoke already uses this public key", "Make a new key pair.");
        throw err;
    }
}

/** The agent may go: it confirms an uninstall the admin asked for, just before it takes its tunnel down. */
export function assertUninstallPending(spoke: AgentSpoke): void {
    if (spoke.pendingAction !== "uninstall")
        throw new HubError("NO_ACTION_PENDING", "No uninstall was asked for this spoke", "An admin starts one with POST /api/spoke/:id/uninstall.");
}

/** After the agent's confirmation has left: the spoke is removed like DELETE /api/spoke/:id. */
export async function removeUninstalled(ctx: HubContext, spoke: AgentSpoke): Promise<void> {
    await removeSpoke(ctx, spoke.id, { name: "agent", source: spoke.address });
}
