// Cuts PatternFly's style sheet down to what the page's script and HTML can use.
//
// The browser parses every rule of the page's style sheet and keeps the custom properties each
// matching rule declares on every element it styles: PatternFly's components declare hundreds of
// them (every variant's colours), and its tokens are 900 more on :root. Most belong to variants,
// utilities and themes the page never names. This drops:
// - each selector naming a PatternFly class (`pf-…`) that the page never spells out (not
//   counting `:not(…)`, which matches without it), and the rules and at-rule blocks left with none;
// - each custom property no kept rule or page text reads, directly or through other properties.
// Classes not starting with `pf-` (the page's own, some made at run time) are never dropped.
import postcss from "postcss";

const VARIABLE_USE = /var\(\s*(--[\w-]+)/g;
const GROUPS = new Set(["media", "container", "supports", "layer"]);

function usedVariables(text) {
    return Array.from(text.matchAll(VARIABLE_USE), match => match[1]);
}

// Selector lists inside `:is(…)`, `:where(…)` and `:has(…)` match nothing when none of their
// selectors can; any other parenthesis (`:not(…)` above all) may match without its classes.
const ANY_OF = new Set(["is", "where", "has"]);

function splitList(list) {
    const parts = [];
    let depth = 0;
    let start = 0;
    for (let i = 0; i < list.length; i++) {
        if (list[i] === "(") depth++;
        else if (list[i] === ")") depth--;
        else if (list[i] === "," && depth === 0) {
            parts.push(list.slice(start, i));
            start = i + 1;
        }
    }
    parts.push(list.slice(start));
    return parts;
}

function canMatch(selector, known) {
    const text = selector.replace(/\[[^\]]*\]/g, "");
    let outer = "";
    for (let i = 0; i < text.length; i++) {
        if (text[i] !== "(") {
            outer += text[i];
            continue;
        }
        let depth = 1;
        let end = i + 1;
        for (; end < text.length && depth; end++) depth += text[end] === "(" ? 1 : text[end] === ")" ? -1 : 0;
        const pseudo = /:([\w-]+)$/.exec(outer)?.[1];
        if (ANY_OF.has(pseudo) && !splitList(text.slice(i + 1, end - 1)).some(part => canMatch(part, known))) return false;
        i = end - 1;
    }
    for (const [, name] of outer.matchAll(/\.(pf-[\w-]+)/g)) if (!known.has(name)) return false;
    return true;
}

function removeIfEmpty(node) {
    for (let parent = node; parent && parent.type !== "root";) {
        const up = parent.parent;
        const empty = parent.type === "rule" ? parent.nodes.length === 0
            : parent.type === "atrule" && GROUPS.has(parent.name) && parent.nodes?.length === 0;
        if (!empty) return;
        parent.remove();
        parent = up;
    }
}

/**
 * @param {string} css the bundle's style sheet
 * @param {string} pageText all that may name a class or custom property: the page's script and HTML
 * @returns {{ css: string, selectors: number, properties: number }} the sheet and what was dropped
 */
export function pruneStyleSheet(css, pageText) {
    const words = new Set(pageText.match(/[\w-]+/g));
    const root = postcss.parse(css);
    let selectors = 0;
    let properties = 0;

    root.walkRules(rule => {
        if (rule.parent?.type === "atrule" && /keyframes$/.test(rule.parent.name)) return;
        const kept = rule.selectors.filter(selector => canMatch(selector, words));
        if (kept.length === rule.selectors.length) return;
        selectors += rule.selectors.length - kept.length;
        if (kept.length) rule.selectors = kept;
        else {
            const parent = rule.parent;
            rule.remove();
            removeIfEmpty(parent);
        }
    });

    const declared = new Map();
    const needed = new Set([...words].filter(word => word.startsWith("--")));
    root.walk(node => {
        if (node.type === "decl") {
            if (node.prop.startsWith("--")) {
                const values = declared.get(node.prop) ?? [];
                values.push(node.value);
                declared.set(node.prop, values);
            } else for (const name of usedVariables(node.value)) needed.add(name);
        } else if (node.type === "atrule" && node.name !== "property") {
            for (const name of usedVariables(node.params)) needed.add(name);
        }
    });
    const pending = [...needed];
    while (pending.length) {
        for (const value of declared.get(pending.pop()) ?? []) {
            for (const name of usedVariables(value)) {
                if (!needed.has(name)) {
                    needed.add(name);
                    pending.push(name);
                }
            }
        }
    }
    root.walkDecls(/^--/, decl => {
        if (needed.has(decl.prop)) return;
        properties++;
        const parent = decl.parent;
        decl.remove();
        removeIfEmpty(parent);
    });

    return { css: root.toString(), selectors, properties };
}
