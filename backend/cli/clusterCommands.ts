// wireguard-hub cluster list | set, audit
import type { Command } from "commander";
import { ApiError } from "./client";
import { isFullId, pickOne } from "./resolve";
import type { AuditEvent, Cluster, ClusterRequest, Message } from "../contract/api";
import { printJson, type CliContext } from "./output";
import { shortId, table, when } from "./table";

function nodeNames(cluster: Cluster): string | null {
    return cluster.nodes.map(n => n.nodeName ?? n.name).join(", ") || null;
}

async function listClusters(ctx: CliContext): Promise<Cluster[]> {
    return (await ctx.client().call<{ clusters: Cluster[] }>("GET", "/api/proxmox/clusters")).clusters;
}

export function registerClusterCommands(program: Command, ctx: () => CliContext): void {
    const cluster = program.command("cluster").description("Proxmox VE clusters seen by the hub");
    cluster
        .command("list")
        .description("list Proxmox VE clusters and their nodes")
        .action(async () => {
            const c = ctx();
            const clusters = await listClusters(c);
            if (c.json) return printJson(c, { clusters });
            if (!clusters.length) return c.print("No Proxmox VE clusters yet: they appear when a node enrolls with the proxmox script.");
            c.print(table(["ID", "CLUSTER", "DATACENTER", "ONLINE", "NODES"], clusters.map(cl => [
                shortId(cl.id),
                cl.clusterName,
                cl.datacenter,
                `${cl.onlineCount}/${cl.nodeCount}`,
                nodeNames(cl),
            ])));
        });

    cluster
        .command("set")
        .description("place a cluster in a datacenter, or describe it")
        .argument("<cluster>", "cluster name, id or id prefix")
        .option("--datacenter <name>", "the datacenter (\"\" for none)")
        .option("--description <text>", "a note (\"\" for none)")
        .action(async (ref: string, opts: { datacenter?: string; description?: string }) => {
            const c = ctx();
            const body: ClusterRequest = {};
            if (opts.datacenter !== undefined) body.datacenter = opts.datacenter || null;
            if (opts.description !== undefined) body.description = opts.description || null;
            if (!Object.keys(body).length)
                throw new ApiError(400, "nothing to change", "VALIDATION_FAILED", "give --datacenter or --description");
            const id = isFullId(ref) ? ref : pickOne(await listClusters(c), ref, "cluster", "clusterName");
            const answer = await c.client().call<Message>("PUT", `/api/proxmox/clusters/${encodeURIComponent(id)}`, body);
            if (c.json) return printJson(c, answer);
            c.print(`${answer.message}: ${id}`);
        });

    program
        .command("audit")
        .description("who did what, newest first")
        .option("--limit <n>", "how many events", "50")
        .option("--subject <name>", "only events about this spoke, token or network")
        .action(async (opts: { limit: string; subject?: string }) => {
            const c = ctx();
            const limit = Math.max(1, Math.min(1000, Number.parseInt(opts.limit, 10) || 50));
            const subject = opts.subject ? `&subject=${encodeURIComponent(opts.subject)}` : "";
            const { events } = await c.client().call<{ events: AuditEvent[] }>("GET", `/api/audit?limit=${limit}${subject}`);
            if (c.json) return printJson(c, { events });
            if (!events.length) return c.print("No events yet.");
            c.print(table(["TIME", "ACTOR", "ACTION", "SUBJECT", "SOURCE"], events.map(e => [
                when(e.at, true),
                e.actor,
                e.action,
                e.subject,
                e.source,
            ])));
        });
}
