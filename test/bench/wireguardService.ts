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

/**
 * The service started the way the packaged unit starts it (`node server.js`, no
 * --enable-source-maps, which alone adds ~130 MB of RSS), inside the hub namespace.
 */

const rssMb = (pid: number, field: "VmRSS" | "VmHWM") =>
    Math.round(Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024);

async function startShippedService(netns: string, env: Record<string, string>) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-bench-svc-"));
    const socket = path.join(dataDir, "api.sock");
    const child = spawn("ip", ["netns", "exec", netns, process.execPath, serverJs], {
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
        admin,
        async stop() {
            child.kill("SIGTERM");
            await exited;
        },
    };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Every spoke's agent polling the hub once a minute (the agent's default), simulated from the
 * spokes' own tunnel addresses (put on the hub namespace's loopback: the hub's agent API sees
 * what it would see through the tunnel). The hub's CPU over the second minute (all 304s), its
 * RSS, and how long a DNS change takes to reach every agent.
 */
async function benchAgents(lab: Lab, hub: { pid: number; admin: (m: string, p: string, b?: unknown) => Promise<any> }, log: (line: string) => void,
    periodMs = Number(process.env.WGHUB_BENCH_AGENT_PERIOD_MS ?? 60_000)): Promise<Record<string, number>> {
    const spokes = ((await hub.admin("GET", "/api/spoke/list")).body.spokes as { address: string; publicKey: string }[])
        .map(s => ({ address: s.address, publicKey: s.publicKey }));
    await lab.hub.run("ip", ["-batch", "-"], { input: spokes.map(s => `address add ${s.address}/32 dev lo`).join("\n") + "\n" });
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
    const cpuBefore = cpuSeconds(hub.pid);
    const steady = await event("steady");
    const cpuPct = ((cpuSeconds(hub.pid) - cpuBefore) / (periodMs / 1000)) * 100;
    const rss = rssMb(hub.pid, "VmRSS");
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
    if (propagated.failures) log(`  agent requests without an answer: ${JSON.stringify(propagated.failed)} (by status; 0 = no HTTP answer)`);
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
