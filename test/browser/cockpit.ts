// Real Cockpit for browser tests: cockpit-ws with a --local-session bridge (no login, no
// systemd) serving the built plugin from dist/, and headless Chromium through playwright-core.
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Page } from "playwright-core";
import { cpuQuiet, groupCpu } from "../bench/procStat";

export const root = path.resolve(__dirname, "..", "..");
export const distDir = path.join(root, "dist");
export const PLUGIN_FRAME = 'iframe[name="cockpit1:localhost/wireguard-hub"]';

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

async function waitForPort(port: number, child: ChildProcess, log: () => string, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
        if (child.exitCode !== null) throw new Error(`cockpit-ws exited (${child.exitCode}): ${log()}`);
        const ok = await new Promise<boolean>(resolve => {
            const s = net.connect(port, "127.0.0.1", () => {
                s.end();
                resolve(true);
            });
            s.on("error", () => resolve(false));
        });
        if (ok) return;
        await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`cockpit-ws did not listen on ${port}: ${log()}`);
}

export interface RunningCockpit {
    url: string;
    pid: number;
    log(): string;
    stop(): Promise<void>;
}

let builtPage: string | null = null;

/** Lets every user read `dir` and all it holds: cockpit-bridge may run as another user than the tests. */
export function readableByAll(dir: string): void {
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true }))
        fs.chmodSync(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
    fs.chmodSync(dir, 0o755);
}

/**
 * Builds the page with the tests' socket override into `dir` (DIR/cockpit/wireguard-hub);
 * `env` adds build switches (WGHUB_PAGE_WHOLE_STYLE).
 */
export function buildTestPage(dir: string, env: Record<string, string> = {}): void {
    const built = spawnSync(process.execPath, [path.join(root, "esbuild.config.mjs")], {
        cwd: root, encoding: "utf8", env: { ...process.env, ...env, WGHUB_PAGE_ONLY: dir, WGHUB_PAGE_SOCKET_OVERRIDE: "yes" },
    });
    if (built.status !== 0) throw new Error(`building the test page failed:\n${built.stdout}${built.stderr}`);
}

/**
 * The page as the tests serve it: built once per run with the socket override that lets each
 * test point it at its own hub (the shipped build has none), into a directory every user can
 * read, since the bridge reads it as whatever user it runs as and the checkout may be closed
 * to others (cloned into /root, 0700). Removed when the process exits.
 */
export function testPage(): string {
    if (builtPage) return builtPage;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-page-"));
    buildTestPage(dir);
    readableByAll(dir);
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    builtPage = dir;
    return dir;
}

/** The process groups of the cockpit-ws started here, ended when the test process exits at the latest. */
const cockpitGroups = new Set<number>();
process.once("exit", () => cockpitGroups.forEach(endGroup));

function endGroup(pid: number): void {
    cockpitGroups.delete(pid);
    try {
        process.kill(-pid, "SIGTERM");
    } catch {
        // every process of the group has ended
    }
}

/**
 * Starts cockpit-ws on a free port. `bridge` is the --local-session command: cockpit-bridge
 * itself (a root session), or a wrapper that drops privileges first.
 */
export async function startCockpit(opts: { bridge?: string; runAs?: string[]; dataDirs?: string[]; configDirs?: string[] } = {}): Promise<RunningCockpit> {
    const port = await freePort();
    const served = testPage();
    const args = ["--no-tls", "--address", "127.0.0.1", "--port", String(port), `--local-session=${opts.bridge ?? "/usr/bin/cockpit-bridge"}`];
    const command = opts.runAs ? opts.runAs[0] : "/usr/lib/cockpit/cockpit-ws";
    const argv = opts.runAs ? [...opts.runAs.slice(1), "/usr/lib/cockpit/cockpit-ws", ...args] : args;
    const child = spawn(command, argv, {
        env: {
            ...process.env,
            XDG_DATA_DIRS: [served, ...opts.dataDirs ?? [], "/usr/share"].join(":"),
            ...opts.configDirs ? { XDG_CONFIG_DIRS: opts.configDirs.join(":") } : {},
        },
        stdio: ["ignore", "pipe", "pipe"],
        // A process group of its own: the session's bridge starts a dbus-daemon and an
        // ssh-agent that outlive cockpit-ws, and stop() ends them with the group.
        detached: true,
    });
    cockpitGroups.add(child.pid!);
    let output = "";
    child.stdout!.on("data", d => (output += d));
    child.stderr!.on("data", d => (output += d));
    await waitForPort(port, child, () => output);
    return {
        url: `http://127.0.0.1:${port}`,
        pid: child.pid!,
        log: () => output,
        async stop() {
            if (child.exitCode === null) {
                const exited = new Promise(resolve => child.once("exit", resolve));
                child.kill("SIGTERM");
                const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
                await exited;
                clearTimeout(timer);
            }
            endGroup(child.pid!);
        },
    };
}

export interface RunningBrowser {
    browser: Browser;
    context: BrowserContext;
    page: Page;
    close(): Promise<void>;
}

/** `locale` is the browser's language (its Accept-Language), which Cockpit follows. */
export async function launchBrowser(opts: { dark?: boolean; locale?: string } = {}): Promise<RunningBrowser> {
    // Playwright gives every launch a fresh temporary profile of its own.
    const browser = await chromium.launch({
        executablePath: "/usr/bin/chromium",
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"],
        headless: true,
    });
    const context = await browser.newContext({
        // A 1,440 px window, as many admins use (the layout test covers 1,280 to 2,560 and phones).
        viewport: { width: 1440, height: 1240 },
        colorScheme: opts.dark ? "dark" : "light",
        locale: opts.locale ?? "en-US",
    });
    const page = await context.newPage();
    return {
        browser, context, page,
        async close() {
            await browser.close().catch(() => undefined);
        },
    };
}

/**
 * Opens the page inside Cockpit's shell. `opts`' paths are stored for the page (localStorage
 * of Cockpit's origin, shared by the shell and the plugin's iframe).
 */
export async function openHubPage(page: Page, cockpitUrl: string, opts: PagePaths & { style?: "light" | "dark" } = {}): Promise<FrameLocator> {
    await prepareStorage(page, cockpitUrl, opts);
    await page.goto(`${cockpitUrl}/wireguard-hub`);
    return page.frameLocator(PLUGIN_FRAME);
}

/** Where the test build's page finds the hub (see plugin/transport/cockpitTransport.ts), kept in the origin's localStorage. */
export interface PagePaths {
    /** The hub's socket, used as it is. */
    socket?: string;
    /** Instead of a socket: the env file the page reads the socket from, and the socket it tries meanwhile. */
    envFile?: string;
    defaultSocket?: string;
}

/**
 * Resolves once Cockpit is done loading what `page` shows: every frame of its shell connected,
 * the thread those frames share idle, and Cockpit's processes (cockpit-ws, the session's bridge
 * and what it started) under 2% of a core over two half-seconds in a row. An admin opens a page
 * in a session that has started; opened the moment the shell's first load ends, a page meets
 * the rest of that load and the session's start on the same cores.
 */
export async function cockpitIdle(page: Page, cockpit: RunningCockpit, timeoutMs = 60_000): Promise<void> {
    await page.waitForFunction(() => {
        const frames = [...document.querySelectorAll("iframe")];
        return frames.length > 0 && frames.every(f => f.getAttribute("data-loaded"));
    }, null, { timeout: timeoutMs });
    await page.evaluate(() => new Promise(resolve => requestIdleCallback(resolve)));
    await cpuQuiet(() => groupCpu(cockpit.pid), "Cockpit, after its shell loaded,", timeoutMs);
}

/** Sets the page's paths and Cockpit's style in the origin's localStorage. */
export async function prepareStorage(page: Page, cockpitUrl: string, opts: PagePaths & { style?: "light" | "dark" } = {}): Promise<void> {
    await page.goto(`${cockpitUrl}/`);
    await page.evaluate(({ socket, envFile, defaultSocket, style }) => {
        for (const [key, value] of [["socket", socket], ["env-file", envFile], ["default-socket", defaultSocket]])
            if (value) window.localStorage.setItem(`wireguard-hub:${key}`, value);
        window.localStorage.setItem("shell:style", style ?? "light");
    }, { socket: opts.socket, envFile: opts.envFile, defaultSocket: opts.defaultSocket, style: opts.style });
}
