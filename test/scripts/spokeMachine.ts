// A pretend spoke for running the install scripts without root or a real network: a temp
// root (WGHUB_ROOT_PREFIX), and a PATH holding only the stubs of test/support/stubs (which
// record their arguments) plus the few real tools a script needs. curl is the real one.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const repoRoot = path.resolve(__dirname, "..", "..");
export const stubsDir = path.join(repoRoot, "test", "support", "stubs");
export const fixturesDir = path.join(repoRoot, "test", "fixtures");

const realTools = [
    "bash", "sh", "env", "cat", "sed", "awk", "grep", "head", "tail", "tr", "cut", "mkdir", "chmod",
    "mv", "rm", "cp", "ln", "date", "sleep", "mktemp", "dirname", "basename", "curl", "sort", "touch", "wc", "stat", "base64",
];

/** Stubs every machine has; the others are added by name. wg and wg-quick appear once a package manager installs them. */
const baseStubs = ["id", "ip", "ping", "ping6", "hostname", "systemctl", "apt-get", "yum", "dnf", "pacman", "zypper", "uname", "chown"];

export interface RunResult {
    code: number | null;
    stdout: string;
    stderr: string;
    /** Each stub call: [command, ...args]. */
    calls: string[][];
}

export interface MachineOptions {
    /** Extra stubs: resolvconf, resolvectl, pveversion, pvecm, brew, launchctl, sw_vers, sudo… */
    stubs?: string[];
    /** wg and wg-quick already installed. */
    wireguardInstalled?: boolean;
    /** systemd runs (the directory /run/systemd/system exists under the root). */
    systemd?: boolean;
}

function which(tool: string): string {
    for (const dir of ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin"]) {
        const p = path.join(dir, tool);
        if (fs.existsSync(p)) return p;
    }
    throw new Error(`${tool} not found on this machine`);
}

export class SpokeMachine {
    readonly dir: string;
    readonly root: string;
    readonly bin: string;
    readonly installed: string;
    readonly state: string;
    readonly log: string;

    constructor(opts: MachineOptions = {}) {
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-spoke-"));
        this.root = path.join(this.dir, "root");
        this.bin = path.join(this.dir, "bin");
        this.installed = path.join(this.dir, "installed");
        this.state = path.join(this.dir, "state");
        this.log = path.join(this.dir, "calls.log");
        for (const d of [this.root, this.bin, this.installed, this.state, path.join(this.root, "etc"), path.join(this.root, "tmp")])
            fs.mkdirSync(d, { recursive: true });
        for (const tool of realTools) fs.symlinkSync(which(tool), path.join(this.bin, tool));
        for (const stub of [...baseStubs, ...(opts.stubs ?? [])]) this.addStub(stub);
        if (opts.wireguardInstalled) {
            fs.symlinkSync(path.join(stubsDir, "wg"), path.join(this.installed, "wg"));
            fs.symlinkSync(path.join(stubsDir, "wg-quick"), path.join(this.installed, "wg-quick"));
        }
        if (opts.systemd) fs.mkdirSync(path.join(this.root, "run", "systemd", "system"), { recursive: true });
        fs.writeFileSync(this.log, "");
    }

    addStub(name: string): void {
        const target = path.join(this.bin, name);
        fs.rmSync(target, { force: true });
        fs.symlinkSync(path.join(stubsDir, name), target);
    }

    removeTool(name: string): void {
        fs.rmSync(path.join(this.bin, name), { force: true });
    }

    /** A path inside the pretend root. */
    path(p: string): string {
        return path.join(this.root, p);
    }

    writeFile(p: string, text: string, mode = 0o644): string {
        const full = this.path(p);
        fs.mkdirSync(path.dirname(full), { recursive: true });
        fs.writeFileSync(full, text, { mode });
        return full;
    }

    readFile(p: string): string {
        return fs.readFileSync(this.path(p), "utf8");
    }

    exists(p: string): boolean {
        return fs.existsSync(this.path(p));
    }

    calls(): string[][] {
        return fs.readFileSync(this.log, "utf8").split("\n").filter(Boolean).map(l => l.split("\t"));
    }

    env(extra: Record<string, string> = {}): Record<string, string> {
        return {
            PATH: `${this.installed}:${this.bin}`,
            HOME: this.dir,
            TMPDIR: path.join(this.root, "tmp"),
            LANG: "C.UTF-8",
            STUB_DIR: stubsDir,
            STUB_LOG: this.log,
            STUB_STATE: this.state,
            STUB_INSTALLED: this.installed,
            WGHUB_ROOT_PREFIX: this.root,
            WGHUB_HANDSHAKE_WAIT: "2",
            ...extra,
        };
    }

    /** Runs a script with bash and ARGS, as `curl … | sudo bash -s -- ARGS` would. */
    runScript(body: string, args: string[] = [], env: Record<string, string> = {}): Promise<RunResult> {
        const file = path.join(this.dir, `script-${Date.now()}-${Math.random().toString(36).slice(2)}.sh`);
        fs.writeFileSync(file, body);
        return this.run(["/bin/bash", file, ...args], env);
    }

    /** Runs a command line with sh -c (for the one-liners), with this machine's PATH. */
    runShell(commandLine: string, env: Record<string, string> = {}): Promise<RunResult> {
        return this.run(["/bin/sh", "-c", commandLine], env);
    }

    private run(argv: string[], env: Record<string, string>): Promise<RunResult> {
        fs.writeFileSync(this.log, "");
        return new Promise((resolve, reject) => {
            // stdin is /dev/null, never a socket: Debian's bash reads ~/.bashrc when it is one.
            const child = spawn(argv[0]!, argv.slice(1), {
                env: this.env(env),
                cwd: this.dir,
                stdio: ["ignore", "pipe", "pipe"],
            });
            let stdout = "";
            let stderr = "";
            child.stdout!.on("data", d => (stdout += d));
            child.stderr!.on("data", d => (stderr += d));
            child.on("error", reject);
            const timer = setTimeout(() => child.kill("SIGKILL"), 50_000);
            child.on("close", code => {
                clearTimeout(timer);
                resolve({ code, stdout, stderr, calls: this.calls() });
            });
        });
    }

    cleanup(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

export function callsOf(result: RunResult, command: string): string[][] {
    return result.calls.filter(c => c[0] === command);
}
