// The Cockpit page with 100,000 spokes, measured in Chromium the way test/browser/scale.test.ts
// measures it at 5,000: a hub service seeded through its API (a token, then a registration, for
// each spoke), cockpit-ws serving the page, headless Chromium showing it inside Cockpit's shell.
// Seeding takes about 4 to 5 minutes; WGHUB_BENCH_PAGE_DATA=<dir> keeps the seeded data
// directory there after the run and starts later runs on a copy of it (no seeding).
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startHub, spokePublicKey, type RunningHub } from "../support/hub";
import type { FrameLocator, Page } from "playwright-core";
import { cockpitIdle, launchBrowser, PLUGIN_FRAME, prepareStorage, readableByAll, startCockpit, type RunningCockpit } from "../browser/cockpit";
import { cpuQuiet, cpuSplit } from "./procStat";

const FIRST_PAINT_MARK = "wireguard-hub:spokes-painted";
const FLOOR_PAGE = "wghub-shell-floor";
const CONCURRENCY = 50;
const BATCH = 5000;
/** How long the page may take for any one step before the bench gives up. */
const STEP_TIMEOUT_MS = 300_000;
/** Page runs, each on a hub just started; the figures are their medians. */
const RUNS = 3;

export function spokeName(i: number): string {
    return `site-${String(i).padStart(6, "0")}`;
}

function call(agent: http.Agent, options: http.RequestOptions, body?: unknown): Promise<{ status: number; text: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {};
    return new Promise((resolve, reject) => {
        const req = http.request({ ...options, headers, agent }, res => {
            const chunks: Buffer[] = [];
            res.on("data", c => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString() }));
        });
        req.on("error", reject);
        req.setTimeout(120_000, () => req.destroy(new Error(`timeout: ${options.method} ${options.path}`)));
        if (payload) req.write(payload);
        req.end();
    });
}

async function pool<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < items.length) await work(items[next++]);
    }));
}

/**
 * One phase's requests on a fresh keep-alive agent, destroyed afterwards: a socket left idle
 * between phases outlives the server's 5 s keep-alive timeout and gets ECONNRESET.
 */
async function phase<T>(items: T[], work: (agent: http.Agent, item: T) => Promise<void>): Promise<void> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    try {
        await pool(items, item => work(agent, item));
    } finally {
        agent.destroy();
    }
}

const OSES = ["linux", "linux", "linux", "windows", "macos"] as const;

/** Registers spokes `from`…`to - 1` the way real ones arrive: admin tokens, then registrations. */
async function seedBatch(hub: RunningHub, from: number, to: number): Promise<void> {
    const url = new URL(hub.publicUrl);
    const indices = Array.from({ length: to - from }, (_v, k) => from + k);
    const tokens = new Map<number, string>();
    await phase(indices, async (agent, i) => {
        const r = await call(agent, { socketPath: hub.socket, method: "POST", path: "/api/installation/token" }, { spokeName: spokeName(i) });
        if (r.status !== 201) throw new Error(`token for ${spokeName(i)}: ${r.status} ${r.text}`);
        tokens.set(i, JSON.parse(r.text).token.token);
    });
    // Spokes make their keys on their own machines: made here before the requests.
    const bodies = indices.map(i => ({ token: tokens.get(i)!, publicKey: spokePublicKey(), os: OSES[i % OSES.length], hostname: spokeName(i) }));
    await phase(bodies, async (agent, body) => {
        const r = await call(agent, { host: url.hostname, port: Number(url.port), method: "POST", path: "/api/spoke/register" }, body);
        if (r.status !== 201) throw new Error(`registration of ${body.hostname}: ${r.status} ${r.text}`);
    });
}

const HUB_ENV = {
    WGHUB_TLS: "off", WGHUB_WG_MODE: "off", WGHUB_RATE_LIMIT: "off", WGHUB_CONNECTIONS_PER_ADDRESS: "1000", WGHUB_LOG_LEVEL: "warn",
};

/**
 * Resolves once the hub has finished starting: less than 2% of a core over two half-seconds in
 * a row. A hub just started reads its 100,000 peers and renders its configuration, about 2 s
 * of CPU on this machine; a page opened on a hub that has been running meets none of that.
 */
async function settled(hub: RunningHub): Promise<void> {
    await cpuQuiet(() => { const { user, system } = cpuSplit(hub.pid); return user + system; }, "the hub, after it started,", 60_000);
}

function copyDataDir(from: string, to: string): void {
    fs.mkdirSync(to, { recursive: true });
    for (const entry of fs.readdirSync(from, { withFileTypes: true }))
        if (!entry.isSocket()) fs.cpSync(path.join(from, entry.name), path.join(to, entry.name), { recursive: true });
}

/**
 * Cockpit's part of a first paint. Its shell loads the pages it preloads (Overview and Services,
 * from cockpit-system) in hidden frames of the same renderer as the page shown, and their scripts
 * share its one main thread. `data`: an XDG data directory holding the bench's floor page
 * (test/bench/shellFloor); `config`: an XDG config directory whose manifest override turns
 * cockpit-system's preloading off, as an admin can in /etc/cockpit.
 */
function shellDirs(): { data: string; config: string } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-shell-floor-"));
    process.once("exit", () => fs.rmSync(root, { recursive: true, force: true }));
    const data = path.join(root, "data");
    const config = path.join(root, "config");
    fs.cpSync(path.join(__dirname, "shellFloor"), path.join(data, "cockpit", FLOOR_PAGE), { recursive: true });
    fs.mkdirSync(path.join(config, "cockpit"), { recursive: true });
    fs.writeFileSync(path.join(config, "cockpit", "systemd.override.json"), JSON.stringify({ preload: null }));
    readableByAll(root);
    return { data, config };
}

/** A fresh browser opens the shell at `/${name}`; when `name`'s frame marked `mark`, from its own navigation start. */
async function markedPaint(page: Page, cockpitUrl: string, name: string, mark: string, painted: (frame: FrameLocator) => Promise<void>): Promise<{ firstPaint: number; shellToTable: number }> {
    const started = Date.now();
    await page.goto(`${cockpitUrl}/${name}`);
    const frame = page.frameLocator(`iframe[name="cockpit1:localhost/${name}"]`);
    await painted(frame);
    // From loading Cockpit's shell (a fresh browser) to what was waited for.
    const shellToTable = Date.now() - started;
    const html = frame.locator("html");
    // The mark is set in the frame after the one that drew what was waited for.
    const marked = await html.evaluate(async (_h, m) => {
        for (let frames = 0; frames < 600 && !performance.getEntriesByName(m).length; frames++)
            await new Promise(resolve => requestAnimationFrame(resolve));
        return performance.getEntriesByName(m)[0]?.startTime ?? -1;
    }, mark);
    if (marked < 0) throw new Error(`${name} did not mark its first paint (${mark})`);
    const firstPaint = Math.round(marked);
    return { firstPaint, shellToTable };
}

/**
 * The hub's page, in a fresh browser, until its first 20 rows are on the screen. It finds the
 * hub as the shipped page does: in an env file that names the socket it tries meanwhile (the
 * packaged hub.env names the default one). The page is opened once Cockpit is done with the
 * shell's load that set this up, or with `atOnce` the moment that load ends: the bench's way
 * until 2026-12-06, when the page met the rest of that load and Cockpit's session starting.
 */
async function openHubPage(page: Page, cockpit: RunningCockpit, hub: RunningHub, total: string, opts: { atOnce?: boolean } = {}): Promise<{ firstPaint: number; shellToTable: number }> {
    await pointPageAtHub(page, cockpit.url, hub);
    if (!opts.atOnce) await cockpitIdle(page, cockpit, STEP_TIMEOUT_MS);
    return paintHubPage(page, cockpit.url, total);
}

/** Writes the env file naming the hub's socket, and stores where the page finds it (this loads Cockpit's shell once). */
async function pointPageAtHub(page: Page, cockpitUrl: string, hub: RunningHub): Promise<void> {
    const envFile = path.join(hub.dataDir, "page-bench.env");
    fs.writeFileSync(envFile, `WGHUB_API_SOCKET=${hub.socket}\n`);
    fs.chmodSync(envFile, 0o644);
    await prepareStorage(page, cockpitUrl, { envFile, defaultSocket: hub.socket });
}

function paintHubPage(page: Page, cockpitUrl: string, total: string): Promise<{ firstPaint: number; shellToTable: number }> {
    return markedPaint(page, cockpitUrl, "wireguard-hub", FIRST_PAINT_MARK, async frame => {
        await frame.locator("#spokes-count").filter({ hasText: new RegExp(`^${total} spokes$`) }).waitFor({ timeout: STEP_TIMEOUT_MS });
        await frame.locator("#spokes-table tbody tr").nth(19).waitFor({ timeout: STEP_TIMEOUT_MS });
    });
}

/**
 * Cockpit's Overview opened twice in this browser, each time until Cockpit is done, as by an
 * admin who has used Cockpit before: the shell's scripts come from the browser's cache, and
 * Chromium keeps a script compiled (V8's code cache) from its second load on.
 */
async function useCockpit(page: Page, cockpit: RunningCockpit): Promise<void> {
    for (let visit = 0; visit < 2; visit++) {
        await page.goto(`${cockpit.url}/system`);
        await cockpitIdle(page, cockpit, STEP_TIMEOUT_MS);
        await page.goto("about:blank");
    }
}

/**
 * The page in a browser that has used Cockpit (see useCockpit): opened for the first time,
 * then again after the browser went elsewhere, each on the hub restarted and done starting.
 */
async function openAsReturningAdmin(page: Page, cockpit: RunningCockpit, restart: () => Promise<RunningHub>, total: string): Promise<{ first: number; again: number }> {
    let hub = await restart();
    await pointPageAtHub(page, cockpit.url, hub);
    await useCockpit(page, cockpit);
    await settled(hub);
    const first = await paintHubPage(page, cockpit.url, total);
    await page.goto("about:blank");
    hub = await restart();
    await settled(hub);
    const again = await paintHubPage(page, cockpit.url, total);
    return { first: first.firstPaint, again: again.firstPaint };
}

interface Opened {
    firstPaint: number;
    shellToTable: number;
    searchMs: number;
}

/** openHubPage, then `wanted` typed into the search until its row is the one shown. */
async function openAndSearch(page: Page, cockpit: RunningCockpit, hub: RunningHub, total: string, wanted: string): Promise<Opened> {
    const opened = await openHubPage(page, cockpit, hub, total);
    const frame = page.frameLocator(PLUGIN_FRAME);
    const started = Date.now();
    await frame.locator("#spokes-search input").fill(wanted);
    await frame.locator("#spokes-count").filter({ hasText: `1 of ${total} spokes` }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await frame.locator(`#spokes-table tr[data-spoke-name="${wanted}"]`).waitFor({ timeout: STEP_TIMEOUT_MS });
    return { ...opened, searchMs: Date.now() - started };
}

type CockpitOptions = Parameters<typeof startCockpit>[0];

/** `work` with a Cockpit started for it, ended afterwards. */
async function withCockpit<T>(options: CockpitOptions, work: (cockpit: RunningCockpit) => Promise<T>): Promise<T> {
    const cockpit = await startCockpit(options);
    try {
        return await work(cockpit);
    } finally {
        await cockpit.stop();
    }
}

/** `work` in a fresh browser, closed afterwards. */
async function inFreshBrowser<T>(work: (page: Page) => Promise<T>): Promise<T> {
    const browser = await launchBrowser();
    try {
        return await work(browser.page);
    } finally {
        await browser.close();
    }
}

function inFreshCockpit<T>(options: CockpitOptions, work: (page: Page, cockpit: RunningCockpit) => Promise<T>): Promise<T> {
    return withCockpit(options, cockpit => inFreshBrowser(page => work(page, cockpit)));
}

/** The floor page's first paint, the median of three fresh browsers, each opening it as openHubPage does. */
async function shellFloor(cockpit: RunningCockpit): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
        times.push(await inFreshBrowser(async page => {
            await prepareStorage(page, cockpit.url);
            await cockpitIdle(page, cockpit, STEP_TIMEOUT_MS);
            const { firstPaint } = await markedPaint(page, cockpit.url, FLOOR_PAGE, "shell-floor:painted",
                frame => frame.locator("#floor").filter({ hasText: "ready" }).waitFor({ timeout: STEP_TIMEOUT_MS }));
            return firstPaint;
        }));
    }
    return times.sort((a, b) => a - b)[1];
}

export async function benchPage(log: (line: string) => void, spokes = 100_000): Promise<Record<string, number>> {
    // Checked before minutes of seeding: startCockpit() and launchBrowser() need both.
    for (const binary of ["/usr/lib/cockpit/cockpit-ws", "/usr/bin/cockpit-bridge", "/usr/bin/chromium"])
        if (!fs.existsSync(binary)) throw new Error(`${binary} is missing (apt-get install --no-install-recommends cockpit-ws cockpit-bridge cockpit-system chromium)`);
    const scale = spokes >= 1000 && spokes % 1000 === 0 ? `${spokes / 1000}k` : String(spokes);
    const keep = process.env.WGHUB_BENCH_PAGE_DATA;
    const seeded = !!keep && fs.existsSync(path.join(keep, "hub.sqlite"));
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-page-bench-"));
    let hub: RunningHub | undefined;
    let complete = seeded;
    try {
        if (seeded) {
            copyDataDir(keep, dataDir);
            log(`page bench: starting on a copy of ${keep} (already seeded)`);
        }
        const startOnData = () => startHub({ env: HUB_ENV, dataDir, shipped: true, timeoutMs: 120_000 });
        /** A hub that has not read the list yet: the same data, a new service. */
        const restartHub = async () => {
            await hub?.stop();
            return startOnData();
        };
        hub = await startOnData();
        if (!seeded) {
            const init = await hub.admin("POST", "/api/hub/initialize",
                { networkCIDR: "10.64.0.0/14", listenPort: 51820, publicEndpoint: "hub.example.test:51820", dns: ["10.64.0.1"] });
            if (init.status !== 201) throw new Error(`initialize: ${init.status} ${init.text}`);
            log(`page bench: seeding ${spokes.toLocaleString("en")} spokes through the API (tokens, then registrations, ${CONCURRENCY} concurrent) …`);
            const started = Date.now();
            for (let done = 0; done < spokes; done += BATCH) {
                const t0 = Date.now();
                const to = Math.min(spokes, done + BATCH);
                await seedBatch(hub, done, to);
                log(`  ${to.toLocaleString("en")} spokes (${Math.round((to - done) / ((Date.now() - t0) / 1000))} tokens + registrations/s)`);
            }
            complete = true;
            log(`page bench: seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
        }
        const total = spokes.toLocaleString("en");
        const shell = shellDirs();
        // The page opens on a hub where nobody read the list yet, as on a hub that has been
        // running (it lets the list go after a quiet minute): restarted, and done starting. Its
        // first page is read without the list (the whole list is checked afterwards). One spoke
        // is then searched by its whole name (unique: no other name contains it). Each run opens
        // the page once Cockpit is done with the shell's load that set it up, and then, in
        // another Cockpit, the moment that load ends. A first paint swings from one run to the
        // next (the shell's preloaded pages share the page's main thread): the median of three.
        // Cockpit's local session ends after about 20 s without a browser: each run starts its own.
        const preloading = { dataDirs: [shell.data] };
        const restartedAndSettled = async () => {
            hub = await restartHub();
            await settled(hub);
            return hub;
        };
        const wanted = spokeName(Math.min(spokes - 1, 54_321));
        const runs: Opened[] = [];
        const atOnce: number[] = [];
        for (let run = 0; run < RUNS; run++) {
            if (run > 0) await restartedAndSettled();
            else await settled(hub);
            const settledHub = hub;
            runs.push(await inFreshCockpit(preloading, (page, c) => openAndSearch(page, c, settledHub, total, wanted)));
            // The bench's way until 2026-12-06: the page opened the moment the shell's first load ended.
            const again = await restartedAndSettled();
            atOnce.push((await inFreshCockpit(preloading, (page, c) => openHubPage(page, c, again, total, { atOnce: true }))).firstPaint);
            log(`  run ${run + 1}: first paint ${runs[run].firstPaint} ms, search ${runs[run].searchMs} ms; opened the moment the shell loaded ${atOnce[run]} ms`);
        }
        const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
        const opened = { firstPaint: medianOf(runs.map(o => o.firstPaint)), shellToTable: medianOf(runs.map(o => o.shellToTable)) };
        const searchMs = medianOf(runs.map(o => o.searchMs));

        // The same page in a browser that has used Cockpit before, as an admin's: opened for the
        // first time, then again.
        const returning: { first: number; again: number }[] = [];
        for (let run = 0; run < RUNS; run++) {
            returning.push(await inFreshCockpit(preloading, (page, c) => openAsReturningAdmin(page, c, restartedAndSettled, total)));
            log(`  run ${run + 1} in a browser that used Cockpit before: first opening ${returning[run].first} ms, again ${returning[run].again} ms`);
        }

        const list = await hub.admin("GET", "/api/spoke/list");
        if (list.status !== 200) throw new Error(`spoke list: ${list.status} ${list.text.slice(0, 200)}`);
        const listed = (list.body.spokes as unknown[]).length;
        if (listed !== spokes) throw new Error(`the hub holds ${listed} spokes, not ${spokes}`);
        log(`page bench: the list's JSON is ${(list.text.length / 1e6).toFixed(1)} MB (${Math.round(list.text.length / listed)} bytes a spoke)`);
        // The page opened while the hub is still starting: its CPU and the browser's share the machine.
        const starting = await inFreshCockpit(preloading, async (page, c) => {
            await pointPageAtHub(page, c.url, hub!);
            await cockpitIdle(page, c, STEP_TIMEOUT_MS);
            hub = await restartHub();
            return paintHubPage(page, c.url, total);
        });
        log(`  the page opened as the hub starts: first paint ${starting.firstPaint} ms`);
        const floor = await withCockpit(preloading, shellFloor);

        // The same, in a shell that preloads no other page: what the page costs on its own.
        const notPreloading = { dataDirs: [shell.data], configDirs: [shell.config] };
        const quietHub = await restartedAndSettled();
        const [aloneFirstPaint, floorAlone] = await withCockpit(notPreloading, async c => [
            (await inFreshBrowser(page => openHubPage(page, c, quietHub, total))).firstPaint,
            await shellFloor(c),
        ]);

        const figures = {
            [`page_${scale}_first_paint_ms`]: opened.firstPaint,
            [`page_${scale}_shell_to_table_ms`]: opened.shellToTable,
            [`page_${scale}_search_ms`]: searchMs,
            [`page_${scale}_first_paint_cockpit_starting_ms`]: medianOf(atOnce),
            [`page_${scale}_first_paint_no_preload_ms`]: aloneFirstPaint,
            [`page_${scale}_first_paint_cockpit_used_ms`]: medianOf(returning.map(r => r.first)),
            [`page_${scale}_first_paint_revisit_ms`]: medianOf(returning.map(r => r.again)),
            [`page_${scale}_first_paint_hub_starting_ms`]: starting.firstPaint,
            page_shell_floor_ms: floor,
            page_shell_floor_no_preload_ms: floorAlone,
        };
        log(`page with ${total} spokes, the median of ${RUNS} runs: first paint ${opened.firstPaint} ms (from the page's navigation start), ` +
            `${opened.shellToTable} ms from opening Cockpit's shell; search of ${wanted} ${searchMs} ms`);
        log(`  opened the moment the shell's first load ended (Cockpit still busy with it): ${medianOf(atOnce)} ms`);
        log(`  Cockpit's floor in the same shell (a page that makes one request through the bridge and paints a word): ${floor} ms`);
        log(`  with the shell preloading no other page: the hub's page ${aloneFirstPaint} ms, the floor ${floorAlone} ms`);
        log(`  in a browser that used Cockpit before, the median of ${RUNS} runs: the page's first opening ${medianOf(returning.map(r => r.first))} ms, ` +
            `opened again ${medianOf(returning.map(r => r.again))} ms`);
        return figures;
    } finally {
        await hub?.stop();
        if (keep && !seeded && complete) {
            fs.rmSync(keep, { recursive: true, force: true });
            copyDataDir(dataDir, keep);
        }
        fs.rmSync(dataDir, { recursive: true, force: true });
    }
}
