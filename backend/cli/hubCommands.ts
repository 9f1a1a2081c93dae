// wireguard-hub status | config [show | set] | init
import type { Command } from "commander";
import { ApiError } from "./client";
import { printJson, itemsOf, type CliContext } from "./output";
import { bytes, keyValues, list, relative, table, type Cell } from "./table";

type Obj = Record<string, unknown>;

const notInitialised = "The service is running, but the hub is not initialised yet.\n"
    + "Initialise it with: wireguard-hub init --network 10.0.1.0/24 --public-endpoint HOST:51820";

function spokeCounts(counts: unknown): string | null {
    if (!counts || typeof counts !== "object") return null;
    const c = counts as Record<string, number>;
    return `${c.total ?? 0} (${c.online ?? 0} online, ${c.offline ?? 0} offline, ${c.pending ?? 0} pending, ${c.disabled ?? 0} disabled)`;
}

function printStatus(ctx: CliContext, status: Obj): void {
    const reconcile = (status.lastReconcile ?? null) as Obj | null;
    const addresses = (status.addresses ?? null) as Obj | null;
    const lines = [keyValues([
        ["Interface", `${String(status.interfaceName ?? "wg0")} (${status.interfaceUp ? "up" : "down"})`],
        ["Mode", [status.mode, status.modeReason].filter(Boolean).join(": ")],
        ["Public key", status.publicKey as Cell],
        ["Listen port", status.listenPort as Cell],
        ["Spokes", spokeCounts(status.spokes)],
        ["Addresses", addresses ? `${String(addresses.used)} of ${String(addresses.capacity)} used` : null],
        ["Last reconcile", reconcile
            ? `${relative(reconcile.at)}, ${String(reconcile.changes ?? 0)} change(s)${reconcile.error ? `, error: ${String(reconcile.error)}` : ""}`
            : "not yet"],
        ["Last error", status.lastError as Cell],
    ])];
    const peers = itemsOf(status, "peers");
    if (peers.length) {
        lines.push("", table(
            ["PEER", "STATE", "ENDPOINT", "ALLOWED IPS", "LAST HANDSHAKE", "RX", "TX"],
            peers.map(p => [
                String(p.name ?? String(p.publicKey ?? "").slice(0, 12) + "…"),
                p.status as Cell,
                p.endpoint as Cell,
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

function printConfig(ctx: CliContext, config: Obj): void {
    ctx.print(keyValues([
        ["Interface", `${String(config.interfaceName ?? "wg0")} ${list(config.interfaceAddress) ?? ""}`.trim()],
        ["Interface IPv6", config.interfaceAddressV6 as Cell],
        ["Network", config.networkCIDR as Cell],
        ["Network IPv6", config.networkCIDRv6 as Cell],
        ["Listen port", config.listenPort as Cell],
        ["Public endpoint", config.publicEndpoint as Cell],
        ["Private endpoint", config.privateEndpoint as Cell],
        ["DNS", list(config.dns)],
        ["Keepalive", config.persistentKeepalive === undefined ? null : `${String(config.persistentKeepalive)} s`],
        ["Public key", config.publicKey as Cell],
        ["Enrollment URL", config.publicUrl as Cell],
        ["TLS pin", config.tlsPin as Cell],
    ]));
}

export function registerHubCommands(program: Command, ctx: () => CliContext): void {
    program
        .command("status")
        .description("show the hub's WireGuard interface and its peers")
        .action(async () => {
            const c = ctx();
            const status = await c.client().call<Obj>("GET", "/api/hub/status");
            if (c.json) printJson(c, status);
            else if (status.initialized === false) c.print(notInitialised);
            else printStatus(c, status);
        });

    const config = program.command("config").description("the hub's settings");
    config
        .command("show", { isDefault: true })
        .description("show the hub's network, endpoints, DNS and keys (never the private key)")
        .action(async () => {
            const c = ctx();
            const answer = await c.client().call<Obj>("GET", "/api/hub/config");
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
            const body: Obj = {};
            if (opts.publicEndpoint !== undefined) body.publicEndpoint = opts.publicEndpoint;
            if (opts.privateEndpoint !== undefined) body.privateEndpoint = opts.privateEndpoint === false ? null : opts.privateEndpoint;
            if (opts.dns !== undefined) body.dns = opts.dns.split(",").map(d => d.trim()).filter(Boolean);
            if (!Object.keys(body).length)
                throw new ApiError(400, "nothing to change", "VALIDATION_FAILED",
                    "give --public-endpoint, --private-endpoint, --no-private-endpoint or --dns");
            const answer = await c.client().call<Obj>("PUT", "/api/hub/config", body);
            if (c.json) return printJson(c, answer);
            c.print(String(answer.message ?? "Hub configuration updated") + "\n");
            printConfig(c, (answer.config ?? {}) as Obj);
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
