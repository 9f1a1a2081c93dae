// wireguard-hub hub list | hub remove | join: the hubs sharing one PostgreSQL database.
import type { Command } from "commander";
import type { HubListAnswer, HubMember, JoinAnswer, JoinRequest, Message } from "../contract/api";
import { ApiError } from "./client";
import { printJson, type CliContext } from "./output";
import { keyValues, list, relative, table } from "./table";

const health = (h: HubMember) => (h.healthy ? "healthy" : "down");

function parsePort(option: string, value: string): number {
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new ApiError(400, `${option} ${value} is not a port number (1-65535)`, "VALIDATION_FAILED", null);
    return port;
}

export function registerNetworkCommands(program: Command, ctx: () => CliContext): void {
    const hub = program.command("hub").description("the hubs sharing this hub's PostgreSQL database");

    hub
        .command("list")
        .description("list every hub: tunnel address, endpoint, health and spokes (this hub alone on SQLite)")
        .action(async () => {
            const c = ctx();
            const answer = await c.client().call<HubListAnswer>("GET", "/api/hub/list");
            if (c.json) return printJson(c, answer);
            const rows = answer.hubs.map(h => [
                h.self ? `${h.name} *` : h.name,
                list([h.address, h.addressV6].filter(Boolean)),
                h.publicEndpoint,
                h.privateEndpoint,
                health(h),
                h.lastHeartbeat ? relative(h.lastHeartbeat) : null,
                h.spokes,
            ]);
            const lines = [table(["NAME", "ADDRESS", "PUBLIC ENDPOINT", "PRIVATE ENDPOINT", "HEALTH", "HEARTBEAT", "SPOKES"], rows), "", "* this hub"];
            if (!answer.shared) lines.push("One hub on SQLite; hubs that share a PostgreSQL database join with: wireguard-hub join");
            c.print(lines.join("\n"));
        });

    hub
        .command("remove")
        .description("take a stopped hub out of the network: its spokes come to this hub, its tunnel address is free again")
        .argument("<name>", "the hub's name (see: hub list)")
        .action(async (name: string) => {
            const c = ctx();
            const answer = await c.client().call<Message>("DELETE", `/api/hub/member/${encodeURIComponent(name)}`);
            if (c.json) return printJson(c, answer);
            c.print(answer.message);
        });

    program
        .command("join")
        .description("join the hubs of this hub's PostgreSQL database (initialised by another hub) with a key pair made here")
        .requiredOption("--public-endpoint <host:port>", "where spokes reach this hub's WireGuard port from the internet")
        .option("--private-endpoint <host:port>", "where spokes on the local network reach it (tried first)")
        .option("--listen-port <port>", "WireGuard UDP listen port (default: the first hub's)")
        .action(async (opts: { publicEndpoint: string; privateEndpoint?: string; listenPort?: string }) => {
            const c = ctx();
            const body: JoinRequest = { publicEndpoint: opts.publicEndpoint };
            if (opts.privateEndpoint) body.privateEndpoint = opts.privateEndpoint;
            if (opts.listenPort !== undefined) body.listenPort = parsePort("--listen-port", opts.listenPort);
            const answer = await c.client().call<JoinAnswer>("POST", "/api/hub/join", body);
            if (c.json) return printJson(c, answer);
            const h = answer.hub;
            c.print([
                answer.message,
                "",
                keyValues([
                    ["Name", h.name],
                    ["Tunnel address", list([h.address, h.addressV6].filter(Boolean))],
                    ["Listen port", h.listenPort],
                    ["Public endpoint", h.publicEndpoint],
                    ["Private endpoint", h.privateEndpoint],
                    ["Public key", h.publicKey],
                ]),
                "",
                "Next: wireguard-hub hub list",
            ].join("\n"));
        });
}
