// Live WireGuard behind the page: the hub service on wireguard-go in a network namespace,
// spokes in their own namespaces running the exact command copied from the page. The
// add-spoke dialog must follow a spoke to its first handshake, the table must show it
// online with traffic, and the traffic tab must draw the hub's samples.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FrameLocator, Locator, Page } from "playwright-core";
import { createLab, waitFor, type Host, type Lab } from "../support/netns";
import { startHub } from "../support/hub";
import { shoot } from "./shots";
import { usePageWorld } from "./world";

const network = "10.0.7.0/24";
const hubTunnelAddress = "10.0.7.1";

function needsMissing(): string | null {
    if (process.getuid?.() !== 0) return "needs root for network namespaces";
    for (const bin of ["/usr/bin/wireguard-go", "/usr/bin/wg", "/usr/bin/curl"])
        if (!fs.existsSync(bin)) return `needs ${bin}`;
    return null;
}

/**
 * Readable axes: rate ticks short, in one unit, rising from 0; clock ticks as hours and minutes; no two
 * labels of an axis overlapping.
 */
async function assertReadableAxes(chart: Locator): Promise<void> {
    const rates = await chart.locator(".wgh-axis-rate").allTextContents();
    assert.equal(rates[0], "0", rates.join(" | "));
    const units = new Set(rates.slice(1).map(r => /^\d+(?:[.,]\d{1,2})? ((?:Ki|Mi|Gi|Ti)?B)\/s$/.exec(r)?.[1]));
    assert.equal(units.size, 1, `one unit, short numbers: ${rates.join(" | ")}`);
    assert.ok(!units.has(undefined), rates.join(" | "));
    const clocks = await chart.locator(".wgh-axis-time").allTextContents();
    assert.ok(clocks.length >= 2 && clocks.every(c => /^\d{1,2}:\d\d(?: [AP]M)?$/.test(c)), clocks.join(" | "));
    for (const axis of [".wgh-axis-rate", ".wgh-axis-time"]) {
        const boxes = await chart.locator(axis).evaluateAll(els => els.map(e => e.getBoundingClientRect().toJSON() as DOMRect));
        for (let i = 1; i < boxes.length; i++) {
            const [a, b] = [boxes[i - 1], boxes[i]];
            const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
            assert.ok(apart, `${axis} labels ${i - 1} and ${i} overlap`);
        }
    }
}

describe("browser: live spokes in network namespaces", function () {
    this.timeout(180_000);
    let lab: Lab;
    let shims: string;

    before(async function () {
        const missing = needsMissing();
        if (missing) {
            console.log(`      skipped: ${missing}`);
            this.skip();
        }
        lab = await createLab({ spokes: 3, subnet: 57 });
        // The one-liner pipes into "sudo bash"; this machine runs as root and has no sudo.
        shims = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-live-shims-"));
        fs.writeFileSync(path.join(shims, "sudo"), '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
    });

    const world = usePageWorld({
        hub: () => startHub({
            netns: lab.hub.ns,
            env: {
                WGHUB_WG_MODE: "userspace",
                WGHUB_INTERFACE: lab.hubInterface,
                WGHUB_PUBLIC_LISTEN: `${lab.hub.lanAddress}:51821`,
                WGHUB_PUBLIC_URL: `https://${lab.hub.lanAddress}:51821`,
                WGHUB_RECONCILE_SCHEDULE: "*/2 * * * * *",
            },
        }),
        async prepare(hub) {
            const init = await hub.admin("POST", "/api/hub/initialize", { networkCIDR: network, listenPort: 51820, publicEndpoint: `${lab.hub.lanAddress}:51820` });
            assert.equal(init.status, 201, init.text);
        },
        clipboard: true,
    });
    let page: Page;
    let frame: FrameLocator;
    before(async () => {
        ({ page, frame } = world);
        await frame.locator("#hub-card").waitFor();
    });

    // After the world's own cleanup: the hub runs inside the lab.
    after(async function () {
        await lab?.destroy();
        if (shims) fs.rmSync(shims, { recursive: true, force: true });
    });

    function paste(host: Host, command: string) {
        return host.exec("sh", ["-c", `PATH=${shims}:$PATH; ${command}`], { timeoutMs: 120_000 });
    }

    async function addSpokeThroughPage(name: string, datacenter: string): Promise<string> {
        await frame.locator("#add-spoke").click();
        await frame.locator("#add-spoke-name").fill(name);
        await frame.locator("#add-spoke-datacenter").fill(datacenter);
        await frame.locator("#add-spoke-create").click();
        await frame.locator("#install-command-linux-copy").click();
        return frame.locator("body").evaluate(() => navigator.clipboard.readText());
    }

    it("follows a spoke from the copied command to its first handshake", async function () {
        const command = await addSpokeThroughPage("edge-paris-1", "Paris");
        await frame.locator("#token-follow[data-stage='waiting']").waitFor();
        const install = paste(lab.spokes[0]!, command);
        await frame.locator("#token-follow[data-stage='registered'], #token-follow[data-stage='handshake']").waitFor({ timeout: 60_000 });
        await frame.locator("#token-follow[data-stage='handshake']").waitFor({ timeout: 60_000 });
        const result = await install;
        assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
        await shoot(page, frame, "add-spoke-handshake");
        await frame.locator("#add-spoke-done").click();
        const row = frame.locator(`#spokes-table tr[data-spoke-name="edge-paris-1"][data-state="online"]`);
        await row.waitFor({ timeout: 15_000 });
        assert.equal(await row.locator(".wgh-spoke-state").textContent(), "Online");
    });

    it("shows more spokes online with their traffic, and the hub's traffic chart", async function () {
        for (const [i, name] of [[1, "edge-fra-1"], [2, "edge-fra-2"]] as const) {
            const command = await addSpokeThroughPage(name, "Frankfurt");
            const r = await paste(lab.spokes[i]!, command);
            assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
            await frame.locator("#token-follow[data-stage='handshake']").waitFor({ timeout: 30_000 });
            await frame.locator("#add-spoke-done").click();
        }
        // Some traffic through the tunnels, for the counters and the samples.
        await Promise.all(lab.spokes.map((s, i) =>
            s.exec("ping", ["-n", "-q", "-i", "0.05", "-s", String(400 * (i + 1)), "-c", "120", hubTunnelAddress])));
        await waitFor("three spokes online", async () => (await frame.locator("#spokes-table tr[data-state='online']").count()) === 3, 20_000);
        const rx = frame.locator(`#spokes-table tr[data-spoke-name="edge-fra-2"] td[data-label="Received"]`);
        await waitFor("traffic counters in the table", async () => /KiB|MiB/.test((await rx.textContent()) ?? ""), 20_000, 500);
        assert.match((await frame.locator("#hub-peers").textContent())!, /3 of 3/);
        await shoot(page, frame, "dashboard-live");

        await frame.locator("#tab-traffic").click();
        const chart = frame.locator("#traffic-chart");
        await waitFor("samples in the chart", async () => Number(await chart.getAttribute("data-points")) >= 2, 40_000, 500);
        assert.doesNotMatch((await frame.locator("#traffic-totals").textContent())!, /: 0 B received/);
        await frame.locator("#traffic-range-5").click();
        await waitFor("samples in the 5-minute chart", async () => Number(await chart.getAttribute("data-points")) >= 2, 20_000, 500);
        await frame.locator("#traffic-card").evaluate(e => e.scrollIntoView());
        await assertReadableAxes(frame.locator("#traffic-chart"));
        await shoot(page, frame, "traffic-live");
        await frame.locator("#tab-spokes").click();

        // One spoke's traffic, from its row.
        const row = frame.locator(`#spokes-table tr[data-spoke-name="edge-fra-2"]`);
        const id = (await row.getAttribute("id"))!.replace(/^spoke-row-/, "");
        await frame.locator(`#spoke-actions-${id}`).click();
        await frame.locator(`#spoke-traffic-${id}`).click();
        await frame.locator("#traffic-spoke").filter({ hasText: "edge-fra-2" }).waitFor();
        // Spokes are sampled at most every 10 s (the hub at every run).
        await waitFor("the spoke's samples", async () => Number(await chart.getAttribute("data-points")) >= 2, 45_000, 500);
        await frame.locator("#tab-spokes").click();
    });
});
