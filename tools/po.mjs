// The page's translations, the way Cockpit's own pages have them:
//   node tools/po.mjs extract   strings of plugin/ → po/wireguard-hub.pot, merged into po/*.po
//   compileLocales(dir)         po/*.po → po.<lang>.js beside the page (called by the build)
// Cockpit serves a page's `po.js` as the `po.<lang>.js` of the session's language; that file
// calls cockpit.locale() before the page runs, and cockpit.gettext then answers from it.
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
export const poDir = path.join(root, "po");
export const potFile = path.join(poDir, "wireguard-hub.pot");
const sourceDir = path.join(root, "plugin");

// ---------------------------------------------------------------------------------------------
// Extraction

function sourceFiles(dir) {
    return fs.readdirSync(dir, { recursive: true })
        .filter(f => /\.tsx?$/.test(f) && !f.endsWith(".d.ts"))
        .map(f => path.join(dir, f))
        .sort();
}

function literal(node) {
    return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : null;
}

/** What a call marks for translation: `_("…")`, `N_("…")`, cockpit.gettext([context,] "…"), cockpit.ngettext("…", "…", n). */
function marked(call) {
    const callee = call.expression;
    const name = ts.isIdentifier(callee) ? callee.text
        : ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === "cockpit" ? callee.name.text
        : null;
    const [a, b] = call.arguments.map(literal);
    if (name === "_" || name === "N_") return a === null ? { dynamic: true } : { id: a };
    if (name === "gettext") return call.arguments.length === 2 ? (a === null || b === null ? { dynamic: true } : { context: a, id: b }) : (a === null ? { dynamic: true } : { id: a });
    if (name === "ngettext") return a === null || b === null ? { dynamic: true } : { id: a, plural: b };
    return null;
}

/** Every message of the page's sources, in the order first met, with where each is used. */
export function extractMessages(dir = sourceDir) {
    const messages = new Map();
    const problems = [];
    for (const file of sourceFiles(dir)) {
        const text = fs.readFileSync(file, "utf8");
        const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
        const visit = node => {
            if (ts.isCallExpression(node)) {
                const found = marked(node);
                const where = `${path.relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
                if (found?.dynamic) problems.push(`${where}: only a literal string can be translated`);
                else if (found) {
                    const key = messageKey(found);
                    const known = messages.get(key);
                    if (known) known.references.push(where);
                    else messages.set(key, { ...found, references: [where] });
                }
            }
            ts.forEachChild(node, visit);
        };
        visit(source);
    }
    if (problems.length) throw new Error(problems.join("\n"));
    return [...messages.values()];
}

export function messageKey(m) {
    return m.context ? `${m.context}\u0004${m.id}` : m.id;
}

// ---------------------------------------------------------------------------------------------
// The PO format (the part gettext tools and translators use)

function quote(text) {
    const escaped = text.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\t/g, "\\t").replace(/\r/g, "\\r");
    if (!escaped.includes("\n") || escaped === "\n") return `"${escaped.replace(/\n/g, "\\n")}"`;
    const lines = escaped.split(/(?<=\n)/).map(l => `"${l.replace(/\n/g, "\\n")}"`);
    return `""\n${lines.join("\n")}`;
}

function unquote(text, where) {
    const m = /^"(.*)"$/.exec(text.trim());
    if (!m) throw new Error(`${where}: expected a quoted string, found ${text.trim().slice(0, 40)}`);
    return m[1].replace(/\\(.)/g, (_, c) => ({ n: "\n", t: "\t", r: "\r", "\\": "\\", "\"": "\"" })[c] ?? (() => {
        throw new Error(`${where}: unknown escape \\${c}`);
    })());
}

/** Entries of a .po or .pot file: { context?, id, plural?, strings[], flags[], references[], comments[] }. */
export function parsePo(text, name = "po") {
    const entries = [];
    let entry = null;
    let field = null;
    const finish = () => {
        if (entry && entry.id !== undefined) entries.push(entry);
        entry = null;
        field = null;
    };
    const lines = text.split("\n");
    lines.forEach((raw, i) => {
        const where = `${name}:${i + 1}`;
        const line = raw.trim();
        if (!line) return finish();
        if (line.startsWith("#~")) return; // obsolete entries
        if (!entry || (field && line.startsWith("#"))) {
            if (entry && field) finish();
            entry ??= { strings: [], flags: [], references: [], comments: [] };
        }
        if (line.startsWith("#,")) entry.flags.push(...line.slice(2).split(",").map(f => f.trim()).filter(Boolean));
        else if (line.startsWith("#:")) entry.references.push(...line.slice(2).trim().split(/\s+/));
        else if (line.startsWith("#")) entry.comments.push(line);
        else if (line.startsWith("\"")) {
            if (!field) throw new Error(`${where}: a string continues no field`);
            field.append(unquote(line, where));
        } else {
            const m = /^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$/.exec(line);
            if (!m) throw new Error(`${where}: cannot read ${line.slice(0, 40)}`);
            const [, keyword, index, value] = m;
            const key = keyword === "msgctxt" ? "context" : keyword === "msgid" ? "id" : keyword === "msgid_plural" ? "plural" : null;
            if (key) {
                if (entry[key] !== undefined) throw new Error(`${where}: ${keyword} twice in one entry`);
                entry[key] = unquote(value, where);
                field = { append: s => (entry[key] += s) };
            } else {
                const n = index === undefined ? 0 : Number(index);
                entry.strings[n] = unquote(value, where);
                field = { append: s => (entry.strings[n] += s) };
            }
        }
    });
    finish();
    return entries;
}

function formatEntry(e) {
    const out = [...e.comments];
    if (e.references.length) out.push(`#: ${e.references.join(" ")}`);
    if (e.flags.length) out.push(`#, ${e.flags.join(", ")}`);
    if (e.context !== undefined) out.push(`msgctxt ${quote(e.context)}`);
    out.push(`msgid ${quote(e.id)}`);
    if (e.plural !== undefined) {
        out.push(`msgid_plural ${quote(e.plural)}`);
        const count = Math.max(e.strings.length, 2);
        for (let i = 0; i < count; i++) out.push(`msgstr[${i}] ${quote(e.strings[i] ?? "")}`);
    } else out.push(`msgstr ${quote(e.strings[0] ?? "")}`);
    return out.join("\n");
}

export function formatPo(entries) {
    return entries.map(formatEntry).join("\n\n") + "\n";
}

export function headerOf(entries) {
    const header = entries.find(e => e.id === "" && e.context === undefined);
    const fields = {};
    for (const line of (header?.strings[0] ?? "").split("\n")) {
        const at = line.indexOf(":");
        if (at > 0) fields[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return fields;
}

// ---------------------------------------------------------------------------------------------
// po/*.po → po.<lang>.js

/** The plural rule of a PO header as a JavaScript function, refusing anything but arithmetic on n. */
export function pluralFunction(pluralForms) {
    const m = /plural\s*=\s*([^;]+);?/.exec(pluralForms ?? "");
    const expression = m ? m[1].trim() : "n != 1";
    if (!/^[n\d\s()!=<>&|?:%+-]+$/.test(expression)) throw new Error(`Plural-Forms: not a plural expression: ${expression}`);
    return `n => +(${expression})`;
}

/** Cockpit's locale file for one language: only translated, non-fuzzy entries. */
export function compileLocale(entries, language) {
    const header = headerOf(entries);
    const table = {};
    for (const e of entries) {
        if (e.id === "" || e.flags.includes("fuzzy")) continue;
        const strings = e.plural !== undefined ? e.strings : [e.strings[0]];
        if (!strings.length || strings.some(s => !s)) continue;
        table[messageKey(e)] = [null, ...strings];
    }
    const direction = ["ar", "fa", "he", "ur"].includes(language.split("_")[0]) ? "rtl" : "ltr";
    const head = `"":{"plural-forms":${pluralFunction(header["Plural-Forms"])},"language":${JSON.stringify(language)},"language-direction":"${direction}"}`;
    const body = Object.entries(table).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    return `cockpit.locale({${[head, ...body].join(",")}});\n`;
}

export function languages() {
    if (!fs.existsSync(poDir)) return [];
    return fs.readdirSync(poDir).filter(f => f.endsWith(".po")).map(f => f.slice(0, -3)).sort();
}

/** Writes po.<lang>.js for every po/<lang>.po into `outDir`; returns the languages written. */
export function compileLocales(outDir) {
    const written = [];
    for (const lang of languages()) {
        const file = path.join(poDir, `${lang}.po`);
        const js = compileLocale(parsePo(fs.readFileSync(file, "utf8"), path.relative(root, file)), lang);
        fs.mkdirSync(outDir, { recursive: true });
        fs.writeFileSync(path.join(outDir, `po.${lang}.js`), js);
        written.push(lang);
    }
    return written;
}

// ---------------------------------------------------------------------------------------------
// `npm run po:extract`: the template, and every translation brought up to it

function potHeader() {
    return {
        id: "", strings: ["Project-Id-Version: wireguard-hub\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\nLanguage: \n"],
        flags: [], references: [], comments: ["# Strings of the WireGuard Hub page. Made by `npm run po:extract`; do not edit."],
    };
}

/** A translation brought up to the template: new messages empty, gone ones dropped, the rest kept. */
export function mergePo(translation, template) {
    const known = new Map(translation.filter(e => e.id !== "").map(e => [messageKey(e), e]));
    const header = translation.find(e => e.id === "" && e.context === undefined);
    const merged = template.filter(e => e.id !== "").map(t => {
        const old = known.get(messageKey(t));
        // The template's flags (javascript-format), and the translator's own (fuzzy) kept.
        const flags = [...new Set([...t.flags, ...(old?.flags ?? []).filter(f => f === "fuzzy")])];
        return { ...t, comments: old?.comments ?? [], flags, strings: old ? old.strings : [] };
    });
    return header ? [header, ...merged] : merged;
}

function extract() {
    const messages = extractMessages();
    const template = [potHeader(), ...messages.map(m => ({ ...m, strings: [], flags: m.id.includes("$0") ? ["javascript-format"] : [], comments: [] }))];
    fs.mkdirSync(poDir, { recursive: true });
    fs.writeFileSync(potFile, formatPo(template));
    console.log(`${path.relative(root, potFile)}: ${messages.length} messages`);
    for (const lang of languages()) {
        const file = path.join(poDir, `${lang}.po`);
        const merged = mergePo(parsePo(fs.readFileSync(file, "utf8"), file), template);
        fs.writeFileSync(file, formatPo(merged));
        const missing = merged.filter(e => e.id !== "" && (!e.strings.length || e.strings.some(s => !s))).length;
        console.log(`po/${lang}.po: ${missing ? `${missing} messages to translate` : "complete"}`);
    }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
    const command = process.argv[2];
    if (command === "extract") extract();
    else {
        console.error("usage: node tools/po.mjs extract");
        process.exit(2);
    }
}
