// A throwaway Debian 12 root for the package test, unpacked from a cached tarball, and the
// commands the test runs in it. Every command mounts /proc and /dev inside its own private
// mount namespace, so nothing stays mounted on the host whatever happens to the test.
import fs from "node:fs";
import path from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";

export interface Result {
    status: number | null;
    stdout: string;
    stderr: string;
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; allowFail?: boolean; timeoutMs?: number } = {}): Result {
    const r = spawnSync(cmd, args, {
        encoding: "utf8",
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
    static create(dir: string, cacheTarball: string, makeScript: string): DebianRoot {
        run("bash", [makeScript, cacheTarball], { timeoutMs: 900_000 });
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

    exec(command: string[], opts: { env?: string[]; allowFail?: boolean; timeoutMs?: number } = {}): Result {
        return run("unshare", this.argv(command, opts.env), { allowFail: opts.allowFail, timeoutMs: opts.timeoutMs });
    }

    /** Starts a long-running command in the root inside network namespace `netns`; output goes to `logFile`. */
    spawnInNetns(netns: string, command: string[], env: string[], logFile: string): ChildProcess {
        const log = fs.openSync(logFile, "a");
        try {
            // ip netns exec and unshare exec (no fork), sh execs chroot, chroot execs env, env
            // execs node: the child's pid is the service's pid.
            return spawn("ip", ["netns", "exec", netns, "unshare", ...this.argv(command, env)], {
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

/** One Key= of a unit file's [Service] section (the last one wins, as in systemd). */
export function unitValue(unitText: string, key: string): string | null {
    let section = "";
    let value: string | null = null;
    for (const raw of unitText.split("\n")) {
        const line = raw.trim();
        if (/^\[.*\]$/.test(line)) section = line;
        else if (section === "[Service]" && line.startsWith(key + "=")) value = line.slice(key.length + 1);
    }
    return value;
}
