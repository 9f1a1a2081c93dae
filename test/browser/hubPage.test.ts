// The Cockpit page end to end: the real hub service, real cockpit-ws with the built plugin,
// headless Chromium. Everything the admin does goes through the page; the spoke side
// registers through the public API, as the install script would.
import assert from "node:assert/strict";
import type { FrameLocator, Page } from "playwright-core";
import { spokePublicKey, type RunningHub } from "../support/hub";
import { PLUGIN_FRAME } from "./cockpit";
import { shoot } from "./shots";
import { usePageWorld } from "./world";

describe("browser: the WireGuard Hub page in Cockpit", function () {
    const world = usePageWorld({ clipboard: true });
    let hub: RunningHub;
    let page: Page;
    let frame: FrameLocator;
    before(() => ({ hub, page, frame } = world));

    async function spokeRow(name: string) {
        const row = frame.locator(`#spokes-table tr[data-spoke-name="${name}"]`);
        await row.waitFor();
        const id = (await row.getAttribute("id"))!.replace(/^spoke-row-/, "");
        return { row, id };
    }

    it("runs the first-run wizard with inline validation, a review step and the result", async function () {
        await frame.locator("#setup-wizard").waitFor();
        await shoot(page, frame, "wizard");
        // Each step starts on its first field, and its examples read as examples.
        await frame.locator("#setup-network-cidr:focus").waitFor();
        assert.equal(await frame.locator("#setup-network-cidr6").getAttribute("placeholder"), "e.g. fd00:1::/64");

        const cidr = frame.locator("#setup-network-cidr");
        await cidr.fill("10.20.0.0/33");
        await frame.locator("#setup-network-cidr-helper").filter({ hasText: "Not an IPv4 network" }).waitFor();
        assert.equal(await frame.locator("#setup-network-next").isDisabled(), true, "Next is blocked while the network is invalid");
        await cidr.fill("10.20.0.0/24");
        await frame.locator("#setup-network-next:not([disabled])").click();

        const endpoint = frame.locator("#setup-public-endpoint");
        await frame.locator("#setup-public-endpoint:focus").waitFor();
        await endpoint.fill("hub.example.test");
        await frame.locator("#setup-public-endpoint-helper").filter({ hasText: "Add the port, for example hub.example.test:51820" }).waitFor();
        await endpoint.fill("hub.example.test:51820");
        await frame.locator("#setup-private-endpoint").fill("192.168.50.1:51820");
        await frame.locator("#setup-endpoints-next").click();

        await frame.locator("#setup-dns:focus").waitFor();
        await frame.locator("#setup-dns").fill("1.1.1.1, 9.9.9.9");
        await frame.locator("#setup-dns-next").click();

        await frame.locator("#setup-review-network").filter({ hasText: "10.20.0.0/24" }).waitFor();
        assert.equal(await frame.locator("#setup-review-public").textContent(), "hub.example.test:51820");
        // The enrollment port is the service's own setting: named before the hub exists.
        const enrollPort = new URL(world.hub.publicUrl).port;
        await frame.locator("#setup-review-ports").filter({ hasText: `UDP 51820 for WireGuard, TCP ${enrollPort} for enrollment` }).waitFor();
        await frame.locator("#setup-review-next").click();

        await frame.locator("#setup-result").waitFor();
        const config = await hub.admin("GET", "/api/hub/config");
        assert.equal(config.status, 200);
        assert.equal(config.body.networkCIDR, "10.20.0.0/24");
        assert.deepEqual(config.body.dns, ["1.1.1.1", "9.9.9.9"]);
        assert.equal(await frame.locator("#setup-result-public-key").textContent(), config.body.publicKey);
        // WireGuard is off in this hub: the result says so instead of claiming it listens.
        await frame.locator("#setup-result-wireguard-off").waitFor();
        assert.equal(await frame.locator("#setup-result-listening").count(), 0);
        const port = new URL(hub.publicUrl).port;
        assert.match((await frame.locator("#setup-result-ports").textContent())!, new RegExp(`UDP port 51820 .*TCP port ${port} `));
        // The result stays through the refreshes that now find the hub set up, until the admin moves on.
        const refreshes = Number(await frame.locator("body").getAttribute("data-refreshes"));
        await frame.locator(`body[data-refreshes="${refreshes + 2}"]`).waitFor({ timeout: 30_000 });
        assert.equal(await frame.locator("#setup-result").isVisible(), true);
        assert.equal(await frame.locator("#hub-card").count(), 0);
        await shoot(page, frame, "setup-result");

        await frame.locator("#setup-open-dashboard").click();
        await frame.locator("#hub-card").waitFor();
        assert.equal(await frame.locator("#hub-public-endpoint").textContent(), "hub.example.test:51820");
        assert.equal(await frame.locator("#hub-public-key").textContent(), config.body.publicKey);
        await frame.locator("#spokes-empty").waitFor();
    });

    it("edits the hub's endpoints and DNS", async function () {
        await frame.locator("#hub-edit").click();
        const dns = frame.locator("#edit-hub-dns");
        await dns.fill("1.1.1.1, nonsense");
        await frame.locator("#edit-hub-dns-helper").filter({ hasText: "nonsense is not an IP address" }).waitFor();
        assert.equal(await frame.locator("#edit-hub-save").isDisabled(), true);
        await dns.fill("9.9.9.9");
        await frame.locator("#edit-hub-save").click();
        await frame.locator("#edit-hub-dialog").waitFor({ state: "detached" });
        await frame.locator("#hub-dns").filter({ hasText: /^9\.9\.9\.9$/ }).waitFor();
        assert.deepEqual((await hub.admin("GET", "/api/hub/config")).body.dns, ["9.9.9.9"]);
    });

    it("adds a spoke, copies its Linux command, and sees the spoke register", async function () {
        await frame.locator("#add-spoke").click();
        const dialog = frame.locator("#add-spoke-dialog");
        await dialog.waitFor();
        await frame.locator("#add-spoke-name").fill("bad name!");
        await frame.locator("#add-spoke-name-helper").filter({ hasText: "letters, digits" }).waitFor();
        await frame.locator("#add-spoke-name").fill("branch-1");
        await frame.locator("#add-spoke-subnets").fill("192.168.77.0/24");
        await frame.locator("#add-spoke-datacenter").fill("Paris");
        await shoot(page, frame, "add-spoke-form");
        await frame.locator("#add-spoke-create").click();

        await frame.locator("#token-once").waitFor();
        const command = (await frame.locator("#install-command-linux").textContent())!;
        // The public URL is the public endpoint's host on the enrollment port.
        const port = new URL(hub.publicUrl).port;
        assert.match(command, new RegExp(`^printf 'url = "%s"\\\\n' 'http://hub\\.example\\.test:${port}/api/installation/script/[A-Za-z0-9_-]{43}\\?platform=linux' \\| curl -fsSL -K - \\| sudo bash$`));
        await frame.locator("#install-command-linux-copy").click();
        const copied = await frame.locator("body").evaluate(() => navigator.clipboard.readText());
        assert.equal(copied, command, "the copy button puts the exact command on the clipboard");
        await frame.locator("#token-follow[data-stage='waiting']").waitFor();
        await frame.locator("#install-tab-windows").click();
        assert.match((await frame.locator("#install-command-windows").textContent())!, /platform=windows/);
        await frame.locator("#install-tab-linux").click();
        await shoot(page, frame, "add-spoke-token");

        // The spoke's side: the token from the copied command, a key made on the spoke.
        const token = /script\/([A-Za-z0-9_-]+)\?/.exec(copied)![1];
        // The spoke reaches the hub by the listener's address (hub.example.test does not resolve here).
        const registered = await hub.publicRequest("POST", "/api/spoke/register",
            { token, publicKey: spokePublicKey(), os: "linux", hostname: "branch-1" });
        assert.equal(registered.status, 201, registered.text);

        await frame.locator("#token-follow[data-stage='registered']").waitFor({ timeout: 10_000 });
        await frame.locator("#add-spoke-done").click();
        await dialog.waitFor({ state: "detached" });

        const { row } = await spokeRow("branch-1");
        await frame.locator(`#spokes-table tr[data-spoke-name="branch-1"][data-state="registered"]`).waitFor();
        assert.equal(await row.locator(".wgh-spoke-state").textContent(), "Registered");
        assert.match((await row.textContent())!, /10\.20\.0\.\d+/);
        assert.match((await frame.locator("#hub-peers").textContent())!, /0 of 1/);
    });

    it("disables and enables the spoke from its row", async function () {
        const { id } = await spokeRow("branch-1");
        await frame.locator(`#spoke-actions-${id}`).click();
        await frame.locator(`#spoke-disable-${id}`).click();
        const disabled = frame.locator(`#spokes-table tr[data-spoke-name="branch-1"][data-state="disabled"]`);
        await disabled.waitFor();
        assert.equal(await disabled.locator(".wgh-spoke-state").textContent(), "Disabled");
        const listed = await hub.admin("GET", "/api/spoke/list");
        assert.equal(listed.body.spokes[0].enabled, false);

        await frame.locator(`#spoke-actions-${id}`).click();
        await frame.locator(`#spoke-enable-${id}`).click();
        await frame.locator(`#spokes-table tr[data-spoke-name="branch-1"][data-state="registered"]`).waitFor();
        assert.equal((await hub.admin("GET", "/api/spoke/list")).body.spokes[0].enabled, true);
    });

    it("edits the spoke from its row: datacenter and routed subnets, checked as typed; agent actions wait for an agent", async function () {
        const { id } = await spokeRow("branch-1");
        await frame.locator(`#spoke-actions-${id}`).click();
        // Without an agent (this spoke registered through the API), rotation and uninstall are offered greyed, with the reason.
        for (const action of ["rotate", "uninstall"])
            await frame.locator(`#spoke-${action}-${id}:disabled, #spoke-${action}-${id} [aria-disabled=true], #spoke-${action}-${id}[aria-disabled=true]`).first().waitFor();
        await frame.locator(`#spoke-edit-${id}`).click();
        await frame.locator("#edit-spoke-dialog").waitFor();
        assert.equal(await frame.locator("#edit-spoke-name").inputValue(), "branch-1");
        await frame.locator("#edit-spoke-subnets").fill("192.168.77.0/24, nonsense");
        await frame.locator("#edit-spoke-subnets-helper").filter({ hasText: "nonsense" }).waitFor();
        assert.equal(await frame.locator("#edit-spoke-save").isDisabled(), true);
        await frame.locator("#edit-spoke-subnets").fill("192.168.77.0/24, 192.168.78.0/24");
        await frame.locator("#edit-spoke-datacenter").fill("Lyon");
        await frame.locator("#edit-spoke-save").click();
        await frame.locator("#edit-spoke-dialog").waitFor({ state: "detached" });
        const shown = ((await hub.admin("GET", "/api/spoke/list")).body.spokes as any[]).find(s => s.id === id);
        assert.deepEqual([shown.datacenter, shown.subnets], ["Lyon", ["192.168.77.0/24", "192.168.78.0/24"]]);
        // The agent column shows from PatternFly's xl breakpoint: this window is narrower.
        await frame.locator(`#spoke-row-${id} .wgh-spoke-agent`).filter({ hasText: "none" }).waitFor({ state: "attached" });
    });

    it("keeps the tab and the traffic's spoke in the address, through a reload and back", async function () {
        const { id } = await spokeRow("branch-1");
        await frame.locator(`#spoke-actions-${id}`).click();
        await frame.locator(`#spoke-traffic-${id}`).click();
        await frame.locator("#traffic-spoke").filter({ hasText: "branch-1" }).waitFor();
        assert.match(page.url(), new RegExp(`/wireguard-hub#/traffic\\?spoke=${id}$`));

        await page.reload();
        frame = page.frameLocator(PLUGIN_FRAME);
        await frame.locator("#traffic-spoke").filter({ hasText: "branch-1" }).waitFor();

        await frame.locator("#tab-tokens").click();
        await frame.locator("#tokens-table").waitFor();
        assert.match(page.url(), /\/wireguard-hub#\/tokens$/);
        await page.goBack();
        await frame.locator("#traffic-spoke").filter({ hasText: "branch-1" }).waitFor();
        await frame.locator("#tab-spokes").click();
        await spokeRow("branch-1");
    });

    it("re-enrolls the spoke: a new token for the same spoke, shown once", async function () {
        const { id } = await spokeRow("branch-1");
        await frame.locator(`#spoke-actions-${id}`).click();
        await frame.locator(`#spoke-reenroll-${id}`).click();
        await frame.locator("#reenroll-confirm").click();
        const dialog = frame.locator("#token-dialog");
        await dialog.waitFor();
        assert.match((await dialog.textContent())!, /Re-enroll branch-1/);
        assert.match((await frame.locator("#install-command-linux").textContent())!, /platform=linux/);
        const tokens = (await hub.admin("GET", "/api/installation/tokens")).body.tokens as { spokeId: string; purpose: string; state: string }[];
        assert.ok(tokens.some(t => t.spokeId === id && t.purpose === "reenroll" && t.state === "pending"), JSON.stringify(tokens));
        // Not copied: closing asks first.
        await frame.locator("#token-dialog-close").click();
        await frame.locator("#token-close-anyway").click();
        await dialog.waitFor({ state: "detached" });
    });

    it("shows nothing of several hubs for a single SQLite hub: no hubs card, no hub column, no hub choice", async function () {
        // The table says how many hubs the page knows of once their list has arrived.
        await frame.locator("#spokes-table[data-hubs='1']").waitFor();
        assert.equal(await frame.locator("#hubs-card").count(), 0);
        assert.equal(await frame.locator("#spokes-sort-hub").count(), 0);
        assert.equal(await frame.locator("#spokes-table .wgh-spoke-hub").count(), 0);
        await frame.locator("#add-spoke").click();
        await frame.locator("#add-spoke-name").waitFor();
        assert.equal(await frame.locator("#add-spoke-hub").count(), 0);
        await frame.locator("#add-spoke-cancel").click();
        await frame.locator("#add-spoke-dialog").waitFor({ state: "detached" });
    });

    it("revokes a second, unused token in the Tokens tab", async function () {
        await frame.locator("#add-spoke").click();
        await frame.locator("#add-spoke-name").fill("branch-2");
        await frame.locator("#add-spoke-create").click();
        await frame.locator("#install-command-linux").waitFor();
        await frame.locator("#add-spoke-done").click();
        await frame.locator("#token-close-anyway").click();

        await frame.locator("#tab-tokens").click();
        const pending = frame.locator(`#tokens-table tr[data-spoke-name="branch-2"][data-state="pending"]`);
        await pending.waitFor();
        await frame.locator(`#tokens-table tr[data-spoke-name="branch-1"][data-state="used"]`).waitFor();
        await pending.locator("button[id^='token-revoke-']").click();
        const revoked = frame.locator(`#tokens-table tr[data-spoke-name="branch-2"][data-state="revoked"]`);
        await revoked.waitFor();
        assert.equal(await revoked.locator(".wgh-token-state").textContent(), "Revoked");
        const tokens = (await hub.admin("GET", "/api/installation/tokens")).body.tokens as { spokeName: string; state: string }[];
        assert.equal(tokens.find(t => t.spokeName === "branch-2")?.state, "revoked");
    });

    it("removes the spoke after a confirmation that names it", async function () {
        await frame.locator("#tab-spokes").click();
        const { id } = await spokeRow("branch-1");
        await frame.locator(`#spoke-actions-${id}`).click();
        await frame.locator(`#spoke-remove-${id}`).click();
        const dialog = frame.locator("#remove-spoke-dialog");
        await dialog.waitFor();
        assert.match((await dialog.textContent())!, /Remove spoke branch-1\?/);
        await frame.locator("#remove-spoke-confirm").click();
        await dialog.waitFor({ state: "detached" });
        await frame.locator("#spokes-empty").waitFor();
        assert.deepEqual((await hub.admin("GET", "/api/spoke/list")).body.spokes, []);
        await frame.locator(".wgh-toast").filter({ hasText: "branch-1 was removed" }).waitFor();
    });

    it("shows a failed action as a toast and a failed dialog inline, keeping what was typed", async function () {
        // An address only the service knows is taken (another admin's token holds it).
        assert.equal((await hub.admin("POST", "/api/installation/token", { spokeName: "holder", customIP: "10.20.0.200" })).status, 201);
        await frame.locator("#add-spoke").click();
        await frame.locator("#add-spoke-name").fill("outside");
        // The hub's own address is refused before any request.
        await frame.locator("#add-spoke-address").fill("10.20.0.1");
        await frame.locator("#add-spoke-address-helper").filter({ hasText: "the hub's own address" }).waitFor();
        await frame.locator("#add-spoke-address").fill("10.20.0.200");
        await frame.locator("#add-spoke-create").click();
        await frame.locator("#add-spoke-error").waitFor();
        assert.equal(await frame.locator("#add-spoke-name").inputValue(), "outside");
        await frame.locator("#add-spoke-cancel").click();
    });

    it("shows how to start the service when it stops, without a toast storm", async function () {
        await hub.stop();
        const down = frame.locator("#state-service-down");
        await down.waitFor({ timeout: 15_000 });
        assert.match((await down.textContent())!, /systemctl start wireguard-hub/);
        await shoot(page, frame, "service-down");
        // Two more refreshes that find the service down: still no toast.
        const refreshes = Number(await frame.locator("body").getAttribute("data-refreshes"));
        await frame.locator(`body[data-refreshes="${refreshes + 2}"]`).waitFor({ timeout: 30_000 });
        assert.equal(await frame.locator(".wgh-toast.pf-m-danger").count(), 0);
    });

    it("reports no script errors", function () {
        assert.deepEqual(world.scriptErrors, []);
    });
});
