#!/bin/bash
# Builds wireguard-hub_<version>_<arch>.deb from this checkout:
#   packaging/build-deb.sh [OUTPUT_DIR]       (default: dist/deb)
# Runs `npm run build` when dist/ is missing or older than the sources, then packages a
# temporary copy (dpkg-buildpackage writes next to the source tree) and prints the .deb's
# path and size.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
outdir=${1:-$root/dist/deb}
staging=""

cleanup() {
    if [[ -n $staging ]]; then rm -rf "$staging"; fi
}
trap cleanup EXIT

die() {
    echo "build-deb: $*" >&2
    exit 1
}

build_is_stale() {
    local stamp=$root/dist/backend/server.js
    for f in dist/backend/cli.js dist/templates dist/cockpit/wireguard-hub/index.js dist/cockpit/wireguard-hub/manifest.json; do
        [[ -e $root/$f ]] || return 0
    done
    [[ -e $stamp ]] || return 0
    [[ -n $(cd "$root" && find backend plugin templates manifest.json esbuild.config.mjs package.json \
        -newer "$stamp" -print -quit 2>/dev/null) ]]
}

check_versions_agree() {
    local npm_version deb_version
    npm_version=$(node -p "require('$root/package.json').version")
    deb_version=$(cd "$root" && dpkg-parsechangelog -S Version)
    [[ ${deb_version%%-*} == "$npm_version" ]] ||
        die "package.json says $npm_version but debian/changelog says $deb_version; add a changelog entry (dch -v $npm_version)"
    echo "$deb_version"
}

# Every bare require() the bundles keep must be a node built-in or a shipped module.
check_external_requires() {
    node - "$root/dist/backend/server.js" "$root/dist/backend/cli.js" "$root/packaging/runtime-modules.txt" <<'JS'
const fs = require("fs");
const { builtinModules } = require("module");
const [server, cli, list] = process.argv.slice(2);
const shipped = new Set(fs.readFileSync(list, "utf8").split("\n").map(l => l.trim()).filter(l => l && !l.startsWith("#")));
// pg asks for pg-native only when native bindings are requested, inside a try.
const optional = new Set(["pg-native"]);
const missing = new Set();
// esbuild writes the requires it leaves in code as require("name"); comment lines are skipped.
const code = file => fs.readFileSync(file, "utf8").split("\n").filter(l => !/^\s*(\*|\/\/)/.test(l)).join("\n");
for (const file of [server, cli]) {
    for (const m of code(file).matchAll(/\brequire\("([^"./][^"]*)"\)/g)) {
        const name = m[1].startsWith("@") ? m[1].split("/").slice(0, 2).join("/") : m[1].split("/")[0];
        if (name.startsWith("node:") || builtinModules.includes(name) || shipped.has(name) || optional.has(name)) continue;
        missing.add(name);
    }
}
// What the shipped modules need in turn; sqlite3's own dependencies serve only its install.
const installOnly = new Set(["prebuild-install", "tar", "node-addon-api", "node-gyp"]);
for (const name of shipped) {
    const pkg = JSON.parse(fs.readFileSync(`node_modules/${name}/package.json`, "utf8"));
    for (const dep of Object.keys(pkg.dependencies ?? {}))
        if (!shipped.has(dep) && !installOnly.has(dep)) missing.add(`${dep} (for ${name})`);
}
if (missing.size) {
    console.error(`build-deb: the bundles require ${[...missing].join(", ")}, which packaging/runtime-modules.txt does not ship`);
    process.exit(1);
}
JS
}

copy_runtime_modules() {
    local dest=$1 name
    mkdir -p "$dest"
    while read -r name; do
        [[ -z $name || $name == \#* ]] && continue
        [[ -d $root/node_modules/$name ]] || die "node_modules/$name missing: run npm ci"
        cp -RL --preserve=mode,timestamps "$root/node_modules/$name" "$dest/$name"
    done <"$root/packaging/runtime-modules.txt"
    # What a running service never reads: sqlite3's sources, build objects and headers,
    # every package's tests and docs.
    rm -rf "$dest/sqlite3/"{deps,src,node-addon-api,binding.gyp} \
        "$dest/sqlite3/build/"{Release/obj,Release/obj.target,Release/.deps,Release/node-addon-api,Release/test_extension.node}
    find "$dest/sqlite3/build" -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
    find "$dest/sqlite3/build/Release" -mindepth 1 ! -name node_sqlite3.node -exec rm -rf {} +
    find "$dest" \( -name test -o -name tests -o -name '*.md' -o -name '*.d.ts' -o -name '*.map' \
        -o -name '.[!.]*' \) -prune -exec rm -rf {} +
    [[ -f $dest/sqlite3/build/Release/node_sqlite3.node ]] || die "sqlite3 is not built (node_modules/sqlite3/build/Release/node_sqlite3.node)"
}

main() {
    cd "$root"
    if build_is_stale; then
        echo "build-deb: npm run build"
        npm run build --silent >/dev/null
    fi
    local version
    version=$(check_versions_agree)
    check_external_requires

    staging=$(mktemp -d "${TMPDIR:-/tmp}/wireguard-hub-deb.XXXXXX")
    local src=$staging/wireguard-hub-$version
    mkdir -p "$src/dist/backend" "$src/docs"
    cp -a debian packaging "$src/"
    rm -rf "$src/debian/wireguard-hub" "$src/debian/.debhelper" "$src/debian/files"
    cp -a docs/packaging.md "$src/docs/"
    cp -a dist/backend/server.js dist/backend/cli.js "$src/dist/backend/"
    cp -a dist/templates "$src/dist/templates"
    mkdir -p "$src/dist/cockpit"
    cp -a dist/cockpit/wireguard-hub "$src/dist/cockpit/wireguard-hub"
    copy_runtime_modules "$src/node_modules"
    local maps=()
    for m in dist/backend/server.js.map dist/backend/cli.js.map; do
        if [[ -f $m ]]; then maps+=("$m"); fi
    done
    node packaging/third-party.mjs node_modules packaging/runtime-modules.txt "${maps[@]}" >"$src/THIRD-PARTY.txt"

    echo "build-deb: dpkg-buildpackage in $src"
    if ! (cd "$src" && dpkg-buildpackage -us -uc -b) >"$staging/build.log" 2>&1; then
        tail -n 40 "$staging/build.log" >&2
        die "dpkg-buildpackage failed"
    fi
    mkdir -p "$outdir"
    local deb
    for deb in "$staging"/*.deb; do
        mv "$deb" "$outdir/"
        deb=$outdir/$(basename "$deb")
        echo "$deb $(stat -c %s "$deb") bytes ($(du -h "$deb" | cut -f1))"
    done
}

main "$@"
