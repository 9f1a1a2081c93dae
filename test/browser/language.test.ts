// The page in the admin's language. Cockpit serves the page's po.js as the po.<lang>.js of the
// browser's language; German is shipped. A pseudo-language made from the template, every
// message wrapped in ⟪…⟫ (pseudoLanguage.ts), shows any visible text that never went through gettext.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { FrameLocator, Page } from "playwright-core";
import { poDir, messageKey } from "../../tools/po.mjs";
import type { RunningHub } from "../support/hub";
import { testPage } from "./cockpit";
import { installPseudoLocale, PSEUDO, readPo, untranslatedTexts } from "./pseudoLanguage";
import { plainSpokes, proxmoxSpokes, seedSpokes } from "./seed";
import { shoot } from "./shots";
import { usePageWorld } from "./world";

/** The shipped German for an English message, read from po/de.po. */
function german(id: string): string {
    const entry = readPo(path.join(poDir, "de.po")).find(e => messageKey(e) === id);
    assert.ok(entry?.strings[0], `po/de.po translates "${id}"`);
    return entry.strings[0];
}

async function initialise(hub: RunningHub): Promise<void> {
    const init = await hub.admin("POST", "/api/hub/initialize", {
        networkCIDR: "10.31.0.0/24", publicEndpoint: "hub.example.test:51820", privateEndpoint: "192.168.9.1:51820", dns: ["10.31.0.1"],
    });
    assert.equal(init.status, 201, init.text);
}

describe("browser: the page in German", function () {
    const world = usePageWorld({ locale: "de-DE" });
    let hub: RunningHub;
    let frame: FrameLocator;
    before(() => ({ hub, frame } = world));

    it("loads the German translation that the build wrote beside the page", async function () {
        assert.ok(fs.existsSync(path.join(testPage(), "cockpit", "wireguard-hub", "po.de.js")), "the build writes po.de.js");
        await frame.locator("#setup-wizard").waitFor();
        assert.equal(await frame.locator("html").evaluate(() => (window as any).cockpit.language), "de");
    });

    it("runs the first-run wizard in German, with German field checks", async function () {
        await frame.locator("#setup-network-next").filter({ hasText: german("Next") }).waitFor();
        await frame.locator("#setup-network-cidr").fill("10.20.0.0/33");
        await frame.locator("#setup-network-cidr-helper").filter({ hasText: german("Not an IPv4 network in CIDR form, for example 10.0.1.0/24.") }).waitFor();
    });

    it("shows the dashboard in German, with German plurals", async function () {
        await initialise(hub);
        await seedSpokes(hub, [...plainSpokes(3), ...proxmoxSpokes().slice(0, 2)]);
        await world.page.reload();
        await frame.locator("#hub-card").waitFor();
        await frame.locator("#tab-traffic").filter({ hasText: german("Traffic") }).waitFor();
        await frame.locator("#hub-edit").filter({ hasText: german("Edit") }).waitFor();
        const plural = readPo(path.join(poDir, "de.po")).find(e => e.id === "$0 spoke")!;
        assert.ok(plural.strings[1], "po/de.po has the plural of \"$0 spoke\"");
        await frame.getByText(plural.strings[1].replace("$0", "5")).first().waitFor();
        await shoot(world.page, frame, "dashboard-de");
    });
});

describe("browser: every visible string goes through gettext", function () {
    let hub: RunningHub;
    let page: Page;
    let frame: FrameLocator;
    /** What the hub holds (names, addresses, keys…): data, shown as it is in every language. */
    let data: string[] = [];
    const escaped = new Map<string, string>();
    const views: string[] = [];

    // Product names stay as they are in every language.
    const names = ["WireGuard Hub", "WireGuard", "Proxmox VE", "Proxmox", "Cockpit", "PowerShell", "Linux", "Windows", "macOS"];

    async function collectData(): Promise<void> {
        const values = new Set<string>();
        const add = (v: unknown) => {
            if (typeof v === "string" && v.length > 1) values.add(v);
            else if (Array.isArray(v)) v.forEach(add);
        };
        const config = (await hub.admin("GET", "/api/hub/config")).body;
        for (const key of ["networkCIDR", "networkCIDRv6", "publicEndpoint", "privateEndpoint", "publicKey", "address", "dns"]) add(config[key]);
        const spokes = (await hub.admin("GET", "/api/spoke/list")).body;
        for (const s of Array.isArray(spokes) ? spokes : spokes.spokes)
            for (const key of ["name", "hostname", "address", "addressV6", "publicKey", "endpoint", "subnets", "datacenter", "proxmoxClusterName", "proxmoxNodeName", "proxmoxVersion"]) add(s[key]);
        for (const t of (await hub.admin("GET", "/api/installation/tokens")).body.tokens) add(t.spokeName);
        // Who did what (user names, addresses) in a spoke's audit entries.
        for (const e of (await hub.admin("GET", "/api/audit")).body.events) for (const key of ["actor", "source"]) add(e[key]);
        data = [...values, ...names].sort((a, b) => b.length - a.length);
    }

    /** Records every visible text of the current view that has words outside ⟪…⟫ and outside the data. */
    async function check(view: string): Promise<void> {
        await collectData();
        views.push(view);
        for (const text of await untranslatedTexts(frame, data)) escaped.set(text, view);
    }

    before(installPseudoLocale);
    const world = usePageWorld({ locale: PSEUDO });
    before(() => ({ hub, page, frame } = world));

    it("in the first-run wizard, step by step, with its field checks", async function () {
        await frame.locator("#setup-wizard").waitFor();
        await check("wizard: network");
        await frame.locator("#setup-network-cidr").fill("10.31.0.0/33");
        await frame.locator("#setup-network-cidr-helper").waitFor();
        await check("wizard: network, invalid");
        await frame.locator("#setup-network-cidr").fill("10.31.0.0/24");
        await frame.locator("#setup-network-next:not([disabled])").click();
        await frame.locator("#setup-public-endpoint").fill("hub.example.test");
        await frame.locator("#setup-public-endpoint-helper").waitFor();
        await check("wizard: endpoints, invalid");
        await frame.locator("#setup-public-endpoint").fill("hub.example.test:51820");
        await frame.locator("#setup-endpoints-next").click();
        await frame.locator("#setup-dns").waitFor();
        await check("wizard: DNS");
        await frame.locator("#setup-dns-next").click();
        await frame.locator("#setup-review-network").waitFor();
        await check("wizard: review");
        await frame.locator("#setup-review-next").click();
        await frame.locator("#setup-result").waitFor();
        await check("wizard: result");
        await frame.locator("#setup-open-dashboard").click();
        await frame.locator("#spokes-empty").waitFor();
        await check("dashboard: no spokes");
    });

    it("on the dashboard's tabs, with spokes of every kind", async function () {
        await seedSpokes(hub, [...plainSpokes(5), ...proxmoxSpokes().slice(0, 4)]);
        await page.reload();
        await frame.locator("#spokes-table tbody tr").first().waitFor();
        await check("spokes");
        await frame.locator("#tab-tokens").click();
        await frame.locator("#tokens-table, #tokens-empty").first().waitFor();
        await check("tokens");
        await frame.locator("#tab-proxmox").click();
        await frame.locator("#proxmox-tree, #proxmox-empty").first().waitFor();
        await check("proxmox");
        await frame.locator("#tab-traffic").click();
        await frame.locator("#traffic-chart, #traffic-error, #traffic-empty").first().waitFor();
        await check("traffic");
        await frame.locator("#tab-audit").click();
        await frame.locator("#audit-table, #audit-empty").first().waitFor();
        await check("audit log");
        await frame.locator("#tab-spokes").click();
    });

    it("in the dialogs: add a spoke (with its checks and its token), add a cluster, edit the hub, remove a spoke", async function () {
        await frame.locator("#add-spoke").click();
        await frame.locator("#add-spoke-dialog").waitFor();
        await check("add spoke");
        await frame.locator("#add-spoke-name").fill("bad name!");
        await frame.locator("#add-spoke-name-helper").waitFor();
        await check("add spoke: invalid name");
        await frame.locator("#add-spoke-datacenter").fill("Nowhere");
        await frame.locator("#add-spoke-datacenter-create").waitFor();
        await check("add spoke: datacenter list");
        await frame.locator("#add-spoke-datacenter").press("Escape");
        await frame.locator("#add-spoke-datacenter-create").waitFor({ state: "detached" });
        await frame.locator("#add-spoke-datacenter").fill("");
        await frame.locator("#add-spoke-name").fill("branch-9");
        await frame.locator("#add-spoke-create").click();
        await frame.locator("#token-once").waitFor();
        await check("add spoke: token");
        await frame.locator("#add-spoke-done, #add-spoke-close").first().click();
        await frame.locator("#token-close-confirm").waitFor();
        await check("add spoke: close without copying?");
        await frame.locator("#token-close-anyway").click();
        await frame.locator("#add-spoke-dialog").waitFor({ state: "detached" });

        const waiting = frame.locator("#spokes-table tr[data-pending-name='branch-9']");
        await waiting.waitFor();
        await check("spokes: one waiting for enrollment");
        await waiting.locator("[id^=pending-actions-]").click();
        await frame.locator("[id^=pending-cancel-]").first().click();
        await frame.locator("#cancel-enrollment-dialog").waitFor();
        await check("cancel an enrollment");
        await frame.locator("#cancel-enrollment-keep").click();

        await frame.locator("#add-cluster").click();
        await frame.locator("#add-cluster-dialog").waitFor();
        await check("add Proxmox VE cluster");
        await frame.locator("#add-cluster-create").click();
        await frame.locator("#cluster-command").waitFor();
        await check("add Proxmox VE cluster: its command and progress");
        await frame.locator("#add-cluster-done").click();
        await frame.locator("#token-close-anyway").click();
        await frame.locator("#add-cluster-dialog").waitFor({ state: "detached" });

        await frame.locator("#hub-edit").click();
        await frame.locator("#edit-hub-dialog").waitFor();
        await frame.locator("#edit-hub-dns").fill("10.31.0.2");
        await frame.locator("#edit-hub-impact").waitFor();
        await check("edit hub, with what it means for the spokes");
        await frame.locator("#edit-hub-cancel").click();

        const row = frame.locator("#spokes-table tr[id^=spoke-row-]").first();
        await row.locator("[id^=spoke-expand-]").click();
        await frame.locator("[id^=spoke-audit-]").first().waitFor();
        await check("spoke details");
        await row.locator("[id^=spoke-expand-]").click();
        await row.locator("button[aria-haspopup], .pf-v6-c-menu-toggle").last().click();
        await frame.locator(".pf-v6-c-menu").first().waitFor();
        await check("spoke actions");
        await frame.locator("[id^=spoke-edit-]").first().click();
        await frame.locator("#edit-spoke-dialog").waitFor();
        await check("edit spoke");
        await frame.locator("#edit-spoke-cancel").click();

        await row.locator("button[aria-haspopup], .pf-v6-c-menu-toggle").last().click();
        await frame.locator("[id^=spoke-reenroll-]").first().click();
        await frame.locator("#reenroll-dialog").waitFor();
        await check("re-enroll: asks first");
        await frame.locator("#reenroll-cancel").click();

        await row.locator("button[aria-haspopup], .pf-v6-c-menu-toggle").last().click();
        await frame.locator("[id^=spoke-remove-]").first().click();
        await frame.locator("#remove-spoke-dialog").waitFor();
        await check("remove spoke");
        await frame.locator("#remove-spoke-cancel").click();
    });

    it("has found no text outside gettext", function () {
        const list = [...escaped].map(([text, view]) => `${view}: "${text}"`);
        assert.deepEqual(list, [], `visible text not marked for translation:\n${list.join("\n")}`);
        assert.equal(views.length, 27, `every view was looked at: ${views.join(", ")}`);
    });
});
