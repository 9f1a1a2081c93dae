// Two hubs on one PostgreSQL database (run as root: network namespaces, wireguard-go).
//
// Hub A runs in the lab's hub namespace, hub B in a second namespace on the same LAN, each
// with its own wireguard-go interface (WGHUB_WG_MODE=userspace); both reach one throwaway
// PostgreSQL server through a relay in A's namespace. A is initialised, B joins; then 5,000
// spokes register on each hub at the same time (real X25519 public keys, 25 requests in flight
// per hub, from inside the lab). Measured:
// - multihub_registrations_per_s: both hubs' registrations together, per second of the run;
// - multihub_route_*_ms: for 200 registrations on A spread over the run, the time from A's
//   201 answer until B's WireGuard routes the spoke's /32 through its peer of A, read on B with
//   `wg show <if> allowed-ips` polled back to back (an upper bound: it counts until the end of
//   the first read that shows the route).
// test/bench/run.ts calls benchMultiHub(); alone: `node --import tsx test/bench/multihub.ts [spokes per hub]`.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { performance } from "node:perf_hooks";
import { root, spokePublicKey, startHub, type RunningHub } from "../support/hub";
import { createLab, waitFor, type Host } from "../support/netns";
import { startPostgres } from "../support/postgres";
import { cpuSplit } from "./procStat";

const epochMs = () => performance.timeOrigin + performance.now();

function percentile(sorted: number[], p: number): number {
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < items.length) await work(items[next++]);
    }));
}

/** Where the server's unix socket is (its own settings): the relay connects there. */
async function postgresSocket(url: string): Promise<string> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Client } = require("pg") as {
        Client: new (o: { connectionString: string }) => {
            connect(): Promise<void>;
            query(text: string): Promise<{ rows: Record<string, string>[] }>;
            end(): Promise<void>;
        };
    };
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
        const dir = (await client.query("SHOW unix_socket_directories")).rows[0].unix_socket_directories.split(",")[0].trim();
        const port = (await client.query("SHOW port")).rows[0].port;
        return path.join(dir, `.s.PGSQL.${port}`);
    } finally {
        await client.end();
    }
}

/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid: number): number {
    const { user, system } = cpuSplit(pid);
    return user + system;
}

/** The wireguard-go process in a namespace. */
async function wireguardGoPid(host: Host): Promise<number> {
    const pids = (await host.run("ip", ["netns", "pids", host.ns])).split(/\s+/).filter(Boolean).map(Number);
    const pid = pids.find(p => fs.readFileSync(`/proc/${p}/comm`, "utf8").trim() === "wireguard-go");
    if (pid === undefined) throw new Error(`no wireguard-go in ${host.ns}`);
    return pid;
}

/** `wg show IF allowed-ips` read on `host`: the allowed IPs of the peer `publicKey`. */
async function allowedIPsOf(host: Host, iface: string, publicKey: string): Promise<Set<string>> {
    const out = await host.run("wg", ["show", iface, "allowed-ips"]);
    const line = out.split("\n").find(l => l.startsWith(publicKey + "\t"));
    return new Set(line ? line.slice(publicKey.length + 1).split(/\s+/).filter(Boolean) : []);
}

async function createTokens(hub: RunningHub, n: number, prefix: string): Promise<string[]> {
    const tokens: string[] = [];
    await pool(Array.from({ length: n }, (_, i) => i), 32, async i => {
        const r = await hub.admin("POST", "/api/installation/token", { spokeName: `${prefix}-${i}` });
        if (r.status !== 201) throw new Error(`token on ${prefix}: ${r.status} ${r.text}`);
        tokens.push(r.body.token.token);
    });
    return tokens;
}

export async function benchMultiHub(log: (line: string) => void = l => console.error(l), perHub = 5_000, samples = 200): Promise<Record<string, number>> {
    const pg = await startPostgres();
    const lab = await createLab({ spokes: 1, subnet: 13, privateDirs: [] });
    const hubs: RunningHub[] = [];
    try {
        const [hostA, hostB] = [lab.hub, lab.spokes[0]];
        const relay = hostA.spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "databaseRelay.ts"), await postgresSocket(pg.url), "5432"], {
            cwd: root, stdio: ["ignore", "pipe", "inherit"],
        });
        await new Promise<void>((resolve, reject) => {
            relay.stdout!.once("data", () => resolve());
            relay.once("exit", code => reject(new Error(`the database relay exited (${code})`)));
        });

        const ifA = lab.hubInterface;
        const ifB = `${lab.hubInterface}b`;
        const start = (host: Host, name: string, iface: string, database: string) => startHub({
            netns: host.ns, timeoutMs: 60_000,
            env: {
                WGHUB_DATABASE_URL: `postgres://postgres@${database}:5432/wghub`, WGHUB_HUB_NAME: name,
                WGHUB_WG_MODE: "userspace", WGHUB_INTERFACE: iface, WGHUB_TLS: "off",
                WGHUB_PUBLIC_LISTEN: `${host.lanAddress}:51821`, WGHUB_PUBLIC_URL: `http://${host.lanAddress}:51821`,
                WGHUB_RATE_LIMIT: "off", WGHUB_CONNECTIONS_PER_ADDRESS: "1000", WGHUB_LOG_LEVEL: "warn",
            },
        });
        const hubA = await start(hostA, "hub-a", ifA, "127.0.0.1");
        hubs.push(hubA);
        const init = await hubA.admin("POST", "/api/hub/initialize", { networkCIDR: "10.64.0.0/16", listenPort: 51820, publicEndpoint: `${hostA.lanAddress}:51820` });
        if (init.status !== 201) throw new Error(`initialize A: ${init.status} ${init.text}`);
        const hubB = await start(hostB, "hub-b", ifB, hostA.lanAddress);
        hubs.push(hubB);
        const join = await hubB.admin("POST", "/api/hub/join", { publicEndpoint: `${hostB.lanAddress}:51820` });
        if (join.status !== 201) throw new Error(`join B: ${join.status} ${join.text}`);
        const members = (await hubA.admin("GET", "/api/hub/list")).body.hubs as { name: string; publicKey: string; address: string }[];
        const keyOf = (name: string) => members.find(m => m.name === name)!.publicKey;
        const [keyA, keyB] = [keyOf("hub-a"), keyOf("hub-b")];
        // Each hub's peer of the other, routing at least that hub's own address.
        await waitFor("each hub's peer of the other", async () =>
            (await allowedIPsOf(hostA, ifA, keyB)).size > 0 && (await allowedIPsOf(hostB, ifB, keyA)).size > 0, 30_000, 200);

        log(`multi-hub: ${perHub.toLocaleString("en")} tokens on each of two hubs …`);
        const [tokensA, tokensB] = await Promise.all([createTokens(hubA, perHub, "a"), createTokens(hubB, perHub, "b")]);
        // Spokes make their keys on their own machines: not on the clock, nor on the hubs' cores.
        const items = (tokens: string[]) => tokens.map(token => ({ token, publicKey: spokePublicKey() }));
        const work = {
            concurrency: 25,
            hubs: [
                { url: `http://${hostA.lanAddress}:51821`, items: items(tokensA), sampleEvery: Math.max(1, Math.floor(perHub / samples)) },
                { url: `http://${hostB.lanAddress}:51821`, items: items(tokensB), sampleEvery: 0 },
            ],
        };

        log(`multi-hub: ${(2 * perHub).toLocaleString("en")} registrations, both hubs at once; B's routes to A's spokes read from B's wg …`);
        // Where the machine's CPU goes during the run (the hubs, their wireguard-go).
        const watched: [string, number][] = [["hub A", hubA.pid], ["hub B", hubB.pid],
            ["wireguard-go A", await wireguardGoPid(hostA)], ["wireguard-go B", await wireguardGoPid(hostB)]];
        const cpuBefore = watched.map(([, pid]) => cpuSeconds(pid));
        const worker = hostA.spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "multihubWorker.ts")], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
        const pending = new Map<string, number>();
        const routeMs: number[] = [];
        let finished: { seconds: number; latencies: number[] } | null = null;
        let failed: string | null = null;
        readline.createInterface({ input: worker.stdout! }).on("line", line => {
            const event = JSON.parse(line);
            if (event.sample !== undefined) pending.set(`${event.address}/32`, event.at);
            else if (event.done) finished = event;
            else if (event.fail) failed = event.fail;
        });
        const exited = new Promise<number | null>(resolve => worker.once("exit", resolve));
        worker.stdin!.end(JSON.stringify(work));

        // B's view, read back to back until every sample is routed (or the worker failed).
        const readMs: number[] = [];
        let sampled = 0;
        let finishedAt = Infinity;
        while (failed === null && (finished === null || pending.size > 0)) {
            if (finished !== null) finishedAt = Math.min(finishedAt, Date.now());
            if (Date.now() - finishedAt > 120_000) throw new Error(`${pending.size} sampled spokes of A still not routed by B 2 minutes after the last registration`);
            const t0 = epochMs();
            const routed = await allowedIPsOf(hostB, ifB, keyA);
            const now = epochMs();
            readMs.push(now - t0);
            for (const [cidr, at] of pending) {
                if (!routed.has(cidr)) continue;
                routeMs.push(now - at);
                pending.delete(cidr);
                sampled++;
            }
        }
        const code = await exited;
        if (failed !== null || code !== 0 || finished === null) throw new Error(`registrations failed: ${failed ?? `worker exit ${code}`}`);
        const run = finished as { seconds: number; latencies: number[] };
        const cpu = watched.map(([name, pid], i) => `${name} ${Math.round(((cpuSeconds(pid) - cpuBefore[i]) / run.seconds) * 100)} %`).join(", ");

        // Everything arrived: each hub routes every spoke of the other (and its address) through one peer.
        await waitFor("every spoke routed through the other hub", async () =>
            (await allowedIPsOf(hostB, ifB, keyA)).size === perHub + 1 && (await allowedIPsOf(hostA, ifA, keyB)).size === perHub + 1, 120_000, 500);

        // Each hub's service holding its own spokes and routing the other's.
        const rss = hubs.map(h => Math.round(Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${h.pid}/status`, "utf8"))?.[1]) / 1024));
        routeMs.sort((a, b) => a - b);
        run.latencies.sort((a, b) => a - b);
        readMs.sort((a, b) => a - b);
        const figures = {
            multihub_registrations_per_s: Math.round((2 * perHub) / run.seconds),
            multihub_register_p99_ms: Math.round(percentile(run.latencies, 99)),
            multihub_route_p50_ms: Math.round(percentile(routeMs, 50)),
            multihub_route_p99_ms: Math.round(percentile(routeMs, 99)),
            multihub_route_max_ms: Math.round(routeMs[routeMs.length - 1]),
            multihub_rss_mb: Math.max(...rss),
        };
        log(`two hubs on one PostgreSQL, ${(2 * perHub).toLocaleString("en")} registrations (${perHub.toLocaleString("en")} each, 25 in flight per hub): ` +
            `${figures.multihub_registrations_per_s}/s together, p50 ${percentile(run.latencies, 50).toFixed(0)} ms, p99 ${figures.multihub_register_p99_ms} ms`);
        log(`  A's 201 → B routes the spoke through its peer of A (${sampled} samples, B's wg read every ~${percentile(readMs, 50).toFixed(0)} ms): ` +
            `p50 ${figures.multihub_route_p50_ms} ms, p99 ${figures.multihub_route_p99_ms} ms, max ${figures.multihub_route_max_ms} ms`);
        log(`  CPU during the registrations, in % of one core: ${cpu}; machine load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores; ` +
            `RSS then: hub A ${rss[0]} MB, hub B ${rss[1]} MB`);
        return figures;
    } finally {
        for (const hub of hubs.reverse()) await hub.stop();
        await lab.destroy();
        await pg.stop();
        for (const hub of hubs) fs.rmSync(hub.dataDir, { recursive: true, force: true });
    }
}

if (require.main === module) {
    benchMultiHub(undefined, Number(process.argv[2] ?? 5_000)).then(f => console.log(JSON.stringify(f, null, 2)), err => {
        console.error(err);
        process.exit(1);
    });
}
