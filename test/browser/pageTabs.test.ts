// The dashboard's smaller views: the audit log's own tab, the Tokens tab's search, sort and tidy
// toggle, the datacenter picker of the add-spoke and move-cluster dialogs, the topology's dot
// titles, and the Help link.
import assert from "node:assert/strict";
import type { FrameLocator, Page } from "playwright-core";
import type { RunningHub } from "../support/hub";
import { sql } from "../api/helpers";
import { proxmoxSpokes, seedSpokes } from "./seed";
import { shoot } from "./shots";
import { usePageWorld } from "./world";

/** Enough events for more than one page of the audit log (the page asks for 50 at a time). */
const BULK_TOKENS = 60;
const OLD_TOKENS = ["old-revoked-1", "old-revoked-2", "old-revoked-3"];

async function createToken(hub: RunningHub, spokeName: string, extra: Record<string, unknown> = {}): Promise<{ id: string; tokenPrefix: string }> {
    const made = await hub.admin("POST", "/api/installation/token", { spokeName, ...extra });
    assert.equal(made.status, 201, made.text);
    return made.body.token as { id: string; tokenPrefix: string };
}

/** Revoked tokens made ten days ago: the Tokens tab keeps them behind its toggle. */
async function makeOldTokens(hub: RunningHub): Promise<void> {
    for (const name of OLD_TOKENS) {
        const token = await createToken(hub, name);
        assert.equal((await hub.admin("DELETE", `/api/installation/token/${token.id}`)).status, 200);
    }
    const tenDaysAgo = new Date(Date.now() - 10 * 24 * 3600 * 1000).toISOString().replace("T", " ").replace("Z", " +00:00");
    await sql(hub, `UPDATE installation_tokens SET "createdAt" = ? WHERE "spokeName" LIKE 'old-revoked-%'`, [tenDaysAgo]);
}

describe("browser: the audit log, the tokens tab and help", function () {
    const world = usePageWorld({
        init: { networkCIDR: "10.62.0.0/24", publicEndpoint: "hub.example.test:51820" },
        prepare: async hub => {
            await makeOldTokens(hub);
            for (let i = 0; i < BULK_TOKENS; i++) await createToken(hub, `bulk-${String(i).padStart(2, "0")}`);
        },
    });
    let hub: RunningHub;
    let page: Page;
    let frame: FrameLocator;
    before(() => ({ hub, page, frame } = world));

    const auditRows = () => frame.locator("#audit-table tbody tr");

    it("lists the audit log newest first in its own tab, with an event made through the API, in words", async function () {
        const total = (await hub.admin("GET", "/api/audit?limit=1000")).body.events.length as number;
        assert.ok(total > 50, `more events than one page (${total})`);
        await frame.locator("#tab-audit").click();
        await frame.locator("#audit-table").waitFor();
        assert.equal(await auditRows().count(), 50, "one page at first");
        const [newest] = (await hub.admin("GET", "/api/audit?limit=1")).body.events as { id: number }[];
        assert.equal(await auditRows().first().getAttribute("id"), `audit-row-${newest.id}`, "the newest on top");

        await createToken(hub, "audit-probe");
        const probe = frame.locator('#audit-table tr[data-subject="audit-probe"][data-action="token.created"]');
        await probe.waitFor({ timeout: 20_000 });
        assert.equal(await auditRows().first().getAttribute("data-subject"), "audit-probe", "a new event comes in on top");
        assert.match((await probe.textContent())!, /Enrollment token created/);
        await shoot(page, frame, "audit-log");
    });

    it("pages to older events with Load older, and searches by action, subject and actor", async function () {
        const total = (await hub.admin("GET", "/api/audit?limit=1000")).body.events.length as number;
        assert.equal(await frame.locator('#audit-table tr[data-action="hub.initialized"]').count(), 0, "the oldest is not loaded yet");
        await frame.locator("#audit-load-older").click();
        await frame.locator('#audit-table tr[data-action="hub.initialized"]').waitFor();
        assert.equal(await auditRows().count(), total, "every event once");
        await frame.locator("#audit-load-older").waitFor({ state: "detached" });
        assert.equal(await auditRows().last().getAttribute("data-action"), "hub.initialized", "the oldest last");

        const search = frame.locator("#audit-search input");
        await search.fill("hub set up");
        await frame.locator("#audit-table tbody tr").first().waitFor();
        assert.deepEqual(await auditRows().evaluateAll(rows => rows.map(r => r.getAttribute("data-action"))), ["hub.initialized"]);
        await search.fill("old-revoked-2");
        await frame.locator('#audit-table tr[data-action="token.revoked"]').waitFor();
        assert.deepEqual((await auditRows().evaluateAll(rows => rows.map(r => r.getAttribute("data-action")))).sort(),
            ["token.created", "token.revoked"]);
        const [event] = (await hub.admin("GET", "/api/audit?limit=1")).body.events as { actor: string }[];
        await search.fill(event.actor.toUpperCase());
        await frame.locator("#audit-table tbody tr").first().waitFor();
        assert.equal(await auditRows().count(), total, "every event here was made by the same admin");
        await search.fill("no-such-thing");
        await frame.locator("#audit-no-match").waitFor();
        assert.equal(await auditRows().count(), 0);
        await search.fill("");
    });

    it("searches tokens by name, prefix and state, and sorts them by column", async function () {
        await frame.locator("#tab-tokens").click();
        await frame.locator("#tokens-table").waitFor();
        const names = () => frame.locator("#tokens-table tbody tr").evaluateAll(rows => rows.map(r => r.getAttribute("data-spoke-name")));
        const search = frame.locator("#tokens-search input");

        await search.fill("bulk-4");
        await frame.locator("#tokens-table tbody tr").nth(9).waitFor();
        assert.deepEqual((await names()).sort(), Array.from({ length: 10 }, (_x, i) => `bulk-4${i}`));

        const tokens = (await hub.admin("GET", "/api/installation/tokens")).body.tokens as { spokeName: string; tokenPrefix: string }[];
        const target = tokens.find(t => t.spokeName === "bulk-17")!;
        await search.fill(target.tokenPrefix);
        await frame.locator('#tokens-table tr[data-spoke-name="bulk-17"]').waitFor();
        assert.deepEqual(await names(), ["bulk-17"]);

        await search.fill("bulk-");
        await frame.locator("#tokens-sort-name button").click();
        await frame.locator('#tokens-table tbody tr:first-child[data-spoke-name="bulk-00"]').waitFor();
        await frame.locator("#tokens-sort-name button").click();
        await frame.locator('#tokens-table tbody tr:first-child[data-spoke-name="bulk-59"]').waitFor();
        await frame.locator("#tokens-sort-created button").click();
        await frame.locator('#tokens-table tbody tr:first-child[data-spoke-name="bulk-00"]').waitFor();

        await search.fill("pending");
        await frame.locator('#tokens-table tbody tr[data-state="pending"]').first().waitFor();
        await frame.locator('#tokens-table tbody tr:not([data-state="pending"])').first().waitFor({ state: "detached" });
        await search.fill("");
    });

    it("keeps finished tokens older than a week behind a toggle", async function () {
        const search = frame.locator("#tokens-search input");
        await search.fill("old-revoked");
        await frame.locator("#tokens-no-match").waitFor();
        const toggle = frame.locator("#tokens-show-older");
        assert.equal(await toggle.textContent(), "Show 3 older tokens");
        await toggle.click();
        await frame.locator('#tokens-table tr[data-spoke-name="old-revoked-3"]').waitFor();
        assert.deepEqual(await frame.locator("#tokens-table tbody tr").evaluateAll(rows => rows.map(r => r.getAttribute("data-state"))),
            ["revoked", "revoked", "revoked"]);
        await shoot(page, frame, "tokens-older-shown");
        assert.equal(await toggle.textContent(), "Hide older tokens");
        await toggle.click();
        await frame.locator("#tokens-no-match").waitFor();
        await search.fill("");
    });

    it("picks an existing datacenter whatever the case typed, or takes a new one, when adding a spoke", async function () {
        // Paris, Frankfurt and Montreal, with Proxmox VE clusters in each.
        await seedSpokes(hub, proxmoxSpokes());
        await frame.locator("#tab-spokes").click();
        await frame.locator('#spokes-table tr[id^="spoke-row-"]').first().waitFor({ timeout: 20_000 });
        await frame.locator("#add-spoke").click();
        await frame.locator("#add-spoke-dialog").waitFor();
        await frame.locator("#add-spoke-name").fill("dc-probe");
        const field = frame.locator("#add-spoke-datacenter");

        await field.fill("paris");
        await frame.locator('#add-spoke-datacenter-options [data-datacenter="Paris"]').waitFor();
        assert.equal(await frame.locator("#add-spoke-datacenter-create").count(), 0, "no new \"paris\" beside Paris");
        await field.press("Enter");
        assert.equal(await field.inputValue(), "Paris");
        assert.equal(await frame.locator("#token-once").count(), 0, "Enter in the open list picks, it does not submit");

        await field.fill("Lisb");
        const create = frame.locator("#add-spoke-datacenter-create");
        await create.waitFor();
        assert.equal((await create.textContent())!.trim(), "Use \"Lisb\"");
        await shoot(page, frame, "datacenter-picker");
        // Escape closes the list, not the dialog; the arrow key opens it again.
        await field.press("Escape");
        await create.waitFor({ state: "detached" });
        assert.equal(await frame.locator("#add-spoke-dialog").isVisible(), true);
        await field.press("ArrowDown");
        await create.click();
        assert.equal(await field.inputValue(), "Lisb");

        // Typed and submitted at once, the existing spelling is what the token gets.
        await field.fill("FRANKFURT");
        await frame.locator("#add-spoke-create").click();
        await frame.locator("#token-once").waitFor();
        const tokens = (await hub.admin("GET", "/api/installation/tokens")).body.tokens as { spokeName: string; datacenter: string | null }[];
        assert.equal(tokens.find(t => t.spokeName === "dc-probe")?.datacenter, "Frankfurt");
        await frame.locator("#add-spoke-done").click();
        await frame.locator("#token-close-anyway").click();
        await frame.locator("#add-spoke-dialog").waitFor({ state: "detached" });
    });

    it("picks an existing datacenter whatever the case typed when moving a cluster", async function () {
        await frame.locator("#tab-proxmox").click();
        await frame.locator("#cluster-move-pve-mtl").click();
        await frame.locator("#move-cluster-dialog").waitFor();
        const field = frame.locator("#move-cluster-datacenter");
        assert.equal(await field.inputValue(), "Montreal");
        await field.fill("paris");
        await frame.locator('#move-cluster-datacenter-options [data-datacenter="Paris"]').waitFor();
        assert.equal(await frame.locator("#move-cluster-datacenter-create").count(), 0);
        await frame.locator("#move-cluster-confirm").click();
        await frame.locator("#move-cluster-dialog").waitFor({ state: "detached" });
        const clusters = (await hub.admin("GET", "/api/proxmox/clusters")).body.clusters as { clusterName: string; datacenter: string }[];
        assert.equal(clusters.find(c => c.clusterName === "pve-mtl")?.datacenter, "Paris");
        await frame.locator("#proxmox-tree").getByText("Montreal", { exact: true }).waitFor({ state: "detached" });
        assert.equal(await frame.locator("#proxmox-tree").getByText("paris", { exact: true }).count(), 0, "no second Paris in the tree");
    });

    it("names each dot of the topology with its spoke and state", async function () {
        const spokes = (await hub.admin("GET", "/api/spoke/list")).body.spokes as { id: string; name: string }[];
        const node = spokes.find(s => s.name === "pve-mtl-n2")!;
        await frame.locator("#tab-traffic").click();
        const dot = frame.locator(`#topology circle[data-spoke-id="${node.id}"]`);
        await dot.waitFor();
        assert.equal(await dot.locator("title").textContent(), "pve-mtl-n2: Registered");
        const titles = await frame.locator("#topology circle[data-spoke-id] > title").allTextContents();
        assert.equal(titles.length, spokes.length, "every spoke's dot has its title");
        assert.ok(titles.every(t => /^[\w-]+: (Online|Registered|Offline|Disabled)$/.test(t)), titles.join(", "));
    });

    it("links to the documentation in a new tab", async function () {
        const link = frame.locator("#help-documentation");
        assert.equal(await link.getAttribute("href"), "https://github.com/wireguard-hub/wireguard-hub#readme");
        assert.equal(await link.getAttribute("target"), "_blank");
        assert.match((await link.getAttribute("rel"))!, /\bnoopener\b/);
        assert.equal((await link.textContent())!.trim(), "Documentation");
    });

    it("raised no script errors", function () {
        assert.deepEqual(world.scriptErrors, []);
    });
});
