// The setting every browser test needs, set up and torn down in one place: a hub service,
// cockpit-ws serving the page, Chromium showing it. `usePageWorld()` registers mocha's hooks
// in the calling describe() and returns the world, filled once its before() hook has run.
import assert from "node:assert/strict";
import type { FrameLocator, Page } from "playwright-core";
import { startHub, type RunningHub } from "../support/hub";
import { launchBrowser, openHubPage, startCockpit, type RunningBrowser, type RunningCockpit } from "./cockpit";
import { saveFailure } from "./shots";

export interface PageWorld {
    hub: RunningHub;
    cockpit: RunningCockpit;
    browser: RunningBrowser;
    page: Page;
    frame: FrameLocator;
    /** Script errors of the page (console errors from its files, uncaught exceptions). */
    scriptErrors: string[];
}

export interface PageWorldOptions {
    /** How the hub starts; by default plain HTTP and no WireGuard (the page alone). */
    hub?: () => Promise<RunningHub>;
    /** POST /api/hub/initialize with this body before the page opens (none: the wizard shows). */
    init?: Record<string, unknown>;
    /** Runs after the hub starts, before Cockpit does (seeding spokes…). */
    prepare?: (hub: RunningHub) => Promise<void>;
    /** cockpit-ws's --local-session command (default: cockpit-bridge as this user). */
    bridge?: () => string;
    /** The browser's language (Cockpit follows it). */
    locale?: string;
    /** Let the page use the clipboard. */
    clipboard?: boolean;
    /** Open the page at once (default), or leave it to the tests. */
    open?: boolean;
}

export function usePageWorld(options: PageWorldOptions = {}): PageWorld {
    const world = { scriptErrors: [] as string[] } as PageWorld;

    before(async function () {
        world.hub = await (options.hub ?? (() => startHub({ env: { WGHUB_TLS: "off", WGHUB_WG_MODE: "off" } })))();
        if (options.init) {
            const init = await world.hub.admin("POST", "/api/hub/initialize", options.init);
            assert.equal(init.status, 201, init.text);
        }
        await options.prepare?.(world.hub);
        world.cockpit = await startCockpit(options.bridge ? { bridge: options.bridge() } : {});
        world.browser = await launchBrowser({ locale: options.locale });
        world.page = world.browser.page;
        if (options.clipboard)
            await world.browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: world.cockpit.url });
        world.page.on("console", m => {
            if (m.type() === "error" && m.location().url.includes("wireguard-hub")) world.scriptErrors.push(m.text());
        });
        world.page.on("pageerror", e => world.scriptErrors.push(String(e)));
        if (options.open ?? true) world.frame = await openHubPage(world.page, world.cockpit.url, { socket: world.hub.socket });
    });

    afterEach(async function () {
        if (this.currentTest?.state === "failed") await saveFailure(world.page, this.currentTest.title);
    });

    after(async function () {
        await world.browser?.close();
        await world.cockpit?.stop();
        await world.hub?.stop();
    });

    return world;
}
