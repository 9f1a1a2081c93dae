// How the page finds the hub: in /etc/wireguard-hub/hub.env (WGHUB_API_SOCKET), read through
// Cockpit's bridge. Its first reads do not wait for that read: they go to the socket a hub has
// unless hub.env moves it, and again to the one hub.env names if it is another. The test build
// lets each test give the env file and that likely socket (plugin/transport/cockpitTransport.ts).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startHub, tempDirUntilExit, type RunningHub } from "../support/hub";
import { launchBrowser, openHubPage, readableByAll, startCockpit, type RunningBrowser, type RunningCockpit } from "./cockpit";

describe("browser: the page finds the hub's socket in hub.env", function () {
    let hub: RunningHub;
    let cockpit: RunningCockpit;
    let browser: RunningBrowser | undefined;
    let dir: string;
    let publicKey: string;
    const scriptErrors: string[] = [];
    async function open(paths: { envFile: string; defaultSocket: string }) {
        browser = await launchBrowser();
        browser.page.on("console", m => {
            if (m.type() === "error" && m.location().url.includes("wireguard-hub")) scriptErrors.push(m.text());
        });
        browser.page.on("pageerror", e => scriptErrors.push(String(e)));
        return openHubPage(browser.page, cockpit.url, paths);
    }
    before(async () => {
        hub = await startHub({ env: { WGHUB_TLS: "off", WGHUB_WG_MODE: "off" } });
        const init = await hub.admin("POST", "/api/hub/initialize", { networkCIDR: "10.71.0.0/24", listenPort: 51820, publicEndpoint: "203.0.113.9:51820" });
        assert.equal(init.status, 201, init.text);
        publicKey = (await hub.admin("GET", "/api/hub/config")).body.publicKey;
        cockpit = await startCockpit();
        dir = tempDirUntilExit("wghub-env-");
    });
    afterEach(async () => {
        await browser?.close();
        browser = undefined;
    });
    after(async () => {
        await cockpit?.stop();
        await hub?.stop();
    });

    /** An env file the bridge can read, as an admin might write it. */
    function envFile(name: string, lines: string[]): string {
        const file = path.join(dir, name);
        fs.writeFileSync(file, ["# wireguard-hub's environment", "WGHUB_LOG_LEVEL=info", ...lines, ""].join("\n"));
        readableByAll(dir);
        return file;
    }

    const absent = () => path.join(dir, "nothing-listens-here.sock");

    it("asks the socket hub.env names when nothing listens on the likely one", async () => {
        const frame = await open(
            { envFile: envFile("moved.env", [`WGHUB_API_SOCKET="${hub.socket}"`]), defaultSocket: absent() });
        await frame.locator("#hub-card").waitFor();
        assert.equal(await frame.locator("#hub-public-key").textContent(), publicKey);
    });

    it("keeps to the socket hub.env names even when the likely one answers", async () => {
        const frame = await open(
            { envFile: envFile("elsewhere.env", [`WGHUB_API_SOCKET=${absent()}`]), defaultSocket: hub.socket });
        await frame.locator("#state-service-down").waitFor();
        assert.equal(await frame.locator("#hub-card").count(), 0, "the likely socket's answers are not shown");
    });

    it("takes the likely socket's answers when hub.env names no other", async () => {
        for (const lines of [[], [`WGHUB_API_SOCKET=${hub.socket}`]]) {
            const frame = await open({ envFile: envFile("default.env", lines), defaultSocket: hub.socket });
            await frame.locator("#hub-card").waitFor();
            assert.equal(await frame.locator("#hub-public-key").textContent(), publicKey);
            await browser?.close();
            browser = undefined;
        }
    });

    it("reports no script errors, the dropped answers included", function () {
        assert.deepEqual(scriptErrors, []);
    });
});
