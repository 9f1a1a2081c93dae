// The page ships PatternFly's style sheet cut to what it names (tools/pruneCss.mjs and the
// build's dropping of unused components' sheets). Whatever the tests show, every element must get
// the same computed style from the cut sheet as from PatternFly's whole one.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import type { FrameLocator } from "playwright-core";
import { buildTestPage } from "./cockpit";

let wholeSheet: string | null = null;

/** The page's style sheet as a build without pruning makes it (built once per test process). */
function wholeStyleSheet(): string {
    if (wholeSheet !== null) return wholeSheet;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-whole-style-"));
    try {
        buildTestPage(dir, { WGHUB_PAGE_WHOLE_STYLE: "yes" });
        wholeSheet = zlib.gunzipSync(fs.readFileSync(path.join(dir, "cockpit", "wireguard-hub", "index.css.gz"))).toString("utf8");
        return wholeSheet;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * Every element's computed style (and its ::before and ::after where drawn) under the page's own
 * sheet, then under the whole one; returns how many were compared and the first differences, or
 * null when the page changed meanwhile (a toast going, a time shown anew). The page is left as it
 * was. It runs in the page as written: no function is bound to a name inside (tsx would wrap it
 * in a helper the page lacks).
 */
async function compareUnderWholeSheet(_html: Element, whole: string): Promise<{ compared: number; differences: string[] } | null> {
    const changes = new MutationObserver(() => undefined);
    changes.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    const own = [...document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')];
    // A constructed sheet: Cockpit's content security policy refuses a <style> element.
    const replacement = new CSSStyleSheet();
    replacement.replaceSync(whole);
    const read: string[][] = [];
    for (const sheet of ["own", "whole"]) {
        if (sheet === "whole") {
            own.forEach(link => (link.disabled = true));
            document.adoptedStyleSheets = [replacement];
        }
        // The whole sheet's @font-face rules are new faces: sizes read before they load would
        // be those of a fallback font.
        void document.body.offsetWidth;
        await document.fonts.ready;
        // A changed value would start a transition and still read as the old one: read its end.
        for (const animation of document.getAnimations())
            if (animation instanceof CSSTransition) animation.finish();
        const lines: string[] = [];
        // The standard properties only: reading a computed style's custom properties by index
        // walks all of them each time (PatternFly's tokens make that seconds).
        const names: string[] = [];
        const rootStyle = getComputedStyle(document.documentElement);
        for (let i = 0; i < rootStyle.length && !rootStyle[i].startsWith("--"); i++) names.push(rootStyle[i]);
        document.querySelectorAll("*").forEach((element, index) => {
            for (const pseudo of [null, "::before", "::after"]) {
                const style = getComputedStyle(element, pseudo);
                if (pseudo && style.content === "none") continue;
                const values = names.map(name => `${name}: ${style.getPropertyValue(name)}`);
                lines.push(`#${index} <${element.tagName.toLowerCase()} class="${element.getAttribute("class") ?? ""}">${pseudo ?? ""} {${values.join("; ")}}`);
            }
        });
        read.push(lines);
    }
    document.adoptedStyleSheets = [];
    own.forEach(link => (link.disabled = false));
    for (const animation of document.getAnimations())
        if (animation instanceof CSSTransition) animation.finish();

    const changed = changes.takeRecords().length > 0;
    changes.disconnect();
    if (changed) return null;

    const [pruned, full] = read;
    const differences: string[] = [];
    for (let i = 0; i < Math.max(pruned.length, full.length) && differences.length < 5; i++) {
        if (pruned[i] === full[i]) continue;
        const a = (pruned[i] ?? "").replace(/^[^{]*\{|\}$/g, "").split("; ");
        const b = (full[i] ?? "").replace(/^[^{]*\{|\}$/g, "").split("; ");
        differences.push(`${(pruned[i] ?? full[i]).replace(/ \{.*$/, "")}: pruned ${a.filter(v => !b.includes(v)).join("; ")}; whole ${b.filter(v => !a.includes(v)).join("; ")}`);
    }
    return { compared: pruned.length, differences };
}

/** Fails when any element of the page's frame is styled differently by PatternFly's whole sheet. */
export async function assertStyledAsByWholeSheet(frame: FrameLocator, what: string): Promise<void> {
    const sheet = wholeStyleSheet();
    for (let attempt = 1; ; attempt++) {
        const compared = await frame.locator("html").evaluate(compareUnderWholeSheet, sheet);
        if (compared) {
            assert.ok(compared.compared > 10, `${what}: the page has elements`);
            assert.deepEqual(compared.differences, [], `${what}: styled differently by the pruned style sheet`);
            return;
        }
        assert.ok(attempt < 10, `${what}: the page kept changing while its styles were read`);
    }
}
