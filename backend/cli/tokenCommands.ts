// wireguard-hub token create | list | revoke
import type { Command } from "commander";
import { isFullId, pickOne } from "./resolve";
import type { Message, Platform, TokenAnswer, TokenRequest, TokenSummary } from "../contract/api";
import { printJson, type CliContext } from "./output";
import { list, relative, shortId, table, when } from "./table";

const platforms: [key: Platform, title: string][] = [
    ["linux", "Linux (as root)"],
    ["proxmox", "Proxmox VE (on each node; every node needs its own token, or see: token create-cluster)"],
    ["macos", "macOS"],
    ["windows", "Windows (PowerShell as Administrator)"],
];

function collect(value: string, previous: string[] | undefined): string[] {
    return [...(previous ?? []), ...value.split(",").map(s => s.trim()).filter(Boolean)];
}

async function listTokens(ctx: CliContext): Promise<TokenSummary[]> {
    return (await ctx.client().call<{ tokens: TokenSummary[] }>("GET", "/api/installation/tokens")).tokens;
}

async function tokenId(ctx: CliContext, ref: string): Promise<string> {
    if (isFullId(ref)) return ref;
    return pickOne(await listTokens(ctx), ref, "token", "spokeName");
}

export function registerTokenCommands(program: Command, ctx: () => CliContext): void {
    const token = program.command("token").description("one-time installation tokens for new spokes");

    token
        .command("create")
        .description("make a token for a new spoke and print the command to run on it (shown once)")
        .argument("<name>", "the spoke's name")
        .option("--ip <address>", "the spoke's VPN address (default: the next free one)")
        .option("--datacenter <name>", "datacenter the spoke belongs to")
        .option("--subnet <cidr>", "a network behind the spoke to route through it (repeat or comma-separate)", collect)
        .option("--ttl <duration>", "how long the token stays valid, e.g. 1h, 24h, 7d")
        .option("--spoke <id>", "re-enroll this existing spoke (new keys, same address) instead of adding one")
        .option("--hub <name>", "the hub the spoke goes to, among hubs sharing one PostgreSQL database (default: this one; see: hub list)")
        .action(async (name: string, opts: { ip?: string; datacenter?: string; subnet?: string[]; ttl?: string; spoke?: string; hub?: string }) => {
            const c = ctx();
            const body: TokenRequest = { spokeName: name };
            if (opts.ip) body.customIP = opts.ip;
            if (opts.datacenter) body.datacenter = opts.datacenter;
            if (opts.subnet?.length) body.subnets = opts.subnet;
            if (opts.ttl) body.ttl = opts.ttl;
            if (opts.spoke) body.spokeId = opts.spoke;
            if (opts.hub) body.hub = opts.hub;
            const answer = await c.client().call<TokenAnswer>("POST", "/api/installation/token", body);
            if (c.json) return printJson(c, answer);
            const t = answer.token;
            const lines = [
                `Token for ${t.spokeName} (${list(t.allowedIPs) ?? "address on registration"})${t.hub ? ` on hub ${t.hub}` : ""}, `
                    + `valid until ${when(t.expiresAt) ?? "?"} (${relative(t.expiresAt)}), one use.`,
                "It is shown only now. Run one of these on the new spoke:",
            ];
            for (const [key, title] of platforms) lines.push("", `${title}:`, `  ${t.installCommands[key]}`);
            c.print(lines.join("\n"));
        });

    token
        .command("create-cluster")
        .description("make one token that enrolls a whole Proxmox VE cluster from any one of its nodes (shown once)")
        .argument("[cluster]", "the cluster's name (default: the first node to run it fixes it)")
        .requiredOption("--nodes <count>", "how many nodes it may enroll (the cluster's node count, or more for nodes to come)")
        .option("--datacenter <name>", "datacenter the cluster belongs to")
        .option("--ttl <duration>", "how long the token stays valid, e.g. 1h, 24h, 7d")
        .action(async (cluster: string | undefined, opts: { nodes: string; datacenter?: string; ttl?: string }) => {
            const c = ctx();
            const maxUses = Number(opts.nodes);
            if (!Number.isInteger(maxUses)) throw new Error(`--nodes takes a whole number, not ${JSON.stringify(opts.nodes)}`);
            const body: TokenRequest = { maxUses };
            if (cluster) body.proxmoxCluster = cluster;
            if (opts.datacenter) body.datacenter = opts.datacenter;
            if (opts.ttl) body.ttl = opts.ttl;
            const answer = await c.client().call<TokenAnswer>("POST", "/api/installation/token", body);
            if (c.json) return printJson(c, answer);
            const t = answer.token;
            c.print([
                `Cluster token for ${t.proxmoxCluster ?? "the cluster of the first node to run it"}, up to ${t.maxUses} nodes, `
                    + `valid until ${when(t.expiresAt) ?? "?"} (${relative(t.expiresAt)}).`,
                "It is shown only now. Run this as root on any one node of the cluster: it enrolls that node, then every other",
                "online node over the cluster's own root SSH, and prints the command for any node it could not reach.",
                "",
                `  ${t.installCommands.proxmox}`,
            ].join("\n"));
        });

    token
        .command("list")
        .description("list installation tokens (never their secret)")
        .action(async () => {
            const c = ctx();
            const tokens = await listTokens(c);
            if (c.json) return printJson(c, { tokens });
            if (!tokens.length) return c.print("No tokens. Make one with: wireguard-hub token create NAME");
            const hubs = tokens.some(t => t.hub);
            c.print(table(["ID", "SPOKE", ...(hubs ? ["HUB"] : []), "ADDRESS", "STATE", "EXPIRES"], tokens.map(t => [
                shortId(t.id),
                t.purpose === "cluster" ? `cluster ${t.proxmoxCluster ?? "(not fixed yet)"}: ${t.uses}/${t.maxUses} nodes` : t.spokeName,
                ...(hubs ? [t.hub] : []),
                t.purpose === "cluster" ? list(t.nodes) : list(t.allowedIPs),
                t.state,
                when(t.expiresAt),
            ])));
        });

    token
        .command("revoke")
        .description("revoke an unused token")
        .argument("<id>", "token id, id prefix or spoke name")
        .action(async (ref: string) => {
            const c = ctx();
            const id = await tokenId(c, ref);
            const answer = await c.client().call<Message>("DELETE", `/api/installation/token/${encodeURIComponent(id)}`);
            if (c.json) return printJson(c, answer);
            c.print(`${answer.message}: ${id}`);
        });
}
