// wireguard-hub status | config [show | set] | init
import type { Command } from "commander";
import type { HubConfig, HubConfigAnswer, HubConfigRequest, HubStatus, InitializeAnswer, InitializeRequest } from "../contract/api";
import { ApiError } from "./client";
import { printJson, type CliContext } from "./output";
import { bytes, keyValues, list, relative, table } from "./table";

const notInitialised = "The service is running, but the hub is not initialised yet.\n"
    + "Initialise it with: wireguard-hub init --network 10.0.1.0/24 --public-endpoint HOST:51820";

function spokeCounts(n: HubStatus["spokes"]): string {
    return `${n.total} (${n.online} online, ${n.offline} offline, ${n.pending} pending, ${n.disabled} disabled)`;
}

function printStatus(ctx: CliContext, status: HubStatus): void {
    const reconcile = status.lastReconcile;
    const lines = [keyValues([
        ["Interface", `${status.interfaceName} (${status.interfaceUp ? "up" : "down"})`],
        ["Mode", [status.mode, status.modeReason].filter(Boolean).join(": ")],
        ["Public key", status.publicKey],
        ["Listen port", status.listenPort],
        ["Spokes", spokeCounts(status.spokes)],
        ["Addresses", `${status.addresses.used} of ${status.addresses.capacity} used`],
        ["Last reconcile", reconcile
            ? `${relative(reconcile.at)}, ${reconcile.changes} change(s)${reconcile.error ? `, error: ${reconcile.error}` : ""}`
            : "not yet"],
        ["Last error", status.lastError],
    ])];
    const peers = status.peers ?? [];
    if (peers.length) {
        lines.push("", table(
            ["PEER", "STATE", "ENDPOINT", "ALLOWED IPS", "LAST HANDSHAKE", "RX", "TX"],
            peers.map(p => [
                p.name,
                p.status,
                p.endpoint,
                list(p.allowedIPs),
                relative(p.lastHandshake),
                bytes(p.transferRx),
                bytes(p.transferTx),
            ]),
        ));
    } else {
        lines.push("", "No peers yet: add a spoke with: wireguard-hub token create NAME");
    }
    ctx.print(lines.join("\n"));
}

function printConfig(ctx: CliContext, config: HubConfig): void {
    ctx.print(keyValues([
        ["Interface", `${config.interfaceName} ${config.interfaceAddress}`],
        ["Interface IPv6", config.interfaceAddressV6],
        ["Network", config.networkCIDR],
        ["Network IPv6", config.networkCIDRv6],
        ["Listen port", config.listenPort],
        ["Public endpoint", config.publicEndpoint],
        ["Private endpoint", config.privateEndpoint],
        ["DNS", list(config.dns)],
        ["Keepalive", `${config.persistentKeepalive} s`],
        ["Public key", config.publicKey],
        ["Enrollment URL", config.publicUrl],
        ["TLS pin", config.tlsPin],
    ]));
}

export function registerHubCommands(program: Command, ctx: () => CliContext): void {
    program
        .command("status")
        .description("show the hub's WireGuard interface and its peers")
        .action(async () => {
            const c = ctx();
            const status = await c.client().call<HubStatus>("GET", "/api/hub/status");
            if (c.json) printJson(c, status);
            else if (!status.initialized) c.print(notInitialised);
            else printStatus(c, status);
        });

    const config = program.command("config").description("the hub's settings");
    config
        .command("show", { isDefault: true })
        .description("show the hub's network, endpoints, DNS and keys (never the private key)")
        .action(async () => {
            const c = ctx();
            const answer = await c.client().call<HubConfig>("GET", "/api/hub/config");
            if (c.json) printJson(c, answer);
            else printConfig(c, answer);
        });
    config
        .command("set")
        .description("change the endpoints or DNS servers spokes get (new spokes; existing ones keep theirs)")
        .option("--public-endpoint <host:port>", "where spokes reach the hub's WireGuard port from the internet")
        .option("--private-endpoint <host:port>", "where spokes on the local network reach it")
        .option("--no-private-endpoint", "forget the private endpoint")
        .option("--dns <servers>", "DNS servers for spokes, comma-separated (\"\" for none)")
        .action(async (opts: { publicEndpoint?: string; privateEndpoint?: string | false; dns?: string }) => {
            const c = ctx();
            const body: HubConfigRequest = {};
            if (opts.publicEndpoint !== undefined) body.publicEndpoint = opts.publicEndpoint;
            if (opts.privateEndpoint !== undefined) body.privateEndpoint = opts.privateEndpoint === false ? null : opts.privateEndpoint;
            if (opts.dns !== undefined) body.dns = opts.dns.split(",").map(d => d.trim()).filter(Boolean);
            if (!Object.keys(body).length)
                throw new ApiError(400, "nothing to change", "VALIDATION_FAILED",
                    "give --public-endpoint, --private-endpoint, --no-private-endpoint or --dns");
            const answer = await c.client().call<HubConfigAnswer>("PUT", "/api/hub/config", body);
            if (c.json) return printJson(c, answer);
            c.print(`${answer.message}\n`);
            printConfig(c, answer.config);
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
        .option("--force", "start over on an initialised hub: new keys, and every spoke is removed (they must re-enroll)")
        .action(async (opts: { network: string; publicEndpoint: string; port: string; privateEndpoint?: string;
            dns?: string; network6?: string; force?: boolean }) => {
            const c = ctx();
            const port = Number(opts.port);
            if (!Number.isInteger(port) || port < 1 || port > 65535)
                throw new ApiError(400, `--port ${opts.port} is not a port number (1-65535)`, "VALIDATION_FAILED", null);
            const body: InitializeRequest = {
                networkCIDR: opts.network,
                listenPort: port,
                publicEndpoint: opts.publicEndpoint,
            };
            if (opts.privateEndpoint) body.privateEndpoint = opts.privateEndpoint;
            if (opts.dns) body.dns = opts.dns.split(",").map(s => s.trim()).filter(Boolean);
            if (opts.network6) body.networkCIDRv6 = opts.network6;
            if (opts.force) body.force = true;
            const answer = await c.client().call<InitializeAnswer>("POST", "/api/hub/initialize", body);
            if (c.json) return printJson(c, answer);
            const { config } = answer;
            c.print([
                answer.message,
                "",
                keyValues([
                    ["Interface address", config.interfaceAddress],
                    ["Network", config.networkCIDR],
                    ["Listen port", config.listenPort],
                    ["Public endpoint", config.publicEndpoint],
                    ["Private endpoint", config.privateEndpoint],
                    ["Public key", config.publicKey],
                ]),
                "",
                "Next: wireguard-hub token create NAME",
            ].join("\n"));
        });
}
