// Lists the npm packages inside the bundles (from their source maps) and beside them, with
// version and license:
//   node third-party.mjs <node_modules> <runtime-modules.txt> <dir the maps' sources are relative to> <file.map>...
import fs from "node:fs";
import path from "node:path";

const [modulesDir, runtimeList, sourcesDir, ...maps] = process.argv.slice(2);

/** The directory of the npm package a bundled source file came from (the innermost one). */
function packageDirOf(source) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(source.replaceAll("\\", "/"));
    return m ? m[1] : null;
}

function describe(dir, name) {
    try {
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
        const license = typeof pkg.license === "string" ? pkg.license : pkg.license?.type ?? "see package";
        return `${pkg.name ?? name} ${pkg.version}: ${license}`;
    } catch {
        return `${name}: license unknown`;
    }
}

const bundled = new Set();
for (const map of maps) {
    for (const source of JSON.parse(fs.readFileSync(map, "utf8")).sources ?? []) {
        const dir = packageDirOf(source);
        if (dir) bundled.add(describe(path.resolve(sourcesDir, dir), dir.split("node_modules/").pop()));
    }
}
const beside = fs.readFileSync(runtimeList, "utf8").split("\n").map(l => l.trim()).filter(l => l && !l.startsWith("#"));

console.log("npm packages bundled into /usr/lib/wireguard-hub/backend/*.js:\n");
for (const line of [...bundled].sort()) console.log("  " + line);
console.log("\nnpm packages installed in /usr/lib/wireguard-hub/node_modules:\n");
for (const name of beside.sort()) console.log("  " + describe(path.join(modulesDir, name), name));
console.log("\nThe Cockpit page's bundled packages are listed in");
console.log("/usr/share/cockpit/wireguard-hub/index.js.LEGAL.txt.");
