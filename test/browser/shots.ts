// Screenshots of the page in Cockpit's light and dark themes, saved under test-results/screenshots/;
// each shown state is also checked to be styled as PatternFly's whole style sheet would style it.
import fs from "node:fs";
import path from "node:path";
import type { FrameLocator, Page } from "playwright-core";
import { PLUGIN_FRAME, root } from "./cockpit";
import { assertStyledAsByWholeSheet } from "./prunedStyle";

export const shotsDir = path.join(root, "test-results", "screenshots");

async function setStyle(frame: FrameLocator, style: "light" | "dark"): Promise<void> {
    // What Cockpit's shell does when the user switches its style: store it and tell the page.
    await frame.locator("html").evaluate((_html, s) => {
        window.localStorage.setItem("shell:style", s);
        window.dispatchEvent(new CustomEvent("cockpit-style", { detail: { style: s } }));
    }, style);
    const dark = style === "dark";
    await frame.locator(dark ? "html.pf-v6-theme-dark" : "html:not(.pf-v6-theme-dark)").waitFor();
}

/**
 * Saves <name>-light.png and <name>-dark.png of the plugin's frame (or of one element in it,
 * given by its selector), and leaves the page light. Fails if the page's pruned style sheet
 * styles anything in the frame differently from PatternFly's whole one.
 */
export async function shoot(page: Page, frame: FrameLocator, name: string, selector?: string): Promise<void> {
    fs.mkdirSync(shotsDir, { recursive: true });
    const target = selector ? frame.locator(selector) : page.locator(PLUGIN_FRAME);
    for (const style of ["light", "dark"] as const) {
        await setStyle(frame, style);
        // The style switch starts PatternFly's colour transitions; the picture waits for their end (or cancel).
        await frame.locator("html").evaluate(() => Promise.allSettled(document.getAnimations().map(a => a.finished)));
        await target.screenshot({ path: path.join(shotsDir, `${name}-${style}.png`), animations: "disabled" });
        await assertStyledAsByWholeSheet(frame, `${name} (${style})`);
    }
    await setStyle(frame, "light");
}

/** The whole window when a test fails, to see what the user would have seen. */
export async function saveFailure(page: Page | undefined, title: string): Promise<void> {
    if (!page) return;
    const dir = path.join(root, "test-results", "failures");
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, `${title.replace(/[^a-zA-Z0-9]+/g, "-").slice(0, 80)}.png`) }).catch(() => undefined);
}
