// The page on a hub that shares its PostgreSQL database with a second one: the hubs card, the
// spoke table's hub column, the hub choice when adding a spoke, both hubs in the topology, and
// a stopped hub shown down while its spoke moves to this one.
import assert from "node:assert/strict";
import type { FrameLocator } from "playwright-core";
import { installPseudoLocale, PSEUDO, untranslatedTexts } from "./pseudoLanguage";
import { shoot } from "./shots";
import { useTwoHubWorld } from "./twoHubs";

describe("browser: two hubs on one PostgreSQL database", function () {
    const { world, west, spokeIds } = useTwoHubWorld();
    let frame: FrameLocator;
    before(() => ({ frame } = world));

    const hubRow = (name: string) => frame.locator(`#hubs-table tr[data-hub-name="${name}"]`);

    it("lists both hubs: tunnel address, endpoints, health, spokes, and which one is this hub", async function () {
        await frame.locator("#hubs-card").waitFor();
        await frame.locator("#hubs-table tr[data-hub-name][data-healthy='true']").nth(1).waitFor();
        const east = hubRow("hub-east");
        assert.match((await east.textContent())!, /hub-east.*this hub.*10\.0\.1\.1.*203\.0\.113\.5:51820.*Healthy.*1$/);
        const westRow = hubRow("hub-west");
        assert.match((await westRow.textContent())!, /^hub-west10\.0\.1\.\d+.*198\.51\.100\.7:51820.*192\.168\.7\.2:51820 \(local network\).*Healthy.*1$/);
        assert.equal(await westRow.locator("#hubs-self").count(), 0);
        await shoot(world.page, frame, "hubs");
    });

    it("shows each spoke's hub in the spoke table", async function () {
        await frame.locator("#spokes-sort-hub").waitFor();
        const hubOf = (name: string) => frame.locator(`#spokes-table tr[data-spoke-name="${name}"] .wgh-spoke-hub`);
        await hubOf("west-site").filter({ hasText: /^hub-west$/ }).waitFor();
        assert.equal(await hubOf("east-site").textContent(), "hub-east");
    });

    it("adds a spoke on the hub picked in the dialog, this hub by default", async function () {
        await frame.locator("#add-spoke").click();
        const picker = frame.locator("#add-spoke-hub");
        await picker.waitFor();
        assert.equal(await picker.inputValue(), "hub-east");
        assert.deepEqual(await picker.locator("option").allTextContents(), ["hub-east (this hub)", "hub-west"]);
        await frame.locator("#add-spoke-name").fill("west-2");
        await picker.selectOption("hub-west");
        await frame.locator("#add-spoke-create").click();
        await frame.locator("#install-command-linux").waitFor();
        await frame.locator("#add-spoke-done").click();
        await frame.locator("#token-close-anyway").click();
        await frame.locator("#add-spoke-dialog").waitFor({ state: "detached" });

        const tokens = (await world.hub.admin("GET", "/api/installation/tokens")).body.tokens as { spokeName: string; hub: string | null }[];
        assert.equal(tokens.find(t => t.spokeName === "west-2")?.hub, "hub-west");
        // Its waiting row names the hub too.
        await frame.locator(`#spokes-table tr[data-pending-name="west-2"] .wgh-spoke-hub`).filter({ hasText: /^hub-west$/ }).waitFor();
    });

    it("draws both hubs, linked, each with the groups of its own spokes", async function () {
        await frame.locator("#tab-traffic").click();
        for (const name of ["hub-east", "hub-west"]) await frame.locator(`#topology [data-hub-node="${name}"]`).waitFor();
        assert.equal(await frame.locator("#topology .wgh-mesh").count(), 1);
        assert.match((await frame.locator(`#topology [data-hub-node="hub-east"] text`).textContent())!, /^hub-east \(this hub\)$/);
        await frame.locator(`#topology [data-group="Lyon"][data-hub="hub-west"] circle[data-spoke-id="${spokeIds.get("west-site")}"]`).waitFor();
        await frame.locator(`#topology [data-group="Paris"][data-hub="hub-east"] circle[data-spoke-id="${spokeIds.get("east-site")}"]`).waitFor();
        await shoot(world.page, frame, "topology-hubs", "#topology-card");
        await frame.locator("#tab-spokes").click();
    });

    it("shows a stopped hub as down, and its spoke on this hub once this hub takes it", async function () {
        await west().stop();
        await hubRow("hub-west").and(frame.locator("[data-healthy='false']")).waitFor({ timeout: 60_000 });
        assert.match((await hubRow("hub-west").locator(".wgh-hub-health").textContent())!, /^Down$/);
        await frame.locator(`#spokes-table tr[data-spoke-name="west-site"] .wgh-spoke-hub`).filter({ hasText: /^hub-east$/ }).waitFor({ timeout: 60_000 });
    });
});

describe("browser: the several-hubs views in the pseudo-language: every visible string through gettext", function () {
    before(installPseudoLocale);
    const { world, west } = useTwoHubWorld({ locale: PSEUDO });
    let frame: FrameLocator;
    before(() => ({ frame } = world));
    const escaped: string[] = [];

    /** The hubs', spokes' and tokens' own values, shown as they are in every language. */
    async function data(): Promise<string[]> {
        const values = new Set<string>(["WireGuard", "Linux"]);
        const add = (v: unknown) => {
            if (typeof v === "string" && v.length > 1) values.add(v);
        };
        for (const h of (await world.hub.admin("GET", "/api/hub/list")).body.hubs) for (const key of ["name", "address", "publicEndpoint", "privateEndpoint"]) add(h[key]);
        const config = (await world.hub.admin("GET", "/api/hub/config")).body;
        for (const key of ["interfaceName", "interfaceAddress", "publicEndpoint", "publicKey", "networkCIDR"]) add(config[key]);
        for (const s of (await world.hub.admin("GET", "/api/spoke/list")).body.spokes) for (const key of ["name", "address", "datacenter", "hub"]) add(s[key]);
        return [...values].sort((a, b) => b.length - a.length);
    }

    async function check(view: string): Promise<void> {
        for (const text of await untranslatedTexts(frame, await data())) escaped.push(`${view}: "${text}"`);
    }

    it("walks the hubs card, the hub column, the hub select, the topology and a hub down", async function () {
        await frame.locator("#hubs-table tr[data-hub-name][data-healthy='true']").nth(1).waitFor();
        await frame.locator("#spokes-sort-hub").waitFor();
        await check("dashboard with two hubs");
        await frame.locator("#add-spoke").click();
        await frame.locator("#add-spoke-hub").waitFor();
        await check("add spoke with a hub select");
        await frame.locator("#add-spoke-cancel").click();
        await frame.locator("#tab-traffic").click();
        await frame.locator("#topology [data-hub-node='hub-west']").waitFor();
        await check("topology with two hubs");
        await frame.locator("#tab-spokes").click();
        await west().stop();
        await frame.locator("#hubs-table tr[data-hub-name='hub-west'][data-healthy='false']").waitFor({ timeout: 60_000 });
        await check("a hub down");
        assert.deepEqual(escaped, [], `visible text not marked for translation:\n${escaped.join("\n")}`);
    });
});
