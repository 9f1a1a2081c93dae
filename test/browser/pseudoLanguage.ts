// A pseudo-language made from the template, every message wrapped in ⟪…⟫: any visible text of
// the page outside those brackets and outside the hub's own data never went through gettext.
import fs from "node:fs";
import path from "node:path";
import type { FrameLocator } from "playwright-core";
import { compileLocale, parsePo, potFile, type PoEntry } from "../../tools/po.mjs";
import { testPage } from "./cockpit";

export const PSEUDO = "eo";

export function readPo(file: string): PoEntry[] {
    return parsePo(fs.readFileSync(file, "utf8"), path.basename(file));
}

/** Writes po.eo.js into the served test page: every message as ⟪message⟫. */
export function installPseudoLocale(): void {
    const pseudo = readPo(potFile).map(e => ({
        ...e,
        strings: e.id === "" ? ["Plural-Forms: nplurals=2; plural=(n != 1);\n"] : e.plural !== undefined ? [`⟪${e.id}⟫`, `⟪${e.plural}⟫`] : [`⟪${e.id}⟫`],
    }));
    fs.writeFileSync(path.join(testPage(), "cockpit", "wireguard-hub", `po.${PSEUDO}.js`), compileLocale(pseudo, PSEUDO));
}

/**
 * The page's visible text: text nodes and the labels people read (placeholder, title,
 * aria-label) of visible elements, leaving out code blocks (commands are not prose).
 * A string, so that it reaches the browser exactly as written.
 */
const VISIBLE_TEXTS = `(() => {
    const texts = [];
    const shown = el => el.checkVisibility({ visibilityProperty: true }) && !el.closest("pre, code, script, style");
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent.trim();
        if (text && node.parentElement && shown(node.parentElement)) texts.push(text);
    }
    for (const el of document.querySelectorAll("[placeholder], [title], [aria-label]")) {
        if (!shown(el)) continue;
        for (const name of ["placeholder", "title", "aria-label"]) {
            const value = (el.getAttribute(name) || "").trim();
            if (value) texts.push(value);
        }
    }
    return texts;
})()`;

/** The visible texts of the page's current view that have words outside ⟪…⟫ and outside `data` (longest first). */
export async function untranslatedTexts(frame: FrameLocator, data: string[]): Promise<string[]> {
    const texts: string[] = await frame.locator("body").evaluate((_body, script) => (0, eval)(script), VISIBLE_TEXTS);
    return texts.filter(text => {
        let rest = text.replace(/⟪[^⟫]*⟫/g, " ");
        for (const value of data) rest = rest.split(value).join(" ");
        // Example addresses and endpoints (placeholders) are data too.
        rest = rest.replace(/\[?[0-9a-f]*:[0-9a-f:]*\]?(?::\d+)?(?:\/\d+)?/gi, " ").replace(/\b[\w-]+(?:\.[\w-]+)+(?::\d+)?/g, " ");
        // Numbers, sizes, dates and times are formatted, not translated.
        rest = rest.replace(/\b\d[\d.,:/]*\s*(?:[KMGT]i?B(?:\/s)?|B(?:\/s)?|ms|s|%)?/g, " ");
        return /\p{L}{2,}/u.test(rest);
    });
}
