// wireguard-hub spoke list | remove | disable | enable
import type { Command } from "commander";
import { isFullId, pickOne } from "./resolve";
import { printJson, itemsOf, type CliContext } from "./output";
import { list, relative, shortId, table } from "./table";

type Obj = Record<string, unknown>;

async function spokeId(ctx: CliContext, ref: string): Promise<string> {
    if (isFullId(ref)) return ref;
    const answer = await ctx.client().call<unknown>("GET", "/api/spoke/list");
    return pickOne(itemsOf(answer, "spokes"), ref, "spoke", "name");
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
            const answer = await c.client().call<Obj>(method, path);
            if (c.json) return printJson(c, answer);
            c.print(`${String(answer?.message ?? done)}: ${id}`);
        });
}

export function registerSpokeCommands(program: Command, ctx: () => CliContext): void {
    const spoke = program.command("spoke").description("registered spokes");

    spoke
        .command("list")
        .description("list spokes with their address and last handshake")
        .action(async () => {
            const c = ctx();
            const answer = await c.client().call<unknown>("GET", "/api/spoke/list");
            if (c.json) return printJson(c, answer);
            const spokes = itemsOf(answer, "spokes");
            if (!spokes.length) return c.print("No spokes yet. Add one with: wireguard-hub token create NAME");
            c.print(table(["ID", "NAME", "ADDRESS", "STATE", "OS", "DATACENTER", "LAST HANDSHAKE", "ENDPOINT"], spokes.map(s => [
                shortId(s.id),
                s.name as string,
                list(s.allowedIPs) ?? (s.address as string),
                (s.state ?? s.status) as string,
                s.os as string,
                s.datacenter as string,
                relative(s.lastHandshake),
                s.endpoint as string,
            ])));
        });

    spokeAction(spoke, ctx, "remove", "remove a spoke: its peer leaves the hub's interface and its address is freed",
        id => ["DELETE", `/api/spoke/${id}`], "Spoke removed");
    spokeAction(spoke, ctx, "disable", "cut a spoke off the hub without forgetting it",
        id => ["POST", `/api/spoke/${id}/disable`], "Spoke disabled");
    spokeAction(spoke, ctx, "enable", "let a disabled spoke back in",
        id => ["POST", `/api/spoke/${id}/enable`], "Spoke enabled");
}
