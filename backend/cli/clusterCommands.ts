// wireguard-hub cluster list | set, audit
import type { Command } from "commander";
import { ApiError } from "./client";
import { isFullId, pickOne } from "./resolve";
import { printJson, itemsOf, type CliContext } from "./output";
import { shortId, table, when } from "./table";

function nodeNames(c: Record<string, unknown>): string | null {
    const nodes = c.nodes ?? c.spokes;
    if (!Array.isArray(nodes)) return typeof c.nodeCount === "number" ? String(c.nodeCount) : null;
    return nodes.map(n => (typeof n === "string" ? n : String((n as Record<string, unknown>).nodeName
        ?? (n as Record<string, unknown>).name ?? "?"))).join(", ") || null;
}

export function registerClusterCommands(program: Command, ctx: () => CliContext): void {
    const cluster = program.command("cluster").description("Proxmox VE clusters seen by the hub");
    cluster
        .command("list")
        .description("list Proxmox VE clusters and their nodes")
        .action(async () => {
            const c = ctx();
            const answer = await c.client().call<unknown>("GET", "/api/proxmox/clusters");
            if (c.json) return printJson(c, answer);
            const clusters = itemsOf(answer, "clusters");
            if (!clusters.length) return c.print("No Proxmox VE clusters yet: they appear when a node enrolls with the proxmox script.");
            c.print(table(["ID", "CLUSTER", "DATACENTER", "ONLINE", "NODES"], clusters.map(cl => [
                shortId(cl.id),
                (cl.clusterName ?? cl.name) as string,
                cl.datacenter as string,
                typeof cl.nodeCount === "number" ? `${String(cl.onlineCount ?? 0)}/${cl.nodeCount}` : null,
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
            const body: Record<string, unknown> = {};
            if (opts.datacenter !== undefined) body.datacenter = opts.datacenter || null;
            if (opts.description !== undefined) body.description = opts.description || null;
            if (!Object.keys(body).length)
                throw new ApiError(400, "nothing to change", "VALIDATION_FAILED", "give --datacenter or --description");
            const id = isFullId(ref) ? ref
                : pickOne(itemsOf(await c.client().call<unknown>("GET", "/api/proxmox/clusters"), "clusters"), ref, "cluster", "clusterName");
            const answer = await c.client().call<Record<string, unknown>>("PUT", `/api/proxmox/clusters/${encodeURIComponent(id)}`, body);
            if (c.json) return printJson(c, answer);
            c.print(`${String(answer.message ?? "Cluster updated")}: ${id}`);
        });

    program
        .command("audit")
        .description("who did what, newest first")
        .option("--limit <n>", "how many events", "50")
        .action(async (opts: { limit: string }) => {
            const c = ctx();
            const limit = Math.max(1, Math.min(1000, Number.parseInt(opts.limit, 10) || 50));
            const answer = await c.client().call<unknown>("GET", `/api/audit?limit=${limit}`);
            if (c.json) return printJson(c, answer);
            const events = itemsOf(answer, "events");
            if (!events.length) return c.print("No events yet.");
            c.print(table(["TIME", "ACTOR", "ACTION", "SUBJECT", "SOURCE"], events.map(e => [
                when(e.at, true),
                e.actor as string,
                e.action as string,
                e.subject as string,
                e.source as string,
            ])));
        });
}
