// The hub service itself holding 10,000 spokes on wireguard-go (run as root): seeds them
// through the real API (tokens on the admin socket, registrations on the public listener
// from inside the hub's namespace), then reads what the service reports and its RSS.
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { spawn } from "node:child_process";
import os from "node:os";
import { request, serverJs, unitEnvironment } from "../support/hub";
import { createLab, waitFor, type Lab } from "../support/netns";
import { generateKeyPair } from "../../backend/wireguard/keys";
import { cpuSplit } from "./procStat";

/**
 * The service started the way the packaged unit starts it (`node server.js`, no
 * --enable-source-maps, which alone adds ~130 MB of RSS), inside the hub namespace.
 */

const rssMb = (pid: number, field: "VmRSS" | "VmHWM" | "RssAnon" | "RssFile") =>
    Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024);

async function startShippedService(netns: string, env: Record<string, string>) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-bench-svc-"));
    const socket = path.join(dataDir, "api.sock");
    // WGHUB_PROFILE_DIR: a V8 CPU profile written when the service stops, and a heap snapshot
    // taken during the agents' steady minute (test/bench/profileWindow.ts DIR prints where that
    // minute went). WGHUB_BENCH_PERF=DIR: `perf record` of that
    // minute instead (CPU time, kernel included; the V8 profile counts wall time).
    const profileDir = process.env.WGHUB_PROFILE_DIR;
    const profiling = [
        ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${profileDir}`] : []),
        ...(process.env.WGHUB_BENCH_PERF ? ["--perf-basic-prof-only-functions"] : []),
    ];
    const child = spawn("ip", ["netns", "exec", netns, process.execPath, ...profiling, serverJs], {
        env: { ...process.env, ...unitEnvironment(), ...env, WGHUB_DATA_DIR: dataDir, WGHUB_API_SOCKET: socket }, stdio: ["ignore", "ignore", "pipe"],
    });
    let output = "";
    child.stderr!.on("data", d => (output += d));
    const exited = new Promise(resolve => child.once("exit", resolve));
    const admin = (method: string, urlPath: string, body?: unknown) =>
        request({ socketPath: socket, method, path: urlPath, headers: { host: "localhost" } }, body);
    await waitFor(`the service to answer (output: ${output})`, async () => (await admin("GET", "/healthz-probe")).status === 404, 20_000, 100);
    return {
        pid: child.pid!,
        dataDir,
        /** What the service printed (WGHUB_LOG_LEVEL=warn: its warnings and errors). */
        output: () => output,
        admin,
        async stop() {
            child.kill("SIGTERM");
            await exited;
        },
    };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Anonymous RSS: malloc's main heap (brk), and the rest (V8's pages, other mmaps, thread stacks). */
function anonymousRss(pid: number): string {
    let brk = 0, other = 0, current: string | null = null;
    for (const line of fs.readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
        const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
        if (head) current = head[1] === "0" ? head[2] || "anon" : null;
        const rss = /^Rss:\s+(\d+) kB/.exec(line);
        if (rss && current === "[heap]") brk += Number(rss[1]);
        else if (rss && current === "anon") other += Number(rss[1]);
    }
    return `malloc heap ${Math.round(brk / 1024)} MB, other anonymous mappings ${Math.round(other / 1024)} MB`;
}

/** The V8 heap by space and the external memory, from the service's /metrics. */
async function v8Memory(hub: { admin: (m: string, p: string) => Promise<any> }): Promise<string> {
    const text = String((await hub.admin("GET", "/metrics")).body);
    const mb = (re: RegExp) => (Number(re.exec(text)?.[1] ?? NaN) / 1048576).toFixed(1);
    const spaces = [...text.matchAll(/^wghub_nodejs_heap_space_size_total_bytes\{space="(\w+)"\} (\S+)$/gm)]
        .map(m => `${m[1]} ${(Number(m[2]) / 1048576).toFixed(1)}`).join(", ");
    return `used ${mb(/^wghub_nodejs_heap_size_used_bytes (\S+)$/m)} MB of ${mb(/^wghub_nodejs_heap_size_total_bytes (\S+)$/m)} MB ` +
        `(by space, MB: ${spaces}), external ${mb(/^wghub_nodejs_external_memory_bytes (\S+)$/m)} MB`;
}

/**
 * CPU seconds by thread: the main thread (the event loop), and the others (libuv's pool, where
 * SQLite works, and V8's helpers: here all named "node").
 */
function cpuByThread(pid: number): Map<string, number> {
    const byThread = new Map<string, number>();
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        try {
            const { user, system } = cpuSplit(pid, `/proc/${pid}/task/${tid}/stat`);
            byThread.set(Number(tid) === pid ? "main" : tid, user + system);
        } catch {
            // The thread ended in between.
        }
    }
    return byThread;
}

/**
 * A heap snapshot of the service (--heapsnapshot-signal), and the steady minute's bounds on the
 * monotonic clock the CPU profile's timestamps use, to cut that minute out of it.
 */
async function heapSnapshot(pid: number, dir: string, steadyFromUs: number, log: (line: string) => void): Promise<void> {
    const steadyToUs = Number(process.hrtime.bigint() / 1000n);
    fs.writeFileSync(path.join(dir, "steady-window.json"), JSON.stringify({ pid, steadyFromUs, steadyToUs }));
    const before = new Set(fs.readdirSync(dir));
    process.kill(pid, "SIGUSR2");
    const file = await waitFor("the heap snapshot", async () => fs.readdirSync(dir).find(f => f.endsWith(".heapsnapshot") && !before.has(f)), 120_000, 500);
    let size = -1;
    await waitFor("the heap snapshot to be written", async () => {
        const now = fs.statSync(path.join(dir, file)).size;
        const done = now > 0 && now === size;
        size = now;
        return done;
    }, 120_000, 1_000);
    log(`  heap snapshot: ${path.join(dir, file)}`);
}

/**
 * Every spoke's agent polling the hub once a minute (the agent's default), simulated from the
 * spokes' own tunnel addresses (put on the hub namespace's loopback: the hub's agent API sees
 * what it would see through the tunnel). The hub's CPU over the second minute (all 304s), its
 * RSS, and how long a DNS change takes to reach every agent.
 */
async function benchAgents(lab: Lab, hub: { pid: number; admin: (m: string, p: string, b?: unknown) => Promise<any>; output: () => string }, log: (line: string) => void,
    periodMs = Number(process.env.WGHUB_BENCH_AGENT_PERIOD_MS ?? 60_000)): Promise<Record<string, number>> {
    const spokes = ((await hub.admin("GET", "/api/spoke/list")).body.spokes as { address: string; publicKey: string }[])
        .map(s => ({ address: s.address, publicKey: s.publicKey }));
    // The agents bind to their spokes' addresses through one local route for the whole network
    // (any address under a `local` route can be bound). Ten thousand addresses on lo instead
    // each made a netlink event that wireguard-go in this namespace reads; they overflowed its
    // socket, it died of ENOBUFS, and thousands of agents found no route until the next run.
    const network = String((await hub.admin("GET", "/api/hub/config")).body.networkCIDR);
    await lab.hub.run("ip", ["route", "add", "local", network, "dev", "lo", "table", "local"]);
    const hubAddress = String((await hub.admin("GET", "/api/hub/config")).body.interfaceAddress).split("/")[0]!;
    const worker = lab.hub.spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "agentsWorker.ts"), hubAddress, "51823", String(periodMs)], {
        cwd: path.resolve(__dirname, "..", ".."), stdio: ["pipe", "pipe", "inherit"],
    });
    const events: Record<string, any>[] = [];
    readline.createInterface({ input: worker.stdout! }).on("line", l => events.push(JSON.parse(l)));
    worker.stdin!.write(JSON.stringify(spokes) + "\n");
    const event = (name: string) => waitFor(`the agents' ${name} event`, async () => events.find(e => e.event === name), 4 * periodMs, 200);
    // The first minute fetches every config (200); the second is the steady state (304s).
    await new Promise(r => setTimeout(r, periodMs));
    const cpuBefore = cpuSplit(hub.pid);
    const threadsBefore = cpuByThread(hub.pid);
    const perfDir = process.env.WGHUB_BENCH_PERF;
    const perf = perfDir
        ? spawn("perf", ["record", "-F", "997", "-g", "-p", String(hub.pid), "-o", path.join(perfDir, "steady.perf.data"), "--", "sleep", String(periodMs / 1000)], { stdio: "ignore" })
        : null;
    const steadyFromUs = Number(process.hrtime.bigint() / 1000n);
    const steady = await event("steady");
    if (perf) await new Promise(resolve => (perf.exitCode !== null ? resolve(null) : perf.once("exit", resolve)));
    const cpuAfter = cpuSplit(hub.pid);
    const user = cpuAfter.user - cpuBefore.user, system = cpuAfter.system - cpuBefore.system;
    const cpuPct = ((user + system) / (periodMs / 1000)) * 100;
    const rss = rssMb(hub.pid, "VmRSS");
    const threads = [...cpuByThread(hub.pid)].map(([name, s]) => [name, s - (threadsBefore.get(name) ?? 0)] as const).filter(([, s]) => s > 0);
    log(`  the service's CPU in the steady minute: user ${user.toFixed(2)} s, system ${system.toFixed(2)} s`);
    log(`  the service's CPU in the steady minute by thread: ${threads.map(([name, s]) => `${name} ${s.toFixed(2)} s`).join(", ")}`);
    log(`  the service's RSS then: ${rssMb(hub.pid, "RssAnon")} MB anonymous (${anonymousRss(hub.pid)}), ${rssMb(hub.pid, "RssFile")} MB file-backed`);
    if (process.env.WGHUB_PROFILE_DIR) await heapSnapshot(hub.pid, process.env.WGHUB_PROFILE_DIR, steadyFromUs, log);
    log(`  its V8 heap then (after the RSS was read): ${await v8Memory(hub)}`);
    const put = await hub.admin("PUT", "/api/hub/config", { dns: ["10.64.0.53"] });
    if (put.status !== 200) throw new Error(`PUT /api/hub/config: ${put.status}`);
    worker.stdin!.write("changed\n");
    const propagated = await event("propagated");
    worker.kill();
    const figures = {
        agents_cpu_pct: Math.round(cpuPct * 10) / 10,
        agents_rss_10k_mb: rss,
        propagate_10k_ms: propagated.ms,
        // Requests that got no HTTP answer (connection refused, reset or timed out): the agent retries at its next cycle.
        agents_failed_requests: propagated.failures,
    };
    if (propagated.failures) {
        log(`  agent requests without an answer: ${JSON.stringify(propagated.failed)} (by status; 0 = no HTTP answer: ${JSON.stringify(propagated.noAnswer)})`);
        const warnings = hub.output().trim().split("\n").filter(l => l && !/drift, correcting a peer/.test(l));
        log(`  the service's last warnings (drift of single peers left out): ${warnings.slice(-10).join("\n    ") || "none"}`);
    }
    log(`${spokes.length} agents polling once a minute: the hub spends ${figures.agents_cpu_pct} % of one core on them (${steady.notModified} answers 304 in two minutes), ` +
        `RSS ${rss} MB; a DNS change reached every agent in ${(propagated.ms / 1000).toFixed(1)} s`);
    return figures;
}

export async function benchWireGuardService(spokes = 10_000, log: (line: string) => void = l => console.error(l)): Promise<Record<string, number>> {
    const lab = await createLab({ subnet: 9 });
    const lan = lab.hub.lanAddress;
    const publicUrl = `http://${lan}:51821`;
    const hub = await startShippedService(lab.hub.ns, {
        WGHUB_WG_MODE: "userspace", WGHUB_TLS: "off", WGHUB_INTERFACE: lab.hubInterface, WGHUB_PUBLIC_LISTEN: `${lan}:51821`,
        WGHUB_PUBLIC_URL: publicUrl, WGHUB_RATE_LIMIT: "off", WGHUB_LOG_LEVEL: "warn",
        // Plain HTTP inside the lab's namespaces; 10,000 registrations from one address.
        WGHUB_ALLOW_HTTP_ENROLLMENT: "yes", WGHUB_CONNECTIONS_PER_ADDRESS: "1000",
    });
    try {
        const init = await hub.admin("POST", "/api/hub/initialize", { networkCIDR: "10.64.0.0/16", listenPort: 51820, publicEndpoint: `${lan}:51820` });
        if (init.status !== 201) throw new Error(init.text);
        await new Promise(r => setTimeout(r, 1_000));
        const rssEmptyMb = rssMb(hub.pid, "VmRSS");
        const seedStarted = Date.now();
        const register = async (count: number, prefix: string) => {
            const items: { token: string; publicKey: string }[] = [];
            for (let i = 0; i < count; i++) {
                const r = await hub.admin("POST", "/api/installation/token", { spokeName: `${prefix}-${i}` });
                if (r.status !== 201) throw new Error(`token: ${r.status} ${r.text}`);
                items.push({ token: r.body.token.token, publicKey: generateKeyPair().publicKey });
            }
            const child = lab.hub.spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "system", "registrar.ts"), publicUrl, "16"], {
                cwd: path.resolve(__dirname, "..", ".."), stdio: ["pipe", "pipe", "inherit"],
            });
            child.stdin!.end(JSON.stringify(items));
            let failed = "";
            readline.createInterface({ input: child.stdout! }).on("line", l => {
                if (l.startsWith("fail")) failed ||= l;
            });
            await new Promise(resolve => child.once("exit", resolve));
            if (failed) throw new Error(`registration failed: ${failed}`);
        };
        for (let done = 0; done < spokes; done += 1000) {
            await register(Math.min(1000, spokes - done), `seed${done}`);
            log(`  ${Math.min(done + 1000, spokes)} spokes registered on the service (${((Date.now() - seedStarted) / 1000).toFixed(0)} s)`);
        }
        await waitFor(`${spokes} peers on wg0`, async () => {
            const out = await lab.hub.run("wg", ["show", lab.hubInterface, "peers"]);
            return out.trim().split("\n").length === spokes;
        }, 120_000, 1_000);

        // Scheduled runs with nothing to change (default schedule, every 30 s): what the
        // service reports about them. The schedule also sizes the per-spoke traffic history.
        const status = async () => (await hub.admin("GET", "/api/hub/status")).body.reconcile;
        const idle: number[] = [];
        const before = await status();
        let last = before.runs;
        while (idle.length < 3) {
            await new Promise(r => setTimeout(r, 500));
            const s = await status();
            if (s.runs > last && s.lastReconcile.kind === "full") {
                if (s.lastReconcile.changes !== 0) throw new Error(`an idle run changed ${s.lastReconcile.changes} peers`);
                idle.push(s.lastReconcile.durationMs);
            }
            last = s.runs;
        }
        const idleWrites = (await status()).writes - before.writes;

        // One registration on a hub of 10,000: the fast run the service made for it.
        const applies: number[] = [];
        const live: number[] = [];
        for (let i = 0; i < 15; i++) {
            const runsBefore = (await status()).runs;
            await register(1, `one${i}`);
            await waitFor("the run for one registration", async () => {
                const s = await status();
                return s.runs > runsBefore && s.lastReconcile.kind === "fast" && s.lastReconcile.changes === 1 ? s : null;
            }, 10_000, 20);
            const last = (await status()).lastReconcile;
            applies.push(last.durationMs);
            if (typeof last.appliedMs === "number") live.push(last.appliedMs);
        }
        // What the service holds for 10,000 spokes once the burst is over: V8 gives back the
        // heap a burst made it grow (its memory reducer, after a few quiet seconds), so RSS is
        // read after 45 s without requests (one scheduled run or more in between). The peak
        // (VmHWM) is the burst of 10,000 registrations.
        const busyRssMb = rssMb(hub.pid, "VmRSS");
        await new Promise(r => setTimeout(r, 45_000));
        const settledRssMb = rssMb(hub.pid, "VmRSS");
        // The V8 heap in use, from the service's own /metrics: RSS also holds heap that
        // garbage collection has freed but not returned.
        const metrics = String((await hub.admin("GET", "/metrics")).body);
        const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(metrics)?.[1] ?? NaN);
        const heapUsedMb = Math.round(metric("wghub_nodejs_heap_size_used_bytes") / 1024 / 1024);
        const figures = {
            rss_10k_mb: settledRssMb,
            rss_10k_busy_mb: busyRssMb,
            rss_10k_peak_mb: rssMb(hub.pid, "VmHWM"),
            service_heap_used_10k_mb: heapUsedMb,
            service_rss_empty_mb: rssEmptyMb,
            service_idle_run_ms: Math.round(median(idle)),
            service_idle_run_writes: idleWrites,
            service_apply_one_run_ms: Math.round(median(applies)),
            ...(live.length ? { service_apply_one_live_ms: Math.round(median(live)) } : {}),
        };
        log(`hub service holding ${spokes} spokes on wireguard-go: RSS ${figures.rss_10k_mb} MB settled, ${busyRssMb} MB right after the registrations, ` +
            `${figures.rss_10k_peak_mb} MB at the peak (${rssEmptyMb} MB initialised with none; V8 heap in use ${heapUsedMb} MB)`);
        log(`  its scheduled runs with nothing to do (database read, dump, status stored): median ${figures.service_idle_run_ms} ms, ${idleWrites} writes`);
        log(`  its run for one new registration (database read, one wg set, conf file): median ${figures.service_apply_one_run_ms} ms` +
            (live.length ? `, the peer on wg0 after ${median(live).toFixed(0)} ms of it` : ""));
        if (process.env.WGHUB_BENCH_AGENTS !== "0") Object.assign(figures, await benchAgents(lab, hub, log));
        return figures;
    } finally {
        await hub.stop();
        await lab.destroy();
        fs.rmSync(hub.dataDir, { recursive: true, force: true });
    }
}

if (require.main === module) {
    benchWireGuardService(Number(process.argv[2] ?? 10_000)).then(f => console.log(JSON.stringify(f, null, 2)), err => {
        console.error(err);
        process.exit(1);
    });
}
