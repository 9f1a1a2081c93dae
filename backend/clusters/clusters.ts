// Proxmox VE clusters, made from what registering nodes report; the admin places them in
// datacenters. A standalone node is a cluster of one.
import crypto from "node:crypto";
import type { Transaction } from "sequelize";
import type { HubContext, Actor } from "../context";
import type { ClusterRow } from "../db/models";
import { HubError } from "../errors";
import { record } from "../audit/audit";
import { stateOf } from "../spokes/live";

export async function upsertCluster(ctx: HubContext, t: Transaction, clusterName: string, datacenter: string | null): Promise<ClusterRow> {
    const existing = await ctx.db.models.Cluster.findOne({ where: { clusterName }, transaction: t });
    if (existing) {
        // Conditional: of two nodes registering at once, the first one's datacenter stays.
        if (!existing.datacenter && datacenter)
            await ctx.db.models.Cluster.update({ datacenter }, { where: { id: existing.id, datacenter: null }, transaction: t });
        return existing;
    }
    const now = ctx.now();
    return ctx.db.models.Cluster.create({
        id: crypto.randomUUID(), clusterName, datacenter, description: null, createdAt: now, updatedAt: now,
    }, { transaction: t });
}

/** The node names of a cluster that are spokes of this hub already. */
export async function enrolledNodeNames(ctx: HubContext, clusterName: string): Promise<string[]> {
    const cluster = await ctx.db.models.Cluster.findOne({ where: { clusterName }, attributes: ["id"] });
    if (!cluster) return [];
    const nodes = await ctx.db.models.Spoke.findAll({ where: { proxmoxClusterId: cluster.id }, attributes: ["proxmoxNodeName"], raw: true });
    return nodes.map(n => n.proxmoxNodeName).filter((n): n is string => !!n).sort();
}

export interface ClusterNodeView {
    id: string;
    name: string;
    nodeName: string | null;
    address: string;
    proxmoxVersion: string | null;
    status: string;
    lastHandshake: string | null;
}

export interface ClusterView {
    id: string;
    clusterName: string;
    datacenter: string | null;
    description: string | null;
    nodeCount: number;
    onlineCount: number;
    nodes: ClusterNodeView[];
}

export async function listClusters(ctx: HubContext): Promise<ClusterView[]> {
    const [clusters, nodes] = await Promise.all([
        ctx.db.models.Cluster.findAll({ order: [["clusterName", "ASC"]], raw: true }),
        ctx.db.models.Spoke.findAll({
            where: { isProxmox: true },
            attributes: ["id", "name", "proxmoxNodeName", "address", "proxmoxVersion", "proxmoxClusterId", "enabled", "lastHandshake", "publicKey"],
            order: [["proxmoxNodeName", "ASC"]],
            raw: true,
        }),
    ]);
    const now = ctx.now().getTime();
    const byCluster = new Map<string, ClusterNodeView[]>();
    for (const n of nodes) {
        if (!n.proxmoxClusterId) continue;
        const live = ctx.live.get(n.publicKey);
        const handshake = live?.latestHandshakeMs || (n.lastHandshake ? new Date(n.lastHandshake).getTime() : null);
        const list = byCluster.get(n.proxmoxClusterId) ?? [];
        list.push({
            id: n.id, name: n.name, nodeName: n.proxmoxNodeName, address: n.address, proxmoxVersion: n.proxmoxVersion,
            status: stateOf(Boolean(n.enabled), handshake, now),
            lastHandshake: handshake ? new Date(handshake).toISOString() : null,
        });
        byCluster.set(n.proxmoxClusterId, list);
    }
    return clusters.map(c => {
        const list = byCluster.get(c.id) ?? [];
        return {
            id: c.id, clusterName: c.clusterName, datacenter: c.datacenter, description: c.description,
            nodeCount: list.length, onlineCount: list.filter(n => n.status === "online").length, nodes: list,
        };
    });
}

export async function updateCluster(ctx: HubContext, id: string, change: { datacenter?: string | null; description?: string | null }, actor: Actor): Promise<void> {
    await ctx.db.writeTx(async t => {
        const row = await ctx.db.models.Cluster.findByPk(id, { transaction: t });
        if (!row) throw new HubError("CLUSTER_NOT_FOUND", "No Proxmox cluster with this id", "Reload the cluster list.");
        await row.update({ ...change, updatedAt: ctx.now() }, { transaction: t });
        await record(ctx, t, actor, "cluster.updated", row.clusterName, change);
    });
}
