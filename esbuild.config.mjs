// One build for the service, the CLI, the Cockpit page and the library that embeds them.
// `node esbuild.config.mjs [--watch]`; output in dist/.
import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { compileLocales } from "./tools/po.mjs";
import { pruneStyleSheet } from "./tools/pruneCss.mjs";

const root = path.dirname(new URL(import.meta.url).pathname);
const watch = process.argv.includes("--watch");
// WGHUB_PAGE_SOCKET_OVERRIDE=yes builds a page that takes its socket from localStorage
// (development against `npm start`, and the browser tests); the default build, which the
// package ships, has no such code at all.
const socketOverride = process.env.WGHUB_PAGE_SOCKET_OVERRIDE === "yes";
// WGHUB_PAGE_ONLY=DIR builds just the page into DIR/cockpit/wireguard-hub (the browser tests).
const pageOnly = process.env.WGHUB_PAGE_ONLY ?? null;
// WGHUB_PAGE_WHOLE_STYLE=yes keeps PatternFly's whole style sheet (the browser tests compare the
// pruned one against it).
const wholeStyle = process.env.WGHUB_PAGE_WHOLE_STYLE === "yes";
const finalDist = path.join(root, "dist");
// A build goes to a fresh folder swapped in at the end, so a service or test running from
// dist/ never sees it half-written (or missing).
const dist = pageOnly ?? (watch ? finalDist : `${finalDist}.building-${process.pid}`);
const pluginOut = path.join(dist, "cockpit", "wireguard-hub");

function copy(from, to) {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.cpSync(from, to, { recursive: true });
}

// cockpit.js is served by Cockpit itself (../base1/cockpit.js, loaded by index.html);
// `import cockpit from "cockpit"` resolves to that global.
const cockpitGlobal = {
    name: "cockpit-global",
    setup(build) {
        build.onResolve({ filter: /^cockpit$/ }, () => ({ path: "cockpit", namespace: "cockpit-global" }));
        build.onLoad({ filter: /.*/, namespace: "cockpit-global" }, () => ({
            contents: "module.exports = window.cockpit;",
            loader: "js",
        }));
    },
};

// A few regular expressions of the bundled libraries keep non-ASCII letters, and one such
// character makes V8 hold the service's whole source as UTF-16: twice its size, for life.
// \uXXXX means the same in a string, a regular expression or a comment.
const asciiBackend = {
    name: "ascii-backend",
    setup(build) {
        build.onEnd(result => {
            if (result.errors.length) return;
            for (const name of ["server.js", "cli.js"]) {
                const file = path.join(build.initialOptions.outdir, name);
                const code = fs.readFileSync(file, "utf8");
                const ascii = code.replace(/[^ -~\t\n\r]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
                if (ascii !== code) fs.writeFileSync(file, ascii);
            }
        });
    },
};

const backend = {
    entryPoints: { server: "backend/server.ts", cli: "backend/cli.ts" },
    outdir: path.join(dist, "backend"),
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    sourcemap: "linked",
    // The service keeps its source in memory: without whitespace and with shorter syntax it
    // is 40% smaller. Names stay, so that a stack trace still reads.
    minifyWhitespace: true,
    minifySyntax: true,
    // Native or optional modules stay outside the bundle; sequelize gets them as dialectModule.
    external: ["sqlite3", "pg-hstore", "pg-native"],
    plugins: [asciiBackend],
    logLevel: "warning",
};

// PatternFly's style sheet cut to the classes and custom properties the page's script and
// index.html can name (tools/pruneCss.mjs): a fifth less to send through the bridge and parse on
// every load.
const pruneStyleSheets = {
    name: "prune-style-sheets",
    setup(build) {
        build.onEnd(result => {
            if (result.errors.length) return;
            const outputs = result.metafile.outputs;
            const files = Object.keys(outputs);
            const sources = [...files.filter(file => file.endsWith(".js")).map(file => path.resolve(root, file)), path.join(root, "plugin", "index.html")];
            const names = sources.map(file => fs.readFileSync(file, "utf8")).join("\n");
            for (const file of files.filter(name => name.endsWith(".css"))) {
                const full = path.resolve(root, file);
                const pruned = pruneStyleSheet(fs.readFileSync(full, "utf8"), names);
                fs.writeFileSync(full, pruned.css);
                outputs[file].bytes = Buffer.byteLength(pruned.css);
            }
        });
    },
};

// Cockpit serves a package's `x.js.gz` for `x.js` (its own packages ship only the .gz):
// a fifth of the bytes through the bridge on every page load.
const gzipPluginOutputs = {
    name: "gzip-plugin-outputs",
    setup(build) {
        build.onEnd(result => {
            if (result.errors.length) return;
            for (const file of Object.keys(result.metafile?.outputs ?? {})) {
                if (!/\.(js|css)$/.test(file)) continue;
                const full = path.resolve(root, file);
                const gz = zlib.gzipSync(fs.readFileSync(full), { level: 9 });
                fs.writeFileSync(full + ".gz", gz);
                fs.rmSync(full);
                console.log(`plugin bundle dist/${path.relative(dist, full)}.gz: ${(gz.length / 1024).toFixed(0)} KiB served`);
            }
        });
    },
};

// esbuild keeps the CSS a module imports even when tree shaking drops the module itself, so
// importing PatternFly's components by name brought the style sheets of every component in its
// index (the dual list selector, the calendar, the login page…): a fifth of the page's CSS, which
// the browser parses and matches on every load. A first pass finds the modules that stay; the
// build then leaves out each PatternFly style sheet that none of them imports.
const stylesOfDroppedModules = {
    name: "styles-of-dropped-modules",
    setup(build) {
        let unused = null;
        build.onStart(async () => {
            const { metafile } = await esbuild.build({ ...build.initialOptions, plugins: [cockpitGlobal], write: false, logLevel: "silent" });
            const kept = new Set();
            for (const [output, info] of Object.entries(metafile.outputs))
                if (output.endsWith(".js")) for (const [input, use] of Object.entries(info.inputs)) if (use.bytesInOutput > 0) kept.add(input);
            const sheets = new Set();
            const needed = new Set();
            for (const [input, info] of Object.entries(metafile.inputs)) {
                for (const { path: imported } of info.imports) {
                    if (!/@patternfly\/react-styles\/css\/.*\.css$/.test(imported)) continue;
                    sheets.add(imported);
                    if (kept.has(input)) needed.add(imported);
                }
            }
            unused = new Set([...sheets].filter(sheet => !needed.has(sheet)));
        });
        build.onLoad({ filter: /@patternfly[\\/]react-styles[\\/]css[\\/].*\.css$/ }, args => {
            // The metafile names files relative to the working directory.
            const relative = path.relative(process.cwd(), args.path).split(path.sep).join("/");
            return unused?.has(relative) ? { contents: "", loader: "css" } : undefined;
        });
    },
};

const plugin = {
    entryPoints: { index: "plugin/index.tsx" },
    outdir: pluginOut,
    bundle: true,
    minify: true,
    platform: "browser",
    target: "es2020",
    format: "iife",
    jsx: "automatic",
    loader: { ".woff2": "file", ".woff": "file", ".svg": "file", ".png": "file", ".jpg": "file" },
    assetNames: "assets/[name]-[hash]",
    plugins: [cockpitGlobal, ...(watch || wholeStyle ? [] : [stylesOfDroppedModules, pruneStyleSheets]), gzipPluginOutputs],
    define: { WGHUB_SOCKET_OVERRIDE: socketOverride ? "true" : "false" },
    metafile: true,
    legalComments: "external",
    logLevel: "warning",
};

// The library `npm pack` ships (package.json "exports"): wireguard-hub/backend (createHub and
// the routers), wireguard-hub/react (the page's components, with the main entry) and
// wireguard-hub/style.css. Every package stays outside the bundles: the host installs them
// once (React and PatternFly as peers). The components' `import cockpit from "cockpit"` is
// plugin/embed/standaloneCockpit.ts there. Declarations: `npm run build:types`.
const libOut = path.join(dist, "lib");

const standaloneCockpit = {
    name: "standalone-cockpit",
    setup(build) {
        build.onResolve({ filter: /^cockpit$/ }, () => ({ path: path.join(root, "plugin", "embed", "standaloneCockpit.ts") }));
    },
};

const libBackend = {
    entryPoints: { backend: "backend/embed/index.ts" },
    outdir: libOut,
    outExtension: { ".js": ".cjs" },
    bundle: true,
    packages: "external",
    platform: "node",
    target: "node18",
    format: "cjs",
    sourcemap: "linked",
    logLevel: "warning",
};

const libReact = format => ({
    entryPoints: { react: "plugin/embed/index.ts" },
    outdir: libOut,
    outExtension: { ".js": format === "esm" ? ".mjs" : ".cjs" },
    bundle: true,
    packages: "external",
    platform: "neutral",
    mainFields: ["module", "main"],
    target: "es2020",
    format,
    jsx: "automatic",
    plugins: [standaloneCockpit],
    define: { WGHUB_SOCKET_OVERRIDE: "false" },
    sourcemap: "linked",
    logLevel: "warning",
});

const libStyle = {
    entryPoints: { style: "plugin/components.css" },
    outdir: libOut,
    bundle: true,
    logLevel: "warning",
};

const library = [libBackend, libReact("esm"), libReact("cjs"), libStyle];

// The page, its manifest and its translations (po/<lang>.po → po.<lang>.js, which Cockpit
// serves as the page's po.js to a session in that language).
function copyPage() {
    copy(path.join(root, "plugin", "index.html"), path.join(pluginOut, "index.html"));
    copy(path.join(root, "manifest.json"), path.join(pluginOut, "manifest.json"));
    const languages = compileLocales(pluginOut);
    if (languages.length) console.log(`plugin translations: ${languages.map(l => `po.${l}.js`).join(", ")}`);
}

function copyStatic() {
    copy(path.join(root, "templates"), path.join(dist, "templates"));
    copyPage();
}

function reportBundle(result) {
    const outputs = result.metafile?.outputs ?? {};
    for (const [file, info] of Object.entries(outputs)) {
        if (file.endsWith(".js") || file.endsWith(".css"))
            console.log(`plugin bundle dist/${path.relative(dist, path.resolve(root, file))}: ${(info.bytes / 1024).toFixed(0)} KiB`);
    }
}

if (pageOnly) {
    await esbuild.build(plugin);
    copyPage();
} else if (watch) {
    const contexts = await Promise.all([backend, plugin, ...library].map(options => esbuild.context(options)));
    copyStatic();
    await Promise.all(contexts.map(c => c.watch()));
    console.log("watching backend/ and plugin/ …");
} else {
    fs.rmSync(dist, { recursive: true, force: true });
    try {
        const [, pluginResult] = await Promise.all([backend, plugin, ...library].map(options => esbuild.build(options)));
        copyStatic();
        const old = `${finalDist}.old-${process.pid}`;
        if (fs.existsSync(finalDist)) fs.renameSync(finalDist, old);
        fs.renameSync(dist, finalDist);
        fs.rmSync(old, { recursive: true, force: true });
        reportBundle(pluginResult);
    } catch (err) {
        fs.rmSync(dist, { recursive: true, force: true });
        throw err;
    }
}
