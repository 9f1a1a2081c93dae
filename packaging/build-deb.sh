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
    for f in "${dist_files[@]}"; do
        [[ -e $root/dist/$f || -e $root/dist/$f.gz ]] || return 0
    done
    [[ -e $stamp ]] || return 0
    [[ -n $(cd "$root" && find backend plugin templates po tools manifest.json esbuild.config.mjs package.json \
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
    local backend=$1
    node - "$backend/server.js" "$backend/cli.js" "$root/packaging/runtime-modules.txt" <<'JS'
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
    # underscore (for pg-hstore): node's require() takes underscore-node.cjs; drop its other builds.
    find "$dest/underscore" -mindepth 1 -maxdepth 1 ! -name package.json ! -name LICENSE \
        ! -name 'underscore-node*.cjs' ! -name underscore-umd.js -exec rm -rf {} +
    local addon=$dest/sqlite3/build/Release/node_sqlite3.node
    [[ -f $addon ]] || die "sqlite3 is not built (node_modules/sqlite3/build/Release/node_sqlite3.node)"
    # Built against Debian's libsqlite3 (npm_config_sqlite=/usr), the addon carries a RUNPATH
    # of /usr/lib: the loader searches there anyway, and Debian policy forbids it.
    if readelf -d "$addon" | grep -q -E '\((RUNPATH|RPATH)\)'; then
        command -v chrpath >/dev/null || die "node_sqlite3.node has a RUNPATH to strip: apt-get install chrpath"
        chrpath -d "$addon" >/dev/null
    fi
    # Every shipped module still loads from the pruned tree.
    local names
    mapfile -t names < <(grep -v -e '^#' -e '^$' "$root/packaging/runtime-modules.txt")
    (cd "$dest" && node -e 'for (const m of process.argv.slice(1)) require(process.cwd() + "/" + m)' "${names[@]}") ||
        die "a module in packaging/runtime-modules.txt does not load from the pruned copy"
}

# The files of dist/ the package needs; a copy missing one caught another build midway.
dist_files=(backend/server.js backend/cli.js templates/install-linux.sh.ejs
    cockpit/wireguard-hub/index.html cockpit/wireguard-hub/index.js cockpit/wireguard-hub/index.css
    cockpit/wireguard-hub/manifest.json cockpit/wireguard-hub/po.de.js)

stage_dist() {
    local dest=$1 attempt f complete
    for attempt in 1 2 3 4 5 6; do
        rm -rf "$dest"
        mkdir -p "$dest/backend" "$dest/cockpit"
        cp -a dist/backend/server.js dist/backend/cli.js "$dest/backend/" 2>/dev/null
        cp -a dist/templates "$dest/templates" 2>/dev/null
        cp -a dist/cockpit/wireguard-hub "$dest/cockpit/wireguard-hub" 2>/dev/null
        complete=yes
        for f in "${dist_files[@]}"; do
            # Cockpit serves a page's files gzipped as they are (index.js.gz for index.js).
            [[ -s $dest/$f || -s $dest/$f.gz ]] || complete=no
        done
        if [[ $complete == yes ]]; then return 0; fi
        echo "build-deb: dist/ is incomplete (another build running?); waiting (attempt $attempt)" >&2
        sleep 5
    done
    die "dist/ stays incomplete: run npm run build"
}

main() {
    cd "$root"
    if build_is_stale; then
        echo "build-deb: npm run build"
        npm run build --silent >/dev/null
    fi
    local version
    version=$(check_versions_agree)

    staging=$(mktemp -d "${TMPDIR:-/tmp}/wireguard-hub-deb.XXXXXX")
    local src=$staging/wireguard-hub-$version
    # dist/ first: everything after works on this copy, so a build started meanwhile (which
    # empties dist/ and refills it) cannot change the package halfway.
    mkdir -p "$staging/maps" "$src/docs"
    stage_dist "$src/dist"
    cp -a dist/backend/*.map "$staging/maps/" 2>/dev/null || true
    check_external_requires "$src/dist/backend"

    cp -a debian packaging "$src/"
    rm -rf "$src/debian/wireguard-hub" "$src/debian/.debhelper" "$src/debian/files"
    cp -a docs/packaging.md docs/multi-hub.md docs/scale.md "$src/docs/"
    copy_runtime_modules "$src/node_modules"
    local maps=()
    for m in "$staging"/maps/*.map; do
        if [[ -f $m ]]; then maps+=("$m"); fi
    done
    # The maps name their sources relative to dist/backend/.
    node packaging/third-party.mjs node_modules packaging/runtime-modules.txt dist/backend "${maps[@]}" >"$src/THIRD-PARTY.txt"

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
