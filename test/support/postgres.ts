// A private PostgreSQL server for one test run: initdb in a temp dir owned by the
// `postgres` user, listening only on a unix socket in that dir and on 127.0.0.1:<free port>.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./hub";

export function postgresBinDir(): string | null {
    const base = "/usr/lib/postgresql";
    if (!fs.existsSync(base)) return null;
    const versions = fs.readdirSync(base).filter(v => fs.existsSync(path.join(base, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
    return versions.length ? path.join(base, versions[0], "bin") : null;
}

export interface RunningPostgres {
    url: string;
    stop(): Promise<void>;
    /** Stops the server (a fast shutdown: clients are cut), keeping its data for resume(). */
    halt(): Promise<void>;
    /** Starts the halted server again on the same address and data. */
    resume(): Promise<void>;
}

export interface PostgresOptions {
    /** Run inside this network namespace, listening on `host` (default: 127.0.0.1 in this one). */
    netns?: string;
    host?: string;
    /** Clients from this network are trusted (pg_hba), for hubs in other namespaces. */
    trustNetwork?: string;
}

export async function startPostgres(options: PostgresOptions = {}): Promise<RunningPostgres> {
    const bin = postgresBinDir();
    if (!bin) throw new Error("PostgreSQL server binaries are missing (apt-get install postgresql)");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-pg-"));
    fs.chmodSync(dir, 0o755);
    const data = path.join(dir, "data");
    const asPostgres = (cmd: string, args: string[]) =>
        execFileSync("runuser", ["-u", "postgres", "--", cmd, ...args], { stdio: "pipe" });
    execFileSync("chown", ["postgres:postgres", dir]);
    asPostgres(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
    if (options.trustNetwork) fs.appendFileSync(path.join(data, "pg_hba.conf"), `host all all ${options.trustNetwork} trust\n`);
    const host = options.host ?? "127.0.0.1";
    const port = options.netns ? 5432 : await freePort();
    const inNamespace = (cmd: string, args: string[]): [string, string[]] =>
        options.netns ? ["ip", ["netns", "exec", options.netns, cmd, ...args]] : [cmd, args];
    let server: ChildProcess;
    let exited: Promise<void>;
    let log = "";
    const start = async () => {
        const [cmd, args] = inNamespace("runuser", ["-u", "postgres", "--", path.join(bin, "postgres"),
            "-D", data, "-k", dir, "-h", host, "-p", String(port), "-c", "fsync=off"]);
        server = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
        server.stderr!.on("data", d => (log += d));
        exited = new Promise<void>(resolve => server.once("exit", () => resolve()));
        const until = Date.now() + 20_000;
        for (;;) {
            try {
                const [c, a] = inNamespace(path.join(bin, "pg_isready"), ["-h", host, "-p", String(port)]);
                execFileSync(c, a, { stdio: "ignore" });
                break;
            } catch {
                if (Date.now() > until) {
                    server.kill("SIGKILL");
                    throw new Error(`PostgreSQL did not start:\n${log}`);
                }
                await new Promise(r => setTimeout(r, 100));
            }
        }
    };
    const shutdown = async (signal: NodeJS.Signals) => {
        // To the server itself (its pid file), not to runuser in front of it.
        const pid = Number(fs.readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
        try {
            process.kill(pid, signal);
        } catch {
            server.kill(signal);
        }
        const timer = setTimeout(() => server.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
    };
    await start();
    const [c, a] = inNamespace(path.join(bin, "createdb"), ["-h", host, "-p", String(port), "-U", "postgres", "wghub"]);
    execFileSync(c, a);
    let halted = false;
    return {
        url: `postgres://postgres@${host}:${port}/wghub`,
        async stop() {
            // runuser forwards SIGTERM to postgres: a "smart" shutdown.
            if (!halted) await shutdown("SIGTERM");
            fs.rmSync(dir, { recursive: true, force: true });
        },
        async halt() {
            // SIGINT: a "fast" shutdown, which does not wait for the hubs' connections to end.
            await shutdown("SIGINT");
            halted = true;
        },
        async resume() {
            await start();
            halted = false;
        },
    };
}
