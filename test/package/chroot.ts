// A throwaway Debian root (12 or 13) for the package test, unpacked from a cached tarball, and the
// commands the test runs in it. Every command mounts /proc and /dev inside its own private
// mount namespace, so nothing stays mounted on the host whatever happens to the test.
import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";

export interface Result {
    status: number | null;
    stdout: string;
    stderr: string;
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; allowFail?: boolean; timeoutMs?: number; cwd?: string } = {}): Result {
    const r = spawnSync(cmd, args, {
        encoding: "utf8",
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 300_000,
        maxBuffer: 64 * 1024 * 1024,
    });
    const result = { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
    if (!opts.allowFail && (r.error || r.status !== 0)) {
        const why = r.error ? r.error.message : `exit ${r.status}`;
        throw new Error(`${cmd} ${args.join(" ")}: ${why}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
    }
    return result;
}

// $0 is the root, the rest the command to exec in it.
const enterRoot = 'mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" && exec chroot "$0" "$@"';

/** The environment a command in the root starts with: nothing of the test's own. */
const cleanEnv = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "HOME=/root"];

export class DebianRoot {
    constructor(readonly dir: string) {}

    /** Unpacks the cached root (making the cache first when there is none). */
    static create(dir: string, suite: string, cacheTarball: string, makeScript: string): DebianRoot {
        run("bash", [makeScript, suite, cacheTarball], { timeoutMs: 900_000 });
        fs.mkdirSync(dir, { recursive: true });
        run("tar", ["--numeric-owner", "-xf", cacheTarball, "-C", dir]);
        fs.copyFileSync("/etc/resolv.conf", path.join(dir, "etc/resolv.conf"));
        return new DebianRoot(dir);
    }

    path(inside: string): string {
        return path.join(this.dir, inside);
    }

    argv(command: string[], env: string[] = []): string[] {
        return ["--mount", "--propagation", "private", "sh", "-c", enterRoot, this.dir,
            "/usr/bin/env", "-i", ...cleanEnv, ...env, ...command];
    }

    /** Runs a command in the root (inside network namespace `netns` when given). */
    exec(command: string[], opts: { env?: string[]; allowFail?: boolean; timeoutMs?: number; netns?: string } = {}): Result {
        const argv = ["unshare", ...this.argv(command, opts.env)];
        const [cmd, ...args] = opts.netns ? ["ip", "netns", "exec", opts.netns, ...argv] : argv;
        return run(cmd, args, { allowFail: opts.allowFail, timeoutMs: opts.timeoutMs });
    }

    /**
     * Starts the unit's ExecStart in the root, inside network namespace `netns`, in a box
     * made from the unit's own sandbox settings (see sandboxOf); output goes to `logFile`.
     */
    spawnService(netns: string, unitText: string, env: string[], logFile: string): ChildProcess {
        const execStart = unitValues(unitText, "ExecStart").pop()!.split(/\s+/);
        const box = sandboxOf(unitText);
        for (const dir of box.created) fs.mkdirSync(this.path(dir), { recursive: true, mode: 0o700 });
        const writable = box.writable.filter(p => !p.optional || fs.existsSync(this.path(p.path))).map(p => p.path);
        // $0 is the root. The whole root read-only, then the unit's writable paths back to rw.
        const script = [
            'mount --bind "$0" "$0"',
            'mount -o remount,bind,ro "$0"',
            'mount -t proc proc "$0/proc"',
            'mount --rbind /dev "$0/dev"',
            ...(box.privateTmp ? ['mount -t tmpfs -o mode=1777 tmpfs "$0/tmp"'] : []),
            ...writable.map(p => `mount --bind "$0${p}" "$0${p}" && mount -o remount,bind,rw "$0${p}"`),
            'exec chroot "$0" "$@"',
        ].join(" && ");
        const setpriv = ["/usr/bin/setpriv",
            ...(box.noNewPrivileges ? ["--no-new-privs"] : []),
            ...(box.capabilities ? ["--bounding-set", ["-all", ...box.capabilities.map(c => "+" + c)].join(",")] : [])];
        const log = fs.openSync(logFile, "a");
        try {
            // ip netns exec, unshare, sh, chroot, setpriv and env all exec (no fork): the
            // child's pid is the service's pid.
            return spawn("ip", ["netns", "exec", netns, "unshare", "--mount", "--propagation", "private",
                "sh", "-c", script, this.dir, ...setpriv, "/usr/bin/env", "-i", ...cleanEnv, ...env, ...execStart], {
                stdio: ["ignore", log, log],
            });
        } finally {
            fs.closeSync(log);
        }
    }

    remove(): void {
        // --one-file-system: never follow into anything still mounted.
        run("rm", ["-rf", "--one-file-system", this.dir], { allowFail: true });
    }
}

/** VAR=value lines of a systemd EnvironmentFile (comments and blank lines skipped). */
export function parseEnvFile(text: string): string[] {
    return text.split("\n")
        .map(l => l.trim())
        .filter(l => l && !l.startsWith("#") && !l.startsWith(";") && l.includes("="));
}

/** The assignments one Environment= line holds, split and unquoted as systemd does: A=1 "B=x y". */
export function environmentAssignments(value: string): string[] {
    return [...value.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map(m => m[1] ?? m[2] ?? m[3]);
}

/** Every value of one Key= of a unit file's [Service] section, in order. */
export function unitValues(unitText: string, key: string): string[] {
    let section = "";
    const values: string[] = [];
    for (const raw of unitText.split("\n")) {
        const line = raw.trim();
        if (/^\[.*\]$/.test(line)) section = line;
        else if (section === "[Service]" && line.startsWith(key + "=")) values.push(line.slice(key.length + 1).trim());
    }
    return values;
}

export interface Sandbox {
    /** Paths (inside the root) the service may write; optional ones were given with "-". */
    writable: { path: string; optional: boolean }[];
    /** Directories systemd would create for the service (RuntimeDirectory=, StateDirectory=). */
    created: string[];
    /** The capability bounding set (lower-case names without cap_), or null when not limited. */
    capabilities: string[] | null;
    noNewPrivileges: boolean;
    privateTmp: boolean;
}

/**
 * The parts of the unit's sandbox a test can reproduce without systemd: ProtectSystem=strict
 * (read-only root but for ReadWritePaths=, RuntimeDirectory=, StateDirectory=),
 * CapabilityBoundingSet=, NoNewPrivileges=, PrivateTmp=.
 */
export function sandboxOf(unitText: string): Sandbox {
    const words = (key: string) => unitValues(unitText, key).flatMap(v => v.split(/\s+/)).filter(Boolean);
    const yes = (key: string) => /^(yes|true|1|on)$/i.test(unitValues(unitText, key).pop() ?? "");
    const runtime = words("RuntimeDirectory").map(d => `/run/${d}`);
    const state = words("StateDirectory").map(d => `/var/lib/${d}`);
    const extra = words("ReadWritePaths").map(p => ({ path: p.replace(/^-/, ""), optional: p.startsWith("-") }));
    assert.equal(unitValues(unitText, "ProtectSystem").pop(), "strict", "the box reproduces ProtectSystem=strict");
    const caps = words("CapabilityBoundingSet");
    return {
        writable: [...[...runtime, ...state].map(p => ({ path: p, optional: false })), ...extra],
        created: [...runtime, ...state],
        capabilities: caps.length ? caps.map(c => c.toLowerCase().replace(/^cap_/, "")) : null,
        noNewPrivileges: yes("NoNewPrivileges"),
        privateTmp: yes("PrivateTmp"),
    };
}
