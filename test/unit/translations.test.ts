// The page's translations: the template is current, German is complete and keeps every
// placeholder, and the PO reader and the locale compiler do what Cockpit expects.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { compileLocale, extractMessages, languages, messageKey, parsePo, pluralFunction, potFile, poDir, mergePo } from "../../tools/po.mjs";

const read = (file: string) => parsePo(fs.readFileSync(file, "utf8"), path.basename(file));

/** Runs a compiled po.<lang>.js the way the browser would and returns what it handed to cockpit.locale. */
function loadLocale(js: string): { data: Record<string, any>; plural: (n: number) => number } {
    let given: Record<string, any> | null = null;
    vm.runInNewContext(js, { cockpit: { locale: (d: Record<string, any>) => (given = d) } });
    assert.ok(given, "the file calls cockpit.locale");
    const { "": header, ...data } = given as Record<string, any>;
    // Copied out of the script's own realm, so that deepEqual compares plain values.
    return { data: { "": { language: header.language }, ...JSON.parse(JSON.stringify(data)) }, plural: header["plural-forms"] };
}

describe("translations", function () {
    it("po/wireguard-hub.pot holds exactly the page's messages (run npm run po:extract)", function () {
        const inTemplate = read(potFile).filter(e => e.id !== "").map(messageKey).sort();
        const inSources = extractMessages().map(messageKey).sort();
        assert.deepEqual(inTemplate, inSources);
    });

    it("ships German, complete, with every placeholder of each message", function () {
        assert.ok(languages().includes("de"));
        const german = new Map(read(path.join(poDir, "de.po")).map(e => [messageKey(e), e]));
        for (const message of read(potFile).filter(e => e.id !== "")) {
            const entry = german.get(messageKey(message));
            assert.ok(entry, `po/de.po lacks "${message.id}"`);
            assert.ok(!entry.flags.includes("fuzzy"), `"${message.id}" is fuzzy in po/de.po`);
            const wanted = message.plural !== undefined ? 2 : 1;
            assert.equal(entry.strings.filter(Boolean).length, wanted, `"${message.id}" is untranslated in po/de.po`);
            const placeholders = (s: string) => (s.match(/\$\d|\$\{\w+\}/g) ?? []).sort().join(" ");
            for (const s of entry.strings)
                assert.equal(placeholders(s), placeholders(message.plural ?? message.id), `"${s}" keeps the placeholders of "${message.id}"`);
        }
    });

    it("compiles a PO file into Cockpit's locale data, with context, plurals and escapes", function () {
        const po = [
            'msgid ""', 'msgstr ""', '"Language: de\\n"', '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"', "",
            'msgid "Spokes"', 'msgstr "Spokes"', "",
            'msgctxt "verb"', 'msgid "Copy"', 'msgstr "Kopieren"', "",
            'msgid "$0 node"', 'msgid_plural "$0 nodes"', 'msgstr[0] "$0 Knoten"', 'msgstr[1] "$0 Knoten"', "",
            'msgid "Say \\"hi\\""', 'msgstr ""', '"Sag \\"hallo\\"\\n"', '"zweite Zeile"', "",
            '#, fuzzy', 'msgid "Unsure"', 'msgstr "Unsicher"', "",
            'msgid "Untranslated"', 'msgstr ""', "",
        ].join("\n");
        const { data, plural } = loadLocale(compileLocale(parsePo(po), "de"));
        assert.equal(data[""].language, "de");
        assert.equal(plural(1), 0);
        assert.equal(plural(5), 1);
        assert.deepEqual(data["verb\u0004Copy"], [null, "Kopieren"]);
        assert.deepEqual(data["$0 node"], [null, "$0 Knoten", "$0 Knoten"]);
        assert.deepEqual(data["Say \"hi\""], [null, "Sag \"hallo\"\nzweite Zeile"]);
        assert.equal(data.Unsure, undefined, "fuzzy entries are left out");
        assert.equal(data.Untranslated, undefined, "empty entries are left out");
    });

    it("refuses a plural rule that is not arithmetic on n (the header becomes code)", function () {
        assert.equal(pluralFunction("nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 ? 1 : 2);"), "n => +((n==1 ? 0 : n%10>=2 && n%10<=4 ? 1 : 2))");
        assert.throws(() => pluralFunction("nplurals=2; plural=alert(1);"), /not a plural expression/);
    });

    it("says where a PO file is broken", function () {
        assert.throws(() => parsePo('msgid "a"\nmsgstr "b\n', "x.po"), /x\.po:2/);
        assert.throws(() => parsePo('msgid "a"\nmsgstr "\\q"\n', "x.po"), /x\.po:2: unknown escape/);
    });

    it("brings a translation up to a new template: kept, added empty, dropped", function () {
        const template = parsePo('msgid "Keep"\nmsgstr ""\n\nmsgid "New"\nmsgstr ""\n');
        const old = parsePo('msgid ""\nmsgstr "Language: de\\n"\n\nmsgid "Keep"\nmsgstr "Behalten"\n\nmsgid "Gone"\nmsgstr "Weg"\n');
        const merged = mergePo(old, template);
        assert.deepEqual(merged.map(e => [e.id, e.strings[0] ?? ""]), [["", "Language: de\n"], ["Keep", "Behalten"], ["New", ""]]);
    });
});
