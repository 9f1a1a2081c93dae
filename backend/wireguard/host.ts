// The only code that runs `wg`, `ip` and `wireguard-go` or writes kernel settings. Commands
// get argument arrays (never a shell). Every call that changes WireGuard, the interface or
// a kernel setting is counted in `writes`, so a test can prove an idle run changes nothing.
import { execFile, spawn } from "node:child_process";
import dgram from "node:dgram";
import net from "node:net";
import os from "node:os";
import fs from "node:fs";
import path from "node:path";

export class CommandError extends Error {
    constructor(readonly command: string, readonly exitCode: number | null, readonly stderr: string) {
        super(`${command} failed${exitCode === null ? "" : ` (exit ${exitCode})`}: ${stderr.trim().split("\n").slice(-3).join(" ") || "no message"}`);
        this.name = "CommandError";
    }
}

export interface LinkState {
    kind: "wireguard" | "tun" | "other";
    up: boolean;
}

/** The routing protocol number that marks this service's routes (`ip route show proto 87`). */
const routeProtocol = "87";

/** Enough for `wg show dump` of 100,000 peers. */
const maxOutput = 256 * 1024 * 1024;

export class WgHost {
    /** Calls that changed WireGuard, the interface or a kernel setting, since start. */
    writes = 0;

    constructor(private readonly wireguardGo = "wireguard-go") {}

    private run(cmd: string, args: string[], write: boolean): Promise<string> {
        if (write) this.writes++;
        return new Promise((resolve, reject) => {
            execFile(cmd, args, { maxBuffer: maxOutput, encoding: "utf8" }, (err, stdout, stderr) => {
                if (err) {
                    // err.message repeats the whole argv (a megabyte at 10,000 peers): never use it.
                    const e = err as NodeJS.ErrnoException & { code?: unknown; signal?: string | null };
                    const code = typeof e.code === "number" ? e.code : null;
                    const why = stderr.trim() || (e.signal ? `killed by ${e.signal}` : typeof e.code === "string" ? e.code : "no message");
                    reject(new CommandError(`${cmd} ${args.slice(0, 2).join(" ")}`, code, why));
                } else resolve(stdout);
            });
        });
    }

    /** `wg show IF dump`, or null when the interface does not exist. */
    async dump(iface: string): Promise<string | null> {
        try {
            return await this.run("wg", ["show", iface, "dump"], false);
        } catch (err) {
            if ((await this.link(iface)) === null) return null;
            throw err;
        }
    }

    /** One batched `wg set IF …` (argv from plan.ts). */
    async wgSet(args: string[]): Promise<void> {
        await this.run("wg", args, true);
    }

    /**
     * `wg addconf IF FILE` with `text` (peers too large for argv, from plan.ts). A file, not
     * /dev/stdin: node's pipes to a child are sockets, which /dev/stdin cannot open.
     */
    async wgAddconf(iface: string, text: string): Promise<void> {
        const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "wireguard-hub-peers-"));
        try {
            const file = path.join(dir, "peers.conf");
            await fs.promises.writeFile(file, text, { mode: 0o600 });
            await this.run("wg", ["addconf", iface, file], true);
        } finally {
            await fs.promises.rm(dir, { recursive: true, force: true });
        }
    }

    /**
     * One empty UDP datagram to each tunnel address (the discard port). Routed through the
     * interface to a peer that has an endpoint but no session, it makes WireGuard start a
     * handshake at once; without it the peer's spoke only notices after 10-15 s of silence.
     */
    async nudge(addresses: readonly string[]): Promise<void> {
        for (const family of [4, 6] as const) {
            const targets = addresses.filter(a => net.isIP(a) === family);
            if (!targets.length) continue;
            const socket = dgram.createSocket(family === 4 ? "udp4" : "udp6");
            try {
                await Promise.all(targets.map(address => new Promise<void>(resolve => socket.send(Buffer.alloc(0), 9, address, () => resolve()))));
            } finally {
                socket.close();
            }
        }
    }

    async link(iface: string): Promise<LinkState | null> {
        let out: string;
        try {
            out = await this.run("ip", ["-d", "-j", "link", "show", "dev", iface], false);
        } catch {
            return null;
        }
        const [info] = JSON.parse(out) as { flags?: string[]; linkinfo?: { info_kind?: string } }[];
        if (!info) return null;
        const kindText = info.linkinfo?.info_kind;
        const kind = kindText === "wireguard" ? "wireguard" : kindText === "tun" ? "tun" : "other";
        return { kind, up: (info.flags ?? []).includes("UP") };
    }

    async addresses(iface: string): Promise<string[]> {
        const out = await this.run("ip", ["-j", "addr", "show", "dev", iface], false);
        const [info] = JSON.parse(out) as { addr_info?: { local: string; prefixlen: number; scope?: string }[] }[];
        return (info?.addr_info ?? []).filter(a => a.scope !== "link").map(a => `${a.local}/${a.prefixlen}`);
    }

    /** The routes this service made on the interface (its own protocol number marks them). */
    async routes(iface: string): Promise<string[]> {
        const out: string[] = [];
        for (const family of ["-4", "-6"]) {
            const text = await this.run("ip", [family, "-j", "route", "show", "dev", iface, "proto", routeProtocol], false);
            for (const r of JSON.parse(text || "[]") as { dst: string }[]) out.push(r.dst.includes("/") ? r.dst : `${r.dst}/${family === "-4" ? 32 : 128}`);
        }
        return out;
    }

    async addRoute(iface: string, cidr: string): Promise<void> {
        await this.run("ip", ["route", "replace", cidr, "dev", iface, "proto", routeProtocol], true);
    }

    async removeRoute(iface: string, cidr: string): Promise<void> {
        await this.run("ip", ["route", "del", cidr, "dev", iface, "proto", routeProtocol], true);
    }

    async addAddress(iface: string, cidr: string): Promise<void> {
        await this.run("ip", ["address", "add", cidr, "dev", iface], true);
    }

    async removeAddress(iface: string, cidr: string): Promise<void> {
        await this.run("ip", ["address", "del", cidr, "dev", iface], true);
    }

    async setUp(iface: string): Promise<void> {
        await this.run("ip", ["link", "set", "dev", iface, "up"], true);
    }

    async addKernelLink(iface: string): Promise<void> {
        await this.run("ip", ["link", "add", "dev", iface, "type", "wireguard"], true);
    }

    async deleteLink(iface: string): Promise<void> {
        await this.run("ip", ["link", "del", "dev", iface], true);
    }

    /**
     * wireguard-go daemonises: the interface outlives this service, so a restart of the
     * service never drops a tunnel.
     */
    startWireguardGo(iface: string): Promise<void> {
        this.writes++;
        return new Promise((resolve, reject) => {
            // Without LOG_LEVEL the daemon gets /dev/null as stdout/stderr instead of our pipe,
            // which it would otherwise hold open (and die of SIGPIPE on once we are gone).
            const env = { ...process.env };
            delete env.LOG_LEVEL;
            const child = spawn(this.wireguardGo, [iface], { stdio: ["ignore", "ignore", "pipe"], env });
            let stderr = "";
            child.stderr.on("data", d => (stderr += d));
            child.on("error", err => reject(new CommandError(this.wireguardGo, null, err.message)));
            child.on("exit", code => (code === 0 ? resolve() : reject(new CommandError(`${this.wireguardGo} ${iface}`, code, stderr))));
        });
    }

    /** True when `cmd` is an executable file somewhere on PATH. */
    onPath(cmd: string): boolean {
        return (process.env.PATH ?? "").split(path.delimiter).some(dir => {
            try {
                fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
                return true;
            } catch {
                return false;
            }
        });
    }

    /** Writes /proc/sys/<name> only when it differs; returns whether it wrote. */
    setSysctl(name: string, value: string): boolean {
        const file = path.join("/proc/sys", ...name.split("."));
        const current = fs.readFileSync(file, "utf8").trim();
        if (current === value) return false;
        this.writes++;
        fs.writeFileSync(file, value);
        return true;
    }
}
