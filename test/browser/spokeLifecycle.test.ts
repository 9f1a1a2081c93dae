// A spoke's life in the table, from the moment it is added: waiting for its enrollment (a new
// command, cancel), its details, re-enrolling it on its own platform; and a hub whose
// WireGuard is off saying so. The hub runs with WGHUB_WG_MODE=off, as every browser test's does.
import assert from "node:assert/strict";
import type { FrameLocator, Page } from "playwright-core";
import { spokePublicKey, type RunningHub } from "../support/hub";
import { shoot } from "./shots";
import { usePageWorld } from "./world";
import { sql } from "../api/helpers";

interface Token {
    id: string;
    spokeId: string;
    spokeName: string;
    purpose: string;
    state: string;
    allowedIPs: string[];
    subnets: string[];
    datacenter: string | null;
}

describe("browser: a spoke from the moment it is added", function () {
    const world = usePageWorld({
        clipboard: true,
        init: { networkCIDR: "10.60.0.0/24", networkCIDRv6: "fd00:60::/64", publicEndpoint: "hub.example.test:51820" },
    });
    let hub: RunningHub;
    let page: Page;
    let frame: FrameLocator;
    before(() => ({ hub, page, frame } = world));

    async function tokens(): Promise<Token[]> {
        return (await hub.admin("GET", "/api/installation/tokens")).body.tokens as Token[];
    }

    /** Registers a spoke the way its install script would; returns its id. */
    async function registerThroughApi(name: string, os: string, extra: Record<string, unknown> = {}): Promise<string> {
        const token = await hub.admin("POST", "/api/installation/token", { spokeName: name, ...extra });
        assert.equal(token.status, 201, token.text);
        const registered = await hub.publicRequest("POST", "/api/spoke/register",
            { token: token.body.token.token, publicKey: spokePublicKey(), os, hostname: `${name}.example.test` });
        assert.equal(registered.status, 201, registered.text);
        return registered.body.spoke.id as string;
    }

    /** The next refresh of the page after this moment has finished. */
    async function nextRefresh(): Promise<void> {
        const done = Number(await frame.locator("body").getAttribute("data-refreshes"));
        await frame.locator(`body[data-refreshes="${done + 1}"]`).waitFor({ timeout: 20_000 });
    }

    it("says WireGuard is off where the admin looks, with the fix, and the traffic tab has no flat line", async function () {
        const alert = frame.locator("#hub-health-wireguard-off");
        await alert.waitFor();
        assert.ok(await alert.evaluate(e => e.classList.contains("pf-m-warning")), "a warning, not a grey chip");
        const text = (await alert.textContent())!;
        assert.match(text, /WireGuard is off/);
        assert.match(text, /WGHUB_WG_MODE=off/, "the service's own reason");
        assert.match(text, /systemctl restart wireguard-hub/, "the fix");
        // The hub card names both ports spokes need.
        const port = new URL(hub.publicUrl).port;
        assert.match((await frame.locator("#hub-ports").textContent())!, new RegExp(`51820/udp.*${port}/tcp`));

        const series = (await hub.admin("GET", "/api/traffic?minutes=60")).body;
        assert.deepEqual(series.points, [], "with WireGuard off the hub has no samples");
        await frame.locator("#tab-traffic").click();
        await frame.locator("#traffic-empty").waitFor();
        assert.equal(await frame.locator("#traffic-chart").count(), 0);
        await frame.locator("#tab-spokes").click();
        await frame.locator("#spokes-empty").waitFor();
    });

    it("asks before closing a token dialog whose command was not copied; Enter submits the form", async function () {
        await frame.locator("#add-spoke").click();
        const dialog = frame.locator("#add-spoke-dialog");
        await dialog.waitFor();
        // Focus starts on the first field: typing goes there.
        await frame.locator("#add-spoke-name:focus").waitFor();
        await page.keyboard.type("branch-wait");
        await frame.locator("#add-spoke-datacenter").fill("Lisbon");
        await frame.locator("#add-spoke-subnets").fill("192.168.61.0/24");
        await frame.locator("#add-spoke-subnets").press("Enter");
        await frame.locator("#token-once").waitFor();

        // Escape does not throw the command away: it asks.
        await page.keyboard.press("Escape");
        await frame.locator("#token-close-confirm").waitFor();
        assert.equal(await dialog.isVisible(), true);
        await frame.locator("#token-close-keep").click();
        await frame.locator("#token-close-confirm").waitFor({ state: "detached" });
        // The ✕ asks too.
        await frame.locator("#add-spoke-dialog-dismiss").click();
        await frame.locator("#token-close-confirm").waitFor();
        await shoot(page, frame, "token-close-confirm");
        await frame.locator("#token-close-anyway").click();
        await dialog.waitFor({ state: "detached" });
    });

    it("shows the added spoke as waiting for its enrollment, with when its command expires", async function () {
        const row = frame.locator(`#spokes-table tr[data-pending-name="branch-wait"]`);
        await row.waitFor();
        assert.equal(await frame.locator("#spokes-empty").count(), 0, "no \"No spokes yet\" while a spoke waits");
        assert.equal(await frame.locator("#spokes-waiting-count").textContent(), " · 1 waiting for enrollment");
        assert.equal(await row.locator(".wgh-spoke-state").textContent(), "Waiting for enrollment");
        assert.match((await row.locator(".wgh-pending-expiry").textContent())!, /^expires in (23|24) h$/);
        const [token] = (await tokens()).filter(t => t.spokeName === "branch-wait");
        assert.match((await row.textContent())!, new RegExp(token.allowedIPs[0].replace(/\/32$/, "").replace(/\./g, "\\.")));
        // Search finds it by its routed subnet.
        await frame.locator("#spokes-search input").fill("192.168.61");
        await row.waitFor();
        await frame.locator("#spokes-search input").fill("");
        await shoot(page, frame, "spoke-waiting");
    });

    it("makes a new command for a waiting spoke: the old token is revoked, name, address, datacenter and subnets kept", async function () {
        const [old] = (await tokens()).filter(t => t.spokeName === "branch-wait" && t.state === "pending");
        await frame.locator(`#pending-actions-${old.id}`).click();
        await frame.locator(`#pending-new-command-${old.id}`).click();
        const dialog = frame.locator("#token-dialog");
        await dialog.waitFor();
        assert.match((await dialog.textContent())!, /New command for branch-wait/);
        await frame.locator("#install-command-linux-copy").click();
        const copied = await frame.locator("body").evaluate(() => navigator.clipboard.readText());
        assert.match(copied, /platform=linux/);

        const after = await tokens();
        assert.equal(after.find(t => t.id === old.id)?.state, "revoked");
        const fresh = after.find(t => t.spokeName === "branch-wait" && t.state === "pending")!;
        assert.ok(fresh && fresh.id !== old.id, JSON.stringify(after));
        assert.deepEqual([fresh.allowedIPs, fresh.subnets, fresh.datacenter], [old.allowedIPs, old.subnets, old.datacenter]);
        assert.ok(copied.includes("/api/installation/script/"), copied);
        // Copied: closing does not ask.
        await frame.locator("#token-dialog-close").click();
        await dialog.waitFor({ state: "detached" });
        await frame.locator(`#pending-row-${fresh.id}`).waitFor();
        await frame.locator(`#pending-row-${old.id}`).waitFor({ state: "detached" });
    });

    it("cancels a waiting spoke after asking; its token is revoked and the row goes", async function () {
        const fresh = (await tokens()).find(t => t.spokeName === "branch-wait" && t.state === "pending")!;
        await frame.locator(`#pending-actions-${fresh.id}`).click();
        await frame.locator(`#pending-cancel-${fresh.id}`).click();
        const dialog = frame.locator("#cancel-enrollment-dialog");
        await dialog.waitFor();
        assert.match((await dialog.textContent())!, /Cancel the enrollment of branch-wait\?/);
        // Asking changes nothing yet.
        await frame.locator("#cancel-enrollment-keep").click();
        await dialog.waitFor({ state: "detached" });
        assert.equal((await tokens()).find(t => t.id === fresh.id)?.state, "pending");

        await frame.locator(`#pending-actions-${fresh.id}`).click();
        await frame.locator(`#pending-cancel-${fresh.id}`).click();
        await frame.locator("#cancel-enrollment-confirm").click();
        await dialog.waitFor({ state: "detached" });
        await frame.locator(`#pending-row-${fresh.id}`).waitFor({ state: "detached" });
        assert.equal((await tokens()).find(t => t.id === fresh.id)?.state, "revoked");
        await frame.locator("#spokes-empty").waitFor();
    });

    it("expands a spoke's details: addresses, subnets, key, host, agent and its audit entries; search finds subnets and IPv6", async function () {
        const id = await registerThroughApi("site-lyon", "linux", { datacenter: "Lyon", subnets: ["172.20.5.0/24"] });
        await registerThroughApi("site-nice", "linux");
        const spoke = ((await hub.admin("GET", "/api/spoke/list")).body.spokes as any[]).find(s => s.id === id);
        assert.ok(spoke.addressV6, "the hub gives an IPv6 address");
        await frame.locator(`#spoke-row-${id}`).waitFor();

        await frame.locator(`#spoke-expand-${id}`).click();
        const details = frame.locator(`#spoke-details-${id}`);
        await details.waitFor();
        const field = async (name: string) => (await details.locator(`[data-field="${name}"]`).textContent())!.trim();
        assert.equal(await field("datacenter"), "Lyon");
        assert.equal(await field("subnets"), "172.20.5.0/24");
        assert.equal(await field("address"), spoke.address);
        assert.equal(await field("addressV6"), spoke.addressV6);
        assert.equal(await field("hostname"), "site-lyon.example.test");
        assert.equal(await details.locator(`#spoke-details-${id}-key`).textContent(), spoke.publicKey);
        assert.equal(await field("agent"), "no agent");
        assert.match(await field("osVersion"), /^Linux, version not reported$/);
        assert.notEqual(await field("registeredAt"), "—");
        // Its own audit entries only: its token and its registration, none of site-nice's.
        const audit = frame.locator(`#spoke-audit-${id}`);
        await audit.locator("tr[data-action='spoke.registered']").waitFor();
        await audit.locator("tr[data-action='token.created']").waitFor();
        const own = ((await hub.admin("GET", "/api/audit")).body.events as any[])
            .filter(e => e.details?.spokeId === id || (e.subject === "site-lyon" && !e.details?.spokeId));
        assert.equal(await audit.locator("tbody tr").count(), own.length);
        await shoot(page, frame, "spoke-details");

        // The details survive a refresh.
        await nextRefresh();
        await details.waitFor();
        await frame.locator(`#spoke-expand-${id}`).click();
        await details.waitFor({ state: "detached" });

        const search = frame.locator("#spokes-search input");
        await search.fill("172.20.5");
        await frame.locator("#spokes-count").filter({ hasText: "1 of 2 spokes" }).waitFor();
        await frame.locator(`#spoke-row-${id}`).waitFor();
        await search.fill(spoke.addressV6);
        await frame.locator("#spokes-count").filter({ hasText: "1 of 2 spokes" }).waitFor();
        await frame.locator(`#spoke-row-${id}`).waitFor();
        await search.fill("");
        await frame.locator("#spokes-count").filter({ hasText: /^2 spokes$/ }).waitFor();
    });

    it("disables a spoke with a toast, keeping the keyboard on the row's menu", async function () {
        const id = ((await hub.admin("GET", "/api/spoke/list")).body.spokes as any[]).find(s => s.name === "site-nice").id as string;
        const toggle = frame.locator(`#spoke-actions-${id}`);
        await toggle.focus();
        await page.keyboard.press("Enter");
        await frame.locator(`#spoke-disable-${id}`).waitFor();
        await frame.locator(`#spoke-disable-${id}`).press("Enter");
        await frame.locator(`#spokes-table tr[data-spoke-name="site-nice"][data-state="disabled"]`).waitFor();
        await frame.locator(".wgh-toast.pf-m-success").filter({ hasText: "site-nice was disabled" }).waitFor();
        await frame.locator(`#spoke-actions-${id}:focus`).waitFor();
    });

    it("re-enrolls after asking, on the spoke's own platform tab", async function () {
        const id = await registerThroughApi("site-win", "windows");
        await frame.locator(`#spoke-row-${id}`).waitFor();
        await frame.locator(`#spoke-actions-${id}`).click();
        await frame.locator(`#spoke-reenroll-${id}`).click();
        const ask = frame.locator("#reenroll-dialog");
        await ask.waitFor();
        assert.match((await ask.textContent())!, /Re-enroll site-win\?.*Windows/);
        assert.equal((await tokens()).some(t => t.spokeId === id && t.purpose === "reenroll"), false, "no token before the admin agrees");
        await frame.locator("#reenroll-confirm").click();

        await frame.locator("#token-dialog").waitFor();
        await frame.locator("#install-tabs[data-platform='windows']").waitFor();
        assert.equal(await frame.locator("#install-command-windows").isVisible(), true);
        assert.equal(await frame.locator("#install-command-linux").isVisible(), false);
        assert.ok((await tokens()).some(t => t.spokeId === id && t.purpose === "reenroll" && t.state === "pending"));
        await page.keyboard.press("Escape");
        await frame.locator("#token-close-confirm").waitFor();
        await frame.locator("#token-close-anyway").click();
        await frame.locator("#token-dialog").waitFor({ state: "detached" });
        // A re-enrollment waits for a spoke that exists: no second row for it.
        assert.equal(await frame.locator(`#spokes-table tr[data-pending-name="site-win"]`).count(), 0);
    });

    it("warns before saving hub settings what they mean for the running spokes", async function () {
        await frame.locator("#hub-edit").click();
        await frame.locator("#edit-hub-dialog").waitFor();
        await frame.locator("#edit-hub-public-endpoint:focus").waitFor();
        assert.equal(await frame.locator("#edit-hub-impact").count(), 0, "nothing changed yet");
        await frame.locator("#edit-hub-dns").fill("10.60.0.1");
        const impact = frame.locator("#edit-hub-impact");
        await impact.waitFor();
        assert.match((await frame.locator("#edit-hub-impact-following").textContent())!, /^0 spokes follow/);
        assert.match((await frame.locator("#edit-hub-impact-reenroll").textContent())!, /^3 spokes have no agent/);
        await frame.locator("#edit-hub-dns").press("Enter");
        await frame.locator("#edit-hub-dialog").waitFor({ state: "detached" });
        assert.deepEqual((await hub.admin("GET", "/api/hub/config")).body.dns, ["10.60.0.1"]);
    });

    it("marks an agent behind the hub's settings in its row, as the spoke list says", async function () {
        const id = await registerThroughApi("agent-behind", "linux");
        // As the spoke's agent would have reported it, with a revision the hub no longer sends.
        await sql(hub, `UPDATE spokes SET "agentVersion" = '1.0.0', "agentLastSeen" = ?, "agentReport" = ? WHERE id = ?`,
            [new Date().toISOString().replace("T", " ").replace("Z", " +00:00"), JSON.stringify({ result: "current", revision: "0123456789abcdef" }), id]);
        // A write through the service, so the list is built again.
        assert.equal((await hub.admin("PUT", `/api/spoke/${id}`, { datacenter: "Lyon" })).status, 200);
        // (The Agent column shows from the xl width on; the label is in the row either way.)
        await frame.locator(`#spoke-agent-behind-${id}`).filter({ hasText: "behind" }).waitFor({ state: "attached" });
        const listed = ((await hub.admin("GET", "/api/spoke/list")).body.spokes as { id: string; agent: { behind: boolean } | null }[]).find(s => s.id === id);
        assert.equal(listed?.agent?.behind, true);
    });

    it("reports no script errors", function () {
        assert.deepEqual(world.scriptErrors, []);
    });
});
