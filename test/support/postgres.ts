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
}

export async function startPostgres(): Promise<RunningPostgres> {
    const bin = postgresBinDir();
    if (!bin) throw new Error("PostgreSQL server binaries are missing (apt-get install postgresql)");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-pg-"));
    fs.chmodSync(dir, 0o755);
    const data = path.join(dir, "data");
    const asPostgres = (cmd: string, args: string[]) =>
        execFileSync("runuser", ["-u", "postgres", "--", cmd, ...args], { stdio: "pipe" });
    execFileSync("chown", ["postgres:postgres", dir]);
    asPostgres(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
    const port = await freePort();
    const server: ChildProcess = spawn("runuser", ["-u", "postgres", "--", path.join(bin, "postgres"),
        "-D", data, "-k", dir, "-h", "127.0.0.1", "-p", String(port), "-c", "fsync=off"], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    server.stderr!.on("data", d => (log += d));
    const exited = new Promise<void>(resolve => server.once("exit", () => resolve()));
    const until = Date.now() + 20_000;
    for (;;) {
        try {
            execFileSync(path.join(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
            break;
        } catch {
            if (Date.now() > until) {
                server.kill("SIGKILL");
                throw new Error(`PostgreSQL did not start:\n${log}`);
            }
            await new Promise(r => setTimeout(r, 100));
        }
    }
    execFileSync(path.join(bin, "createdb"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "wghub"]);
    return {
        url: `postgres://postgres@127.0.0.1:${port}/wghub`,
        async stop() {
            // runuser forwards SIGTERM to postgres: a "smart" shutdown.
            server.kill("SIGTERM");
            const timer = setTimeout(() => server.kill("SIGKILL"), 10_000);
            await exited;
            clearTimeout(timer);
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
