// The page at the widths admins use: the full width of Cockpit's content area, no sideways
// scroll of the page, and every row's actions menu on screen.
import assert from "node:assert/strict";
import { plainSpokes, proxmoxSpokes, seedSpokes } from "./seed";
import { shoot } from "./shots";
import { usePageWorld } from "./world";

interface Measure {
    frameWidth: number;
    scrollWidth: number;
    mainLeft: number;
    toggles: number;
    offScreen: string[];
}

// A string, so that it reaches the browser exactly as written.
const MEASURE = `(() => {
    const doc = document.documentElement;
    const main = document.querySelector(".pf-v6-c-page__main-container, main");
    const toggles = [...document.querySelectorAll("#spokes-table [id^=spoke-actions-]")];
    return {
        frameWidth: doc.clientWidth,
        scrollWidth: doc.scrollWidth,
        mainLeft: main ? main.getBoundingClientRect().left : -1,
        toggles: toggles.length,
        offScreen: toggles.filter(t => t.getBoundingClientRect().right > doc.clientWidth).map(t => t.id),
    };
})()`;

describe("browser: the page's layout at common widths", function () {
    const world = usePageWorld({
        init: { networkCIDR: "10.40.0.0/22", listenPort: 51820, publicEndpoint: "hub.example.test:51820", dns: ["10.40.0.1"] },
        prepare: async hub => {
            await seedSpokes(hub, [...proxmoxSpokes(), ...plainSpokes(10, "branch-office-frankfurt-main")]);
        },
    });

    for (const width of [1280, 1440, 1920]) {
        it(`at ${width} px: full width, no sideways scroll, every row's menu on screen`, async function () {
            const { page, frame } = world;
            await page.setViewportSize({ width, height: 1000 });
            await frame.locator("#spokes-table tbody tr").nth(19).waitFor();
            // Wait for the layout to follow the new size.
            await frame.locator("html").evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
            const m: Measure = await frame.locator("body").evaluate((_b, script) => (0, eval)(script), MEASURE);
            await shoot(page, frame, `dashboard-${width}`);
            assert.ok(m.scrollWidth <= m.frameWidth, `the page scrolls sideways: ${m.scrollWidth} px of content in ${m.frameWidth} px`);
            assert.ok(m.mainLeft >= 0 && m.mainLeft <= 32, `the content starts ${m.mainLeft} px from the left (an empty column?)`);
            assert.equal(m.toggles, 20);
            assert.deepEqual(m.offScreen, [], `every row's actions menu is on screen (frame ${m.frameWidth} px)`);
        });
    }
});
