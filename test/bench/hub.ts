// Registration throughput and latency against a hub already holding 10,000 spokes (real
// SQLite, WGHUB_WG_MODE=off, plain HTTP with keep-alive), and the spoke list at 10,000; with
// WGHUB_BENCH_SCALE=100000, the same at 100,000 spokes on SQLite and on PostgreSQL.
import fs from "node:fs";
import http from "node:http";
import { startHub, spokePublicKey, type RunningHub } from "../support/hub";
import { releaseAfterMs } from "../../backend/spokes/list";
import { postgresBinDir, startPostgres, type RunningPostgres } from "../support/postgres";

// One keep-alive pool per phase: a socket left idle longer than the service's keep-alive
// timeout (5 s, e.g. while 5,000 tokens are made on the admin socket) is closed by the
// service, and reusing it then fails with ECONNRESET.
let agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function freshAgent(): void {
    agent.destroy();
    agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
}

/** `ms`: from sending the request to its answer's last byte (before the client decodes it). */
function call(hub: RunningHub, target: "admin" | "public", method: string, path: string, body?: unknown): Promise<{ status: number; text: string; ms: number }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(hub.publicUrl);
    const options: http.RequestOptions = target === "admin"
        ? { socketPath: hub.socket, method, path, agent }
        : { host: url.hostname, port: Number(url.port), method, path, agent };
    options.headers = payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {};
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const req = http.request(options, res => {
            const chunks: Buffer[] = [];
            res.on("data", c => chunks.push(c));
            res.on("end", () => {
                const ms = Number(process.hrtime.bigint() - started) / 1e6;
                resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString(), ms });
            });
        });
        req.on("error", reject);
        if (payload) req.write(payload);
        req.end();
    });
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < items.length) await work(items[next++]);
    }));
}

function percentile(sorted: number[], p: number): number {
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function createTokens(hub: RunningHub, n: number, prefix: string): Promise<string[]> {
    const tokens: string[] = [];
    await pool(Array.from({ length: n }, (_, i) => i), 32, async i => {
        const r = await call(hub, "admin", "POST", "/api/installation/token", { spokeName: `${prefix}-${i}` });
        if (r.status !== 201) throw new Error(`token creation: ${r.status} ${r.text}`);
        tokens.push(JSON.parse(r.text).token.token);
    });
    return tokens;
}

async function registerAll(hub: RunningHub, tokens: string[], concurrency: number, latencies?: number[]): Promise<void> {
    // Spokes make their keys on their own machines: not on the clock, nor on the hub's cores.
    const bodies = tokens.map(token => ({ token, publicKey: spokePublicKey(), os: "linux" }));
    freshAgent();
    await pool(bodies, concurrency, async body => {
        const r = await call(hub, "public", "POST", "/api/spoke/register", body);
        if (r.status !== 201) throw new Error(`registration: ${r.status} ${r.text}`);
        latencies?.push(r.ms);
    });
}

/**
 * `spokes` held before the measured 1,000 registrations: 10,000 by default, 100,000 with
 * WGHUB_BENCH_SCALE=100000 (keys then end in _100k, and _pg_100k on PostgreSQL; seeding takes
 * a few minutes, with progress). The service runs the way the packaged unit runs it.
 */
export async function benchHub(log: (line: string) => void, spokes = Number(process.env.WGHUB_BENCH_SCALE ?? 10_000),
    database: "sqlite" | "postgres" = "sqlite"): Promise<Record<string, number>> {
    let pg: RunningPostgres | null = null;
    if (database === "postgres") pg = await startPostgres();
    const hub = await startHub({
        shipped: true, timeoutMs: 60_000,
        env: { WGHUB_TLS: "off", WGHUB_RATE_LIMIT: "off", WGHUB_CONNECTIONS_PER_ADDRESS: "1000", WGHUB_LOG_LEVEL: "warn", ...(pg ? { WGHUB_DATABASE_URL: pg.url } : {}) },
    });
    try {
        const init = await call(hub, "admin", "POST", "/api/hub/initialize",
            { networkCIDR: spokes > 60_000 ? "10.64.0.0/14" : "10.64.0.0/16", listenPort: 51820, publicEndpoint: "203.0.113.5:51820" });
        if (init.status !== 201) throw new Error(init.text);

        log(`seeding ${spokes.toLocaleString("en")} spokes through the API (${database}) …`);
        const seedStarted = Date.now();
        const batch = spokes >= 50_000 ? 5000 : 1000;
        for (let done = 0; done < spokes; done += batch) {
            const t0 = Date.now();
            await registerAll(hub, await createTokens(hub, batch, `seed${done}`), 50);
            log(`  ${done + batch} spokes (${Math.round(batch / ((Date.now() - t0) / 1000))} tokens + registrations/s)`);
        }
        const seedSeconds = (Date.now() - seedStarted) / 1000;

        const tokens = await createTokens(hub, 1000, "bench");
        const latencies: number[] = [];
        const started = process.hrtime.bigint();
        await registerAll(hub, tokens, 50, latencies);
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        latencies.sort((a, b) => a - b);

        // The list is built again after any write, and answered from what was built while
        // nothing changed (a page polling a quiet hub): both are measured, to the last byte.
        freshAgent();
        const timeList = async () => {
            const r = await call(hub, "admin", "GET", "/api/spoke/list");
            if (r.status !== 200) throw new Error(`list: ${r.status}`);
            count = JSON.parse(r.text).spokes.length;
            return r.ms;
        };
        let count = 0;
        const cold: number[] = [];
        const warm: number[] = [];
        for (let i = 0; i < 7; i++) {
            await createTokens(hub, 1, `write${i}`);
            cold.push(await timeList());
            warm.push(await timeList(), await timeList());
        }
        cold.sort((a, b) => a - b);
        warm.sort((a, b) => a - b);

        // What the service holds once the burst is over. At 100,000 spokes the list's views are
        // kept a minute after the last list (a page open on the hub keeps them): the figure is
        // taken past that minute, and the RSS while they are kept is printed beside it.
        const rssNow = () => Math.round(Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${hub.pid}/status`, "utf8"))?.[1]) / 1024);
        let rssListKept: number | null = null;
        if (spokes >= 50_000) {
            await new Promise(r => setTimeout(r, 45_000));
            rssListKept = rssNow();
            await new Promise(r => setTimeout(r, releaseAfterMs + 20_000 - 45_000));
        }
        const rss = rssNow();
        const scale = `${database === "postgres" ? "_pg" : ""}${spokes === 10_000 ? "" : `_${Math.round(spokes / 1000)}k`}`;
        const figures: Record<string, number> = spokes === 10_000 && database === "sqlite" ? {
            registrations_per_s: Math.round(1000 / seconds),
            register_p50_ms: +percentile(latencies, 50).toFixed(1),
            register_p99_ms: +percentile(latencies, 99).toFixed(1),
            spoke_list_10k_ms: +percentile(warm, 50).toFixed(1),
            spoke_list_10k_cold_ms: +percentile(cold, 50).toFixed(1),
        } : {
            [`registrations_per_s${scale}`]: Math.round(1000 / seconds),
            [`register_p50_ms${scale}`]: +percentile(latencies, 50).toFixed(1),
            [`register_p99_ms${scale}`]: +percentile(latencies, 99).toFixed(1),
            [`spoke_list${scale}_ms`]: +percentile(warm, 50).toFixed(1),
            [`spoke_list${scale}_cold_ms`]: +percentile(cold, 50).toFixed(1),
            [`rss${scale}_mb`]: rss,
            ...(rssListKept === null ? {} : { [`rss${scale}_list_kept_mb`]: rssListKept }),
        };
        log(`seeded ${spokes.toLocaleString("en")} spokes in ${seedSeconds.toFixed(1)} s (token + registration each, ${database})`);
        log(`1,000 registrations, 50 concurrent, hub at ${spokes.toLocaleString("en")} spokes: ${Math.round(1000 / seconds)}/s, ` +
            `p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms; service RSS ${rss} MB settled` +
            (rssListKept === null ? "" : ` (${rssListKept} MB 45 s after the last list, its views still kept)`));
        log(`GET /api/spoke/list with ${count} spokes: median ${percentile(warm, 50).toFixed(1)} ms, ` +
            `${percentile(cold, 50).toFixed(1)} ms when a write came in between (built again)`);
        return figures;
    } finally {
        agent.destroy();
        await hub.stop();
        await pg?.stop();
    }
}

/** The 100,000-spoke run on both databases (PostgreSQL when its server binaries are installed). */
export async function benchHubAtScale(log: (line: string) => void, spokes: number): Promise<Record<string, number>> {
    const figures = await benchHub(log, spokes, "sqlite");
    if (postgresBinDir()) Object.assign(figures, await benchHub(log, spokes, "postgres"));
    else log("PostgreSQL run skipped: its server binaries are missing (apt-get install postgresql)");
    return figures;
}
