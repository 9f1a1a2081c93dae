// wireguard-hub status | init
import type { Command } from "commander";
import { ApiError } from "./client";
import { printJson, itemsOf, type CliContext } from "./output";
import { bytes, keyValues, list, relative, table, type Cell } from "./table";

type Obj = Record<string, unknown>;

function scalarPairs(o: Obj, skip: string[]): [string, Cell][] {
    return Object.entries(o)
        .filter(([k, v]) => !skip.includes(k) && (v === null || ["string", "number", "boolean"].includes(typeof v)))
        .map(([k, v]) => [k, v === null ? null : String(v)]);
}

function printStatus(ctx: CliContext, status: Obj): void {
    const peers = itemsOf(status, "peers");
    const lines = [keyValues(scalarPairs(status, ["peers"]))];
    if (peers.length) {
        lines.push("", table(
            ["PEER", "ENDPOINT", "ALLOWED IPS", "LAST HANDSHAKE", "RX", "TX"],
            peers.map(p => [
                String(p.name ?? p.spokeName ?? String(p.publicKey ?? "").slice(0, 12) + "…"),
                p.endpoint as Cell,
                list(p.allowedIPs),
                relative(p.lastHandshake),
                bytes(p.transferRx ?? p.rxBytes),
                bytes(p.transferTx ?? p.txBytes),
            ]),
        ));
    } else {
        lines.push("", "No peers yet: add a spoke with: wireguard-hub token create NAME");
    }
    ctx.print(lines.join("\n"));
}

export function registerHubCommands(program: Command, ctx: () => CliContext): void {
    program
        .command("status")
        .description("show the hub's WireGuard interface and its peers")
        .action(async () => {
            const c = ctx();
            try {
                const status = await c.client().call<Obj>("GET", "/api/hub/status");
                if (c.json) printJson(c, status);
                else printStatus(c, status);
            } catch (err) {
                if (!(err instanceof ApiError && err.code === "HUB_NOT_INITIALIZED")) throw err;
                if (c.json) printJson(c, { initialized: false, error: err.message, code: err.code });
                else c.print("The service is running, but the hub is not initialised yet.\n"
                    + "Initialise it with: wireguard-hub init --network 10.0.1.0/24 --public-endpoint HOST:51820");
            }
        });

    program
        .command("init")
        .description("initialise the hub: its network, WireGuard port and endpoints")
        .requiredOption("--network <cidr>", "IPv4 network of the VPN, e.g. 10.0.1.0/24 (the hub takes the first address)")
        .requiredOption("--public-endpoint <host:port>", "where spokes reach the hub's WireGuard port from the internet")
        .option("--port <port>", "WireGuard UDP listen port", "51820")
        .option("--private-endpoint <host:port>", "where spokes on the local network reach it (tried first)")
        .option("--dns <servers>", "DNS servers for spokes, comma-separated")
        .option("--network6 <cidr>", "IPv6 network of the VPN, e.g. fd00:10::/64")
        .option("--force", "initialise again even when the hub already is (keeps its keys only if the service does)")
        .action(async (opts: { network: string; publicEndpoint: string; port: string; privateEndpoint?: string;
            dns?: string; network6?: string; force?: boolean }) => {
            const c = ctx();
            const port = Number(opts.port);
            if (!Number.isInteger(port) || port < 1 || port > 65535)
                throw new ApiError(400, `--port ${opts.port} is not a port number (1-65535)`, "VALIDATION_FAILED", null);
            const body: Obj = {
                networkCIDR: opts.network,
                listenPort: port,
                publicEndpoint: opts.publicEndpoint,
            };
            if (opts.privateEndpoint) body.privateEndpoint = opts.privateEndpoint;
            if (opts.dns) body.dns = opts.dns.split(",").map(s => s.trim()).filter(Boolean);
            if (opts.network6) body.networkCIDRv6 = opts.network6;
            if (opts.force) body.force = true;
            const answer = await c.client().call<Obj>("POST", "/api/hub/initialize", body);
            if (c.json) return printJson(c, answer);
            const config = (answer.config ?? answer) as Obj;
            c.print([
                String(answer.message ?? "Hub initialised"),
                "",
                keyValues([
                    ["Interface address", list(config.interfaceAddress)],
                    ["Network", config.networkCIDR as Cell],
                    ["Listen port", config.listenPort as Cell],
                    ["Public endpoint", config.publicEndpoint as Cell],
                    ["Private endpoint", config.privateEndpoint as Cell],
                    ["Public key", config.publicKey as Cell],
                ]),
                "",
                "Next: wireguard-hub token create NAME",
            ].join("\n"));
        });
}
