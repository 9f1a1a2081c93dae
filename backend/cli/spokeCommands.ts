// wireguard-hub spoke list | edit | rotate-key | uninstall | remove | disable | enable
import type { Command } from "commander";
import { isFullId, pickOne } from "./resolve";
import type { Message, Spoke, SpokeUpdateRequest } from "../contract/api";
import { printJson, type CliContext } from "./output";
import { list, relative, shortId, table } from "./table";

async function listSpokes(ctx: CliContext): Promise<Spoke[]> {
    return (await ctx.client().call<{ spokes: Spoke[] }>("GET", "/api/spoke/list")).spokes;
}

async function spokeId(ctx: CliContext, ref: string): Promise<string> {
    if (isFullId(ref)) return ref;
    return pickOne(await listSpokes(ctx), ref, "spoke", "name");
}

function spokeAction(parent: Command, ctx: () => CliContext, name: string, description: string,
    request: (id: string) => [method: string, path: string], done: string): void {
    parent
        .command(name)
        .description(description)
        .argument("<id>", "spoke id, id prefix or name")
        .action(async (ref: string) => {
            const c = ctx();
            const id = await spokeId(c, ref);
            const [method, path] = request(encodeURIComponent(id));
            const answer = await c.client().call<Message>(method, path);
            if (c.json) return printJson(c, answer);
            c.print(`${answer.message || done}: ${id}`);
        });
}

export function registerSpokeCommands(program: Command, ctx: () => CliContext): void {
    const spoke = program.command("spoke").description("registered spokes");

    spoke
        .command("list")
        .description("list spokes with their address and last handshake")
        .action(async () => {
            const c = ctx();
            const spokes = await listSpokes(c);
            if (c.json) return printJson(c, { spokes });
            if (!spokes.length) return c.print("No spokes yet. Add one with: wireguard-hub token create NAME");
            const hubs = spokes.some(s => s.hub);
            c.print(table(["ID", "NAME", ...(hubs ? ["HUB"] : []), "ADDRESS", "STATE", "OS", "DATACENTER", "LAST HANDSHAKE", "ENDPOINT", "AGENT"], spokes.map(s => [
                shortId(s.id),
                s.name,
                ...(hubs ? [s.hub] : []),
                list(s.allowedIPs) ?? s.address,
                s.status,
                s.os,
                s.datacenter,
                relative(s.lastHandshake),
                s.endpoint,
                s.pendingAction ? `${s.pendingAction} pending` : s.agent ? `${s.agent.version}, ${relative(s.agent.lastSeen)}${s.agent.behind ? ", behind" : ""}` : "none",
            ])));
        });

    spoke
        .command("edit")
        .description("rename a spoke, set its datacenter or the subnets it routes (every spoke's agent follows)")
        .argument("<id>", "spoke id, id prefix or name")
        .option("--name <name>", "the spoke's new name")
        .option("--datacenter <name>", "its datacenter (\"\" clears it)")
        .option("--subnets <cidrs>", "the networks behind it, comma-separated (\"\" routes none)")
        .action(async (ref: string, opts: { name?: string; datacenter?: string; subnets?: string }) => {
            const c = ctx();
            const id = await spokeId(c, ref);
            const body: SpokeUpdateRequest = {};
            if (opts.name !== undefined) body.name = opts.name;
            if (opts.datacenter !== undefined) body.datacenter = opts.datacenter;
            if (opts.subnets !== undefined) body.subnets = opts.subnets.split(",").map(s => s.trim()).filter(Boolean);
            if (!Object.keys(body).length) throw new Error("nothing to change: give --name, --datacenter or --subnets");
            const answer = await c.client().call<Message>("PUT", `/api/spoke/${encodeURIComponent(id)}`, body);
            if (c.json) return printJson(c, answer);
            c.print(`Spoke updated: ${id}`);
        });

    spokeAction(spoke, ctx, "rotate-key", "have the spoke's agent make a new key pair at its next cycle",
        id => ["POST", `/api/spoke/${id}/rotate-key`], "Key rotation asked");
    spokeAction(spoke, ctx, "uninstall", "have the spoke's agent remove its tunnel and itself at its next cycle, then the hub forgets it",
        id => ["POST", `/api/spoke/${id}/uninstall`], "Uninstall asked");

    spokeAction(spoke, ctx, "remove", "remove a spoke: its peer leaves the hub's interface and its address is freed",
        id => ["DELETE", `/api/spoke/${id}`], "Spoke removed");
    spokeAction(spoke, ctx, "disable", "cut a spoke off the hub without forgetting it",
        id => ["POST", `/api/spoke/${id}/disable`], "Spoke disabled");
    spokeAction(spoke, ctx, "enable", "let a disabled spoke back in",
        id => ["POST", `/api/spoke/${id}/enable`], "Spoke enabled");
}
