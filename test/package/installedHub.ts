// The packaged service in a Debian root, run the way its unit runs it (no systemd here) in a
// network namespace of the test's own, and its wireguard-hub command.
import fs from "node:fs";
import type { ChildProcess } from "node:child_process";
import { environmentAssignments, parseEnvFile, run, unitValues, type DebianRoot, type Result } from "./chroot";

function sleep(ms: number): Promise<void> {
    return new Promise(resolve => setTimeout(resolve, ms));
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | null): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = probe();
        if (value !== null) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(250);
    }
}

function exited(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise(resolve => child.once("exit", () => resolve()));
}

export class InstalledHub {
    private child: ChildProcess | null = null;
    private netnsMade = false;

    constructor(readonly debian: DebianRoot, readonly netns: string, readonly logFile: string) {}

    /** The namespace the service listens in (as packaged, on 0.0.0.0:51821: never this machine's). */
    makeNetns(): void {
        if (this.netnsMade) return;
        run("ip", ["netns", "add", this.netns]);
        this.netnsMade = true;
        run("ip", ["-n", this.netns, "link", "set", "lo", "up"]);
    }

    cli(...args: string[]): Result {
        return this.debian.exec(["wireguard-hub", ...args], { allowFail: true, timeoutMs: 60_000 });
    }

    get pid(): number | undefined {
        return this.child?.pid;
    }

    /** Starts the service as its installed unit says; resolves once `wireguard-hub status` answers. */
    async start(): Promise<{ env: string[]; status: Result }> {
        this.makeNetns();
        const unit = fs.readFileSync(this.debian.path("lib/systemd/system/wireguard-hub.service"), "utf8");
        const envFile = unitValues(unit, "EnvironmentFile").pop()!.replace(/^-/, "");
        // Environment= lines first, then the file, as systemd applies them.
        const env = [
            ...unitValues(unit, "Environment").flatMap(environmentAssignments),
            ...parseEnvFile(fs.readFileSync(this.debian.path(envFile), "utf8")),
        ];
        const child = this.debian.spawnService(this.netns, unit, env, this.logFile);
        this.child = child;
        const status = await waitFor("the admin socket", 30_000, () => {
            if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}:\n${this.log().slice(-2000)}`);
            if (!fs.existsSync(this.debian.path("run/wireguard-hub/api.sock"))) return null;
            const r = this.cli("status");
            return r.status === 0 ? r : null;
        });
        return { env, status };
    }

    async stop(): Promise<void> {
        const child = this.child;
        this.child = null;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        const done = await Promise.race([exited(child).then(() => true), sleep(10_000).then(() => false)]);
        if (!done) {
            child.kill("SIGKILL");
            await exited(child);
            throw new Error("the service did not stop within 10 s of SIGTERM");
        }
    }

    log(): string {
        return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, "utf8") : "";
    }

    /** Stops the service and whatever it left running in the namespace (the wireguard-go daemon). */
    async destroy(): Promise<void> {
        try {
            await this.stop();
        } finally {
            if (this.netnsMade) {
                const pids = run("ip", ["netns", "pids", this.netns], { allowFail: true }).stdout.split(/\s+/).filter(Boolean);
                for (const pid of pids) run("kill", ["-TERM", pid], { allowFail: true });
                run("ip", ["netns", "del", this.netns], { allowFail: true });
                this.netnsMade = false;
            }
        }
    }
}
