// What the page asks the hub for when it opens: each thing once. The spokes table, drawn from
// the first answers, wants the tokens still waiting for their spoke while that first load runs;
// the load reads them itself instead of starting a second whole refresh.
import assert from "node:assert/strict";
import { startHub, type RunningHub } from "../support/hub";
import { launchBrowser, openHubPage, startCockpit, type RunningBrowser, type RunningCockpit } from "./cockpit";

describe("browser: the page's first load", function () {
    let hub: RunningHub;
    let cockpit: RunningCockpit;
    let browser: RunningBrowser | undefined;
    before(async () => {
        hub = await startHub({ env: { WGHUB_TLS: "off", WGHUB_WG_MODE: "off", WGHUB_LOG_LEVEL: "debug" } });
        const init = await hub.admin("POST", "/api/hub/initialize", { networkCIDR: "10.72.0.0/24", listenPort: 51820, publicEndpoint: "203.0.113.9:51820" });
        assert.equal(init.status, 201, init.text);
        const token = await hub.admin("POST", "/api/installation/token", { spokeName: "first-load-waiting" });
        assert.equal(token.status, 201, token.text);
        cockpit = await startCockpit();
    });
    after(async () => {
        await browser?.close();
        await cockpit?.stop();
        await hub?.stop();
    });

    /** How many times the hub answered GET `path` since `from` (a length of its output). */
    function asked(path: string, from: number): number {
        return hub.output().slice(from).split("\n")
            .filter(line => line.startsWith("debug: request ") && line.includes(` method="GET" path="${path}" `)).length;
    }

    it("asks for the settings, the page, the status and the waiting tokens once each", async () => {
        const from = hub.output().length;
        browser = await launchBrowser();
        const frame = await openHubPage(browser.page, cockpit.url, { socket: hub.socket });
        // The waiting token's row comes from the list the table wants.
        await frame.locator(`#spokes-table tr[data-pending-name="first-load-waiting"]`).waitFor();
        await frame.locator("body[data-refreshes='1']").waitFor();
        // The next refresh is REFRESH_MS (5 s) after this one ended: counted well before it.
        const counts = Object.fromEntries(["/api/hub/config", "/api/spoke/list", "/api/hub/status", "/api/installation/tokens", "/api/hub/list"]
            .map(path => [path, asked(path, from)]));
        assert.deepEqual(counts, {
            "/api/hub/config": 1, "/api/spoke/list": 1, "/api/hub/status": 1, "/api/installation/tokens": 1, "/api/hub/list": 1,
        }, hub.output().slice(from));
    });
});
