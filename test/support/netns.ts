// Network namespaces for system tests: one hub and N spokes on a private LAN.
//
//   const lab = await createLab({ spokes: 3 });
//   lab.hub.lanAddress              // "10.200.0.1" (bridge br0 in the hub namespace)
//   lab.spokes[0].lanAddress        // "10.200.0.2", spokes[1] → .3, …
//   await lab.spokes[0].exec("ping", ["-c1", "10.200.0.1"])   // → {code, stdout, stderr}; never throws
//   await lab.spokes[0].run("wg", ["genkey"])                   // stdout; throws on a non-zero exit
//   lab.spokes[0].spawn("wireguard-go", ["-f", "wg0"])         // ChildProcess, killed by destroy()
//   await lab.addSpoke()                                        // one more spoke on the same LAN
//   lab.hubInterface                                             // an interface name unique on this machine
//   await lab.destroy()                                          // kills what runs in the namespaces, deletes them
//
// Each host has a holder process (`sleep infinity` inside `ip netns exec`); exec/run/spawn
// enter its network AND mount namespace with nsenter. Spokes get private tmpfs mounts on
// /run/wireguard, /etc/wireguard and the agent's directories (option privateDirs), because wireguard-go's control
// socket directory is shared by every namespace otherwise: each spoke can use `wg0` and
// write /etc/wireguard/wg0.conf without touching the machine's or another spoke's. The hub
// keeps the machine's /run/wireguard (the hub service is started with plain
// `ip netns exec`), so give the hub a unique interface name: lab.hubInterface.
// A stub `resolvconf` (exit 0) is first on PATH inside every host, since wg-quick's DNS=
// needs one and the real one would edit the machine's /etc/resolv.conf.
//
// destroy() SIGTERMs (then SIGKILLs) only PIDs inside the lab's own namespaces and the
// processes this harness spawned; `ip netns del` alone would leave them running.
import { spawn, execFile, type ChildProcess, type SpawnOptions } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface ExecResult {
    code: number | null;
    stdout: string;
    stderr: string;
}

export interface ExecOptions {
    input?: string;
    env?: Record<string, string>;
    timeoutMs?: number;
}

export interface LabOptions {
    spokes?: number;
    /** Third octet of the LAN 10.200.<subnet>.0/24 (namespaces isolate it, so any value works). */
    subnet?: number;
    /** Directories each spoke gets as a private tmpfs. Default: spokePrivateDirs. */
    privateDirs?: string[];
}

let labCounter = 0;

function execFileResult(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return new Promise(resolve => {
        const child = execFile(cmd, args, {
            encoding: "utf8",
            maxBuffer: 256 * 1024 * 1024,
            timeout: opts.timeoutMs ?? 60_000,
            env: { ...process.env, ...opts.env },
        }, (err, stdout, stderr) => {
            const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as unknown as { code: number }).code : null) : 0;
            resolve({ code, stdout, stderr: stderr || (err && code === null ? err.message : "") });
        });
        if (opts.input !== undefined) child.stdin!.end(opts.input);
        else child.stdin!.end();
    });
}

async function mustRun(cmd: string, args: string[], opts?: ExecOptions): Promise<string> {
    const r = await execFileResult(cmd, args, opts);
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
}

export class Host {
    holderPid = 0;
    private readonly children: ChildProcess[] = [];

    constructor(
        /** The network namespace name (for `ip netns exec`, startHub({netns}), `ip -n`). */
        readonly ns: string,
        readonly lanAddress: string,
        private readonly binDir: string,
    ) {}

    /** nsenter -m would start in "/": the working directory is passed on explicitly. */
    private wrap(cmd: string, args: string[], cwd = process.cwd()): [string, string[]] {
        return ["nsenter", ["-t", String(this.holderPid), "-m", "-n", `--wd=${cwd}`, "--", "env", `PATH=${this.binDir}:${process.env.PATH}`, cmd, ...args]];
    }

    /** Runs a command inside this host; resolves with its exit code and output. */
    exec(cmd: string, args: string[] = [], opts: ExecOptions = {}): Promise<ExecResult> {
        const [c, a] = this.wrap(cmd, args);
        return execFileResult(c, a, opts);
    }

    /** Like exec, but returns stdout and throws when the exit code is not 0. */
    async run(cmd: string, args: string[] = [], opts: ExecOptions = {}): Promise<string> {
        const r = await this.exec(cmd, args, opts);
        if (r.code !== 0) throw new Error(`[${this.ns}] ${cmd} ${args.join(" ")} failed (${r.code}): ${r.stderr.trim()}`);
        return r.stdout;
    }

    /** A long-running process inside this host (its PID is the command's own); killed by destroy(). */
    spawn(cmd: string, args: string[] = [], opts: SpawnOptions = {}): ChildProcess {
        const [c, a] = this.wrap(cmd, args, opts.cwd?.toString());
        const child = spawn(c, a, { stdio: ["ignore", "pipe", "pipe"], ...opts });
        this.children.push(child);
        return child;
    }

    /** Starts `wireguard-go -f IF` and waits until `wg show IF` answers. */
    async startWireGuardGo(iface: string): Promise<ChildProcess> {
        const child = this.spawn("wireguard-go", ["-f", iface], { env: { ...process.env, LOG_LEVEL: "error" } });
        for (let i = 0; i < 100; i++) {
            if ((await this.exec("wg", ["show", iface])).code === 0) return child;
            if (child.exitCode !== null) break;
            await new Promise(r => setTimeout(r, 50));
        }
        throw new Error(`[${this.ns}] wireguard-go ${iface} did not come up`);
    }

    async startHolder(privateDirs: string[]): Promise<void> {
        const script = 'for d; do mkdir -p "$d" && mount -t tmpfs -o mode=0700 none "$d" || exit 1; done; echo ready; exec sleep infinity';
        const holder = spawn("ip", ["netns", "exec", this.ns, "sh", "-c", script, "sh", ...privateDirs], { stdio: ["ignore", "pipe", "pipe"] });
        this.children.push(holder);
        await new Promise<void>((resolve, reject) => {
            let err = "";
            holder.stderr!.on("data", d => (err += d));
            holder.stdout!.once("data", () => resolve());
            holder.once("exit", code => reject(new Error(`holder for ${this.ns} exited (${code}): ${err}`)));
        });
        this.holderPid = holder.pid!;
    }

    /** Own children first, then anything else still in the namespace (e.g. daemonised wireguard-go). */
    async killAll(): Promise<void> {
        const pids = new Set<number>();
        for (const c of this.children) if (c.pid && c.exitCode === null && c.signalCode === null) pids.add(c.pid);
        const inNs = await execFileResult("ip", ["netns", "pids", this.ns]);
        for (const p of inNs.stdout.split(/\s+/).filter(Boolean)) pids.add(Number(p));
        await killPids([...pids]);
    }
}

async function killPids(pids: number[]): Promise<void> {
    const alive = (pid: number) => {
        try {
            process.kill(pid, 0);
            return true;
        } catch {
            return false;
        }
    };
    for (const pid of pids) try { process.kill(pid, "SIGTERM"); } catch { /* already gone */ }
    for (let i = 0; i < 40 && pids.some(alive); i++) await new Promise(r => setTimeout(r, 50));
    for (const pid of pids.filter(alive)) try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ }
}

export class Lab {
    readonly spokes: Host[] = [];
    hub!: Host;
    /** A WireGuard interface name no other lab or test on this machine uses (≤ 15 chars). */
    readonly hubInterface: string;
    private readonly binDir: string;
    private destroyed = false;

    constructor(readonly prefix: string, readonly subnet: number, private readonly privateDirs: string[]) {
        this.hubInterface = `wgh${prefix.slice(3)}`.slice(0, 15);
        this.binDir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-lab-bin-"));
        fs.writeFileSync(path.join(this.binDir, "resolvconf"), "#!/bin/sh\ncat >/dev/null\nexit 0\n", { mode: 0o755 });
    }

    get lanPrefix(): string {
        return `10.200.${this.subnet}`;
    }

    async init(spokes: number): Promise<void> {
        const ns = `${this.prefix}-hub`;
        await mustRun("ip", ["netns", "add", ns]);
        this.hub = new Host(ns, `${this.lanPrefix}.1`, this.binDir);
        await this.hub.startHolder([]);
        const ip = (...a: string[]) => mustRun("ip", ["-n", ns, ...a]);
        await ip("link", "set", "lo", "up");
        await ip("link", "add", "br0", "type", "bridge");
        await ip("addr", "add", `${this.hub.lanAddress}/24`, "dev", "br0");
        await ip("link", "set", "br0", "up");
        for (let i = 0; i < spokes; i++) await this.addSpoke();
    }

    async addSpoke(): Promise<Host> {
        const index = this.spokes.length + 1;
        if (index > 250) throw new Error("a lab holds at most 250 spokes");
        const ns = `${this.prefix}-s${index}`;
        await mustRun("ip", ["netns", "add", ns]);
        const host = new Host(ns, `${this.lanPrefix}.${index + 1}`, this.binDir);
        this.spokes.push(host);
        await host.startHolder(this.privateDirs);
        const hubNs = this.hub.ns;
        await mustRun("ip", ["-n", hubNs, "link", "add", `vs${index}`, "type", "veth", "peer", "name", "eth0", "netns", ns]);
        await mustRun("ip", ["-n", hubNs, "link", "set", `vs${index}`, "master", "br0", "up"]);
        await mustRun("ip", ["-n", ns, "link", "set", "lo", "up"]);
        await mustRun("ip", ["-n", ns, "addr", "add", `${host.lanAddress}/24`, "dev", "eth0"]);
        await mustRun("ip", ["-n", ns, "link", "set", "eth0", "up"]);
        return host;
    }

    async destroy(): Promise<void> {
        if (this.destroyed) return;
        this.destroyed = true;
        for (const host of [...this.spokes, this.hub].filter(Boolean)) {
            await host.killAll();
            await execFileResult("ip", ["netns", "del", host.ns]);
        }
        // A hub interface killed without SIGTERM leaves its socket in the shared directory.
        fs.rmSync(`/run/wireguard/${this.hubInterface}.sock`, { force: true });
        fs.rmSync(this.binDir, { recursive: true, force: true });
    }
}

/**
 * What a spoke keeps to itself: WireGuard's sockets and configs, and what the install script
 * puts on a spoke besides them (the agent, its settings and state), so that running the
 * one-liner in a lab never writes to this machine.
 */
export const spokePrivateDirs = ["/run/wireguard", "/etc/wireguard", "/etc/wireguard-hub", "/usr/local/sbin", "/var/lib/wireguard-hub-agent"];

/** Mount points the labs made on this machine (empty directories), removed when the process ends. */
const madeMountPoints = new Set<string>();
process.once("exit", () => {
    for (const dir of madeMountPoints) {
        try {
            fs.rmdirSync(dir);
        } catch {
            // Not empty, or still a mount point of a lab being torn down: left alone.
        }
    }
});

export async function createLab(options: LabOptions = {}): Promise<Lab> {
    for (const dir of options.privateDirs ?? spokePrivateDirs) if (!fs.existsSync(dir)) madeMountPoints.add(dir);
    labCounter++;
    const prefix = `wgt${process.pid % 100_000}${labCounter}`;
    const lab = new Lab(prefix, options.subnet ?? 0, options.privateDirs ?? spokePrivateDirs);
    try {
        await lab.init(options.spokes ?? 0);
    } catch (err) {
        await lab.destroy();
        throw err;
    }
    return lab;
}

/** Polls `check` until it returns a truthy value or the time is up. */
export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown = null;
    for (;;) {
        try {
            const value = await check();
            if (value) return value;
        } catch (err) {
            last = err;
        }
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ""}`);
        await new Promise(r => setTimeout(r, everyMs));
    }
}
