// The build's pruning of PatternFly's style sheet (tools/pruneCss.mjs): what it drops and what it
// must keep.
import assert from "node:assert/strict";
import { pruneStyleSheet } from "../../tools/pruneCss.mjs";

const normalise = (css: string) => css.replace(/\s+/g, " ").trim();

describe("pruning the page's style sheet", () => {
    it("drops the selectors of PatternFly classes the script never names, and the rules left empty", () => {
        const css = `
            .pf-v6-c-button { color: red; }
            .pf-v6-c-wizard { color: blue; }
            .pf-v6-c-button.pf-m-primary, .pf-v6-c-button.pf-m-danger { color: green; }
            @media (min-width: 10px) { .pf-v6-c-wizard__nav { display: none; } }
            .wgh-node-online { fill: green; }`;
        const { css: out, selectors } = pruneStyleSheet(css, `cls("pf-v6-c-button", {primary:"pf-m-primary"})`);
        assert.equal(normalise(out), normalise(`
            .pf-v6-c-button { color: red; }
            .pf-v6-c-button.pf-m-primary { color: green; }
            .wgh-node-online { fill: green; }`));
        assert.equal(selectors, 3);
    });

    it("keeps a selector whose missing class is inside :not(…), and weighs :is/:where/:has by their lists", () => {
        const css = `
            .pf-v6-c-label:not(.pf-m-compact) { a: 1; }
            :root:where(.pf-v6-theme-high-contrast) { b: 2; }
            :root:where(.pf-v6-theme-dark) { c: 3; }
            .pf-v6-c-label:is(.pf-m-gone, .pf-m-outline) { d: 4; }
            .pf-v6-c-label:has(.pf-m-gone) { e: 5; }
            .pf-v6-c-label[data-x=".pf-m-gone"] { f: 6; }`;
        const { css: out } = pruneStyleSheet(css, `"pf-v6-c-label" "pf-v6-theme-dark" "pf-m-outline"`);
        assert.equal(normalise(out), normalise(`
            .pf-v6-c-label:not(.pf-m-compact) { a: 1; }
            :root:where(.pf-v6-theme-dark) { c: 3; }
            .pf-v6-c-label:is(.pf-m-gone, .pf-m-outline) { d: 4; }
            .pf-v6-c-label[data-x=".pf-m-gone"] { f: 6; }`));
    });

    it("drops the custom properties nothing reads, following var() through other properties", () => {
        const css = `
            :root { --token-a: 1px; --token-b: 2px; --token-c: 3px; --token-d: 4px; }
            .pf-v6-c-card { --pf-v6-c-card--Gap: var(--token-a); --pf-v6-c-card--Unused: var(--token-b); gap: var(--pf-v6-c-card--Gap); }
            .pf-v6-c-gone { --pf-v6-c-gone--X: var(--token-c); width: var(--pf-v6-c-gone--X); }
            .pf-v6-c-card { --pf-v6-c-card--Only: 0; }`;
        const script = `"pf-v6-c-card" "pf-v6-c-gone-no" style["--token-d"]`;
        const { css: out, properties } = pruneStyleSheet(css, script);
        assert.equal(normalise(out), normalise(`
            :root { --token-a: 1px; --token-d: 4px; }
            .pf-v6-c-card { --pf-v6-c-card--Gap: var(--token-a); gap: var(--pf-v6-c-card--Gap); }`));
        // --token-b, --token-c (read only by the dropped rule), --pf-v6-c-card--Unused, --pf-v6-c-card--Only.
        assert.equal(properties, 4);
    });

    it("keeps keyframes, font faces and @property whatever they name", () => {
        const css = `
            @keyframes pf-spin { from { transform: rotate(0); } to { transform: rotate(1turn); } }
            @font-face { font-family: "Red Hat Text"; src: url(a.woff2); }
            @property --pf-v6-x { syntax: "<length>"; inherits: false; initial-value: 0; }`;
        assert.equal(normalise(pruneStyleSheet(css, "").css), normalise(css));
    });
});
