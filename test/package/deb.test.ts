// The built .deb installed with apt into fresh Debian 12 and Debian 13 roots (Proxmox VE 8
// and 9) with their stock nodejs 18 and 20, started the way its systemd unit starts it (no
// systemd here), used through its own CLI, backed up by its timer's command, then removed
// and purged. One build serves both.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { DebianRoot, parseEnvFile, run, unitValues } from "./chroot";
import { InstalledHub, waitFor } from "./installedHub";

const repo = path.resolve(__dirname, "../..");
// The number changes with make-debian-root.sh's list of prefetched packages.
const cacheDir = process.env.WGHUB_TEST_ROOT_CACHE ?? "/var/cache/wireguard-hub-test";

interface Release {
    suite: "bookworm" | "trixie";
    name: string;
    node: RegExp;
    /** The checks of the .deb itself (lintian, systemd-analyze, the page), run on one release only. */
    checksOfTheDeb: boolean;
}

const releases: Release[] = [
    { suite: "bookworm", name: "Debian 12", node: /^v18\./, checksOfTheDeb: true },
    { suite: "trixie", name: "Debian 13", node: /^v20\./, checksOfTheDeb: false },
];

function mode(file: string): number {
    return fs.statSync(file).mode & 0o777;
}

for (const release of releases) describe(`package: the .deb on a clean ${release.name} (${release.suite})`, function () {
    const netns = `wghub-pkg-${release.suite}-${process.pid}`;
    const cacheTarball = path.join(cacheDir, `${release.suite}-root-3.tar`);
    let work: string;
    let deb: string;
    let debian: DebianRoot;
    let hub: InstalledHub;
    let serviceLog: string;
    const timings: string[] = [];

    function timed<T>(label: string, fn: () => T): T {
        const started = Date.now();
        try {
            return fn();
        } finally {
            timings.push(`${label} ${((Date.now() - started) / 1000).toFixed(1)} s`);
        }
    }

    const cli = (...args: string[]) => hub.cli(...args);
    const startService = () => hub.start();
    const stopService = () => hub.stop();

    before(function () {
        this.timeout(900_000);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-deb-"));
        serviceLog = path.join(work, "service.log");
        const built = timed("build .deb", () => run("bash", [path.join(repo, "packaging/build-deb.sh"), path.join(work, "out")],
            { timeoutMs: 600_000 }));
        deb = built.stdout.trim().split("\n").pop()!.split(" ")[0];
        assert.match(deb, /wireguard-hub_[^/]+\.deb$/, built.stdout);
        debian = timed(`unpack ${release.name} root`, () =>
            DebianRoot.create(path.join(work, "root"), release.suite, cacheTarball, path.join(__dirname, "make-debian-root.sh")));
        fs.copyFileSync(deb, debian.path("tmp/" + path.basename(deb)));
        hub = new InstalledHub(debian, netns, serviceLog);
        // wireguard-go (suggested) too: with no kernel module here, the packaged WGHUB_WG_MODE=auto
        // then runs a real userspace interface inside the unit's sandbox.
        timed("apt-get install", () => debian.exec(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", "/tmp/" + path.basename(deb), "wireguard-go"],
            { env: ["DEBIAN_FRONTEND=noninteractive"], timeoutMs: 600_000 }));
    });

    after(async function () {
        this.timeout(120_000);
        try {
            await hub?.destroy();
        } finally {
            debian?.remove();
            if (work) fs.rmSync(work, { recursive: true, force: true });
            if (timings.length) console.log(`      timings: ${timings.join(", ")}`);
        }
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed" && serviceLog && fs.existsSync(serviceLog))
            console.log("--- service log ---\n" + fs.readFileSync(serviceLog, "utf8").slice(-4000));
    });

    it(`is installed by apt with ${release.name}'s own nodejs and wireguard-tools`, function () {
        const status = debian.exec(["dpkg-query", "-W", "-f", "${Status} ${Version}", "wireguard-hub"]).stdout;
        assert.match(status, /^install ok installed /);
        assert.match(debian.exec(["node", "--version"]).stdout, release.node);
        assert.ok(fs.existsSync(debian.path("usr/bin/wg")), "wireguard-tools is installed");
        const size = fs.statSync(deb).size;
        timings.push(`.deb ${(size / 1024 / 1024).toFixed(1)} MiB`);
        assert.ok(size < 15 * 1024 * 1024, `the .deb is ${size} bytes`);
    });

    it("puts the unit, hub.env, CLI, templates and Cockpit page in place, with closed modes", function () {
        for (const f of [
            "lib/systemd/system/wireguard-hub.service",
            "usr/bin/wireguard-hub",
            "usr/lib/wireguard-hub/backend/server.js",
            "usr/lib/wireguard-hub/backend/cli.js",
            "usr/lib/wireguard-hub/templates/install-linux.sh.ejs",
            "usr/lib/wireguard-hub/node_modules/sqlite3/build/Release/node_sqlite3.node",
            "usr/share/cockpit/wireguard-hub/manifest.json",
            "usr/share/cockpit/wireguard-hub/index.html",
            "usr/share/cockpit/wireguard-hub/index.js",
            "usr/share/cockpit/wireguard-hub/index.css",
            "usr/share/doc/wireguard-hub/copyright",
        ]) {
            // Cockpit serves index.js from index.js.gz as well.
            assert.ok(fs.existsSync(debian.path(f)) || fs.existsSync(debian.path(f + ".gz")), `${f} is installed`);
        }
        assert.equal(mode(debian.path("etc/wireguard-hub/hub.env")), 0o600);
        assert.equal(mode(debian.path("var/lib/wireguard-hub")), 0o700);
        assert.equal(mode(debian.path("usr/bin/wireguard-hub")), 0o755);
        const manifest = JSON.parse(fs.readFileSync(debian.path("usr/share/cockpit/wireguard-hub/manifest.json"), "utf8"));
        assert.ok(manifest.menu || manifest.tools, "the Cockpit manifest declares a menu entry");
        // deb-systemd-helper enables the unit, and the daily backup's timer, even without systemd running.
        assert.match(fs.readlinkSync(debian.path("etc/systemd/system/multi-user.target.wants/wireguard-hub.service")),
            /^(\/usr)?\/lib\/systemd\/system\/wireguard-hub\.service$/);
        assert.match(fs.readlinkSync(debian.path("etc/systemd/system/timers.target.wants/wireguard-hub-backup.timer")),
            /^(\/usr)?\/lib\/systemd\/system\/wireguard-hub-backup\.timer$/);
        const thirdParty = fs.readFileSync(debian.path("usr/share/doc/wireguard-hub/THIRD-PARTY.txt"), "utf8");
        for (const name of ["express", "sequelize", "commander", "sqlite3"])
            assert.match(thirdParty, new RegExp(`^  ${name} \\d+\\.\\d+\\.\\d+: \\S+`, "m"), `${name} in THIRD-PARTY.txt`);
        const conffiles = debian.exec(["dpkg-query", "-W", "-f", "${Conffiles}", "wireguard-hub"]).stdout;
        assert.match(conffiles, /\/etc\/wireguard-hub\/hub\.env/);
    });

    if (release.checksOfTheDeb) it("ships units (the service, the daily backup and its timer) that systemd-analyze verifies without a warning", function () {
        const analyze = run("sh", ["-c", "command -v systemd-analyze"], { allowFail: true });
        if (analyze.status !== 0) this.skip();
        const units = ["wireguard-hub.service", "wireguard-hub-backup.service", "wireguard-hub-backup.timer"];
        const dir = fs.mkdtempSync(path.join(work, "units-"));
        for (const u of units) fs.copyFileSync(debian.path(`lib/systemd/system/${u}`), path.join(dir, u));
        // On this machine (not the root) the package's own command and man page are absent:
        // their being installed is checked above, so those two complaints are the only ones allowed.
        const r = run("systemd-analyze", ["verify", "--man=no", ...units.map(u => path.join(dir, u))], { allowFail: true });
        const warnings = r.stderr.split("\n").filter(l => l.trim() && !/Command \/usr\/bin\/wireguard-hub is not executable/.test(l));
        assert.deepEqual(warnings, [], "systemd ignores a setting it cannot parse with only a warning");
    });

    if (release.checksOfTheDeb) it("ships a unit whose exposure `systemd-analyze security` rates 2.5 or less", function () {
        if (run("sh", ["-c", "command -v systemd-analyze"], { allowFail: true }).status !== 0) this.skip();
        const copy = path.join(work, "wireguard-hub.service");
        fs.copyFileSync(debian.path("lib/systemd/system/wireguard-hub.service"), copy);
        const r = run("systemd-analyze", ["security", "--offline=true", copy], { allowFail: true });
        const level = /Overall exposure level for wireguard-hub\.service: (\d+(?:\.\d+)?)/.exec(r.stdout);
        assert.ok(level, r.stdout + r.stderr);
        console.log(`      unit exposure: ${level[1]}`);
        assert.ok(Number(level[1]) <= 2.5, `exposure ${level[1]}:\n${r.stdout.split("\n").filter(l => l.startsWith("✗")).join("\n")}`);
    });

    if (release.checksOfTheDeb) it("ships a page without the development socket override (any script on Cockpit's origin could use it)", function () {
        const shipped = zlib.gunzipSync(fs.readFileSync(debian.path("usr/share/cockpit/wireguard-hub/index.js.gz"))).toString();
        assert.match(shipped, /wireguard-hub/, "the shipped bundle is the page");
        for (const key of ["wireguard-hub:socket", "wireguard-hub:env-file", "wireguard-hub:default-socket"])
            assert.ok(!shipped.includes(key), `the shipped page reads a path from localStorage (${key})`);
        // The check can fail: the development build, which has the override, is caught by it.
        const dev = fs.mkdtempSync(path.join(work, "page-"));
        run(process.execPath, [path.resolve(__dirname, "..", "..", "esbuild.config.mjs")],
            { env: { ...process.env, WGHUB_PAGE_ONLY: dev, WGHUB_PAGE_SOCKET_OVERRIDE: "yes" } });
        const devPage = zlib.gunzipSync(fs.readFileSync(path.join(dev, "cockpit", "wireguard-hub", "index.js.gz"))).toString();
        for (const key of ["wireguard-hub:socket", "wireguard-hub:env-file", "wireguard-hub:default-socket"]) assert.ok(devPage.includes(key), key);
    });

    if (release.checksOfTheDeb) it("ships the style of every PatternFly component its script can draw, and of no other", function () {
        const unzipped = (name: string) => zlib.gunzipSync(fs.readFileSync(debian.path(`usr/share/cockpit/wireguard-hub/${name}`))).toString();
        // A component's block name (pf-v6-c-table for .pf-v6-c-table__th, .pf-v6-c-table.pf-m-compact…).
        const blocks = (text: string, prefix: string) =>
            new Set([...text.matchAll(new RegExp(`${prefix}pf-v6-c-([a-z0-9]+(?:-[a-z0-9]+)*)`, "g"))].map(m => m[1]));
        const drawn = blocks(unzipped("index.js.gz"), "");
        const styled = blocks(unzipped("index.css.gz"), "\\.");
        assert.ok(drawn.has("table") && drawn.has("wizard"), "the script names the components it draws");
        assert.deepEqual([...drawn].filter(b => !styled.has(b)), [], "components drawn without their style");
        // esbuild keeps the sheet of a module tree shaking dropped (the dual list selector, the login page…).
        assert.deepEqual([...styled].filter(b => !drawn.has(b)), [], "style sheets of components the page never draws");
    });

    if (release.checksOfTheDeb) it("has no lintian errors or warnings", function () {
        this.timeout(180_000);
        if (run("sh", ["-c", "command -v lintian"], { allowFail: true }).status !== 0) this.skip();
        const r = timed("lintian", () => run("lintian", ["--tag-display-limit", "0", deb], { allowFail: true, timeoutMs: 170_000 }));
        const tags = r.stdout.split("\n").filter(l => /^[EW]: /.test(l));
        assert.deepEqual(tags, [], r.stdout + r.stderr);
        assert.equal(r.status, 0, r.stderr);
    });

    it("starts with the unit's ExecStart, EnvironmentFile and sandbox, and answers `wireguard-hub status`", async function () {
        this.timeout(60_000);
        // The service listens on 0.0.0.0:51821 as packaged: keep that inside a namespace of our own.
        const { env, status: first } = await startService();
        assert.ok(env.includes("WGHUB_API_SOCKET=/run/wireguard-hub/api.sock"), env.join("\n"));
        // The unit's memory settings, which Debian's node 18 took (node refuses to start on a
        // NODE_OPTIONS it does not allow).
        assert.ok(env.includes("MALLOC_ARENA_MAX=1") && env.includes("NODE_OPTIONS=--max-old-space-size=512 --v8-pool-size=1"), env.join("\n"));
        assert.match(first.stdout, /not initialised/);

        // The box is real: in the service's mount namespace the system is read-only and its
        // state directory is not.
        const inBox = (file: string) => run("nsenter", ["-t", String(hub.pid), "-m", "--", "touch", debian.path(file)],
            { allowFail: true });
        assert.match(inBox("usr/lib/wireguard-hub/probe").stderr, /Read-only file system/);
        assert.equal(inBox("var/lib/wireguard-hub/probe").status, 0);
        fs.rmSync(debian.path("var/lib/wireguard-hub/probe"));
        assert.equal(mode(debian.path("run/wireguard-hub/api.sock")) & 0o077, 0, "the admin socket is root only");
    });

    it("initialises the hub with `wireguard-hub init`; its secrets are root-only files", async function () {
        const r = cli("init", "--network", "10.77.0.0/24", "--port", "51820", "--public-endpoint", "hub.example.test:51820",
            "--dns", "1.1.1.1,9.9.9.9");
        assert.equal(r.status, 0, r.stderr);
        const status = cli("--json", "status");
        assert.equal(status.status, 0, status.stderr);
        assert.equal(JSON.parse(status.stdout).listenPort, 51820);

        // WireGuard really runs, from inside the sandbox: userspace here (kernel where the module exists).
        const up = await waitFor("wg0 to come up", 20_000, () => {
            const s = JSON.parse(cli("--json", "status").stdout);
            return s.interfaceUp ? s : null;
        });
        assert.ok(["userspace", "kernel"].includes(up.mode), JSON.stringify(up));
        const port = debian.exec(["wg", "show", "wg0", "listen-port"], { netns });
        assert.equal(port.stdout.trim(), "51820");
        const address = run("ip", ["-n", netns, "-o", "addr", "show", "dev", "wg0"]).stdout;
        assert.match(address, /inet 10\.77\.0\.1\/24/);

        const again = cli("init", "--network", "10.78.0.0/24", "--public-endpoint", "hub.example.test:51820");
        assert.equal(again.status, 1);
        assert.match(again.stderr, /^error: /m);

        const dataDir = debian.path("var/lib/wireguard-hub");
        assert.equal(mode(dataDir), 0o700);
        const files = fs.readdirSync(dataDir, { recursive: true, encoding: "utf8" })
            .map(f => path.join(dataDir, f))
            .filter(f => fs.statSync(f).isFile());
        const keyFiles = files.filter(f => /key/i.test(path.basename(f)));
        assert.ok(keyFiles.length > 0, `a key file in ${files.join(", ")}`);
        for (const f of keyFiles) assert.equal(mode(f) & 0o077, 0, `${f} is mode ${mode(f).toString(8)}`);

        // The interface config lands in /etc/wireguard, which the unit leaves writable.
        const conf = debian.path("etc/wireguard/wg0.conf");
        await waitFor("/etc/wireguard/wg0.conf", 15_000, () => (fs.existsSync(conf) ? true : null));
        assert.equal(mode(conf), 0o600);
        assert.match(fs.readFileSync(conf, "utf8"), /^ListenPort\s*=\s*51820$/m);
    });

    it("makes a token whose install command fetches the script over pinned TLS", function () {
        this.timeout(60_000);
        const r = cli("--json", "token", "create", "pkg-spoke-1", "--ttl", "1h");
        assert.equal(r.status, 0, r.stderr);
        const token = JSON.parse(r.stdout).token;
        const linux: string = token.installCommands.linux;
        const url = /https:\/\/[^\s'"]+/.exec(linux)?.[0];
        const pin = /sha256\/\/[A-Za-z0-9+/=]+/.exec(linux)?.[0];
        assert.ok(url && pin, linux);

        const healthz = run("ip", ["netns", "exec", netns, "curl", "-sS", "-k", "-o", "/dev/null", "-w", "%{http_code}",
            "https://127.0.0.1:51821/healthz"]);
        assert.equal(healthz.stdout, "200");

        const { hostname, port } = new URL(url);
        const script = run("ip", ["netns", "exec", netns, "curl", "-sS", "--fail", "-k", "--pinnedpubkey", pin,
            "--resolve", `${hostname}:${port}:127.0.0.1`, url]);
        assert.match(script.stdout, /^#!/);
        const wrongPin = run("ip", ["netns", "exec", netns, "curl", "-sS", "--fail", "-k",
            "--pinnedpubkey", "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "--resolve", `${hostname}:${port}:127.0.0.1`, url], { allowFail: true });
        assert.notEqual(wrongPin.status, 0, "a wrong pin is refused");

        const listed = cli("token", "list");
        assert.equal(listed.status, 0, listed.stderr);
        assert.match(listed.stdout, /pkg-spoke-1/);
        assert.ok(!listed.stdout.includes(token.token), "token list never shows the secret");
    });

    it("backs up with the daily timer's own command: 0600 files in a 0700 directory, encrypted when hub.env names a passphrase file", function () {
        this.timeout(120_000);
        const unit = fs.readFileSync(debian.path("lib/systemd/system/wireguard-hub-backup.service"), "utf8");
        const execStart = unitValues(unit, "ExecStart").pop()!.split(/\s+/);
        const env = parseEnvFile(fs.readFileSync(debian.path("etc/wireguard-hub/hub.env"), "utf8"));
        const first = debian.exec(execStart, { env, allowFail: true, timeoutMs: 60_000 });
        assert.equal(first.status, 0, first.stderr);
        const dir = debian.path("var/backups/wireguard-hub");
        assert.equal(mode(dir), 0o700);
        const files = fs.readdirSync(dir);
        assert.equal(files.length, 1, files.join(", "));
        assert.equal(mode(path.join(dir, files[0])), 0o600);
        assert.match(fs.readFileSync(path.join(dir, files[0]), "utf8"), /^WIREGUARD-HUB-BACKUP\n.*"sealed":null/);

        fs.writeFileSync(debian.path("etc/wireguard-hub/backup.passphrase"), "a passphrase for the timer\n", { mode: 0o600 });
        const sealedEnv = [...env, "WGHUB_BACKUP_PASSPHRASE_FILE=/etc/wireguard-hub/backup.passphrase"];
        // File names are to the second: the next one is written once the clock has moved on.
        const firstSecond = files[0];
        const second = debian.exec(["sh", "-c", `until [ "wireguard-hub-$(date -u +%Y%m%dT%H%M%SZ).backup" != "${firstSecond}" ]; do sleep 0.2; done; exec "$@"`, "wait", ...execStart],
            { env: sealedEnv, allowFail: true, timeoutMs: 60_000 });
        assert.equal(second.status, 0, second.stderr);
        const newest = fs.readdirSync(dir).sort().pop()!;
        assert.match(fs.readFileSync(path.join(dir, newest), "utf8"), /"sealed":\{"kdf":"scrypt"/);
        fs.rmSync(debian.path("etc/wireguard-hub/backup.passphrase"));
    });

    it("stops on SIGTERM leaving the tunnel up; a reinstall keeps hub.env edits and data, and picks wg0 up again", async function () {
        this.timeout(180_000);
        await stopService();
        assert.equal(debian.exec(["wg", "show", "wg0", "listen-port"], { netns }).stdout.trim(), "51820",
            "wg0 outlives the service (KillMode=process)");
        fs.appendFileSync(debian.path("etc/wireguard-hub/hub.env"), "WGHUB_LOG_LEVEL=debug\n");

        timed("apt-get install --reinstall", () => debian.exec(
            ["apt-get", "install", "-y", "-q", "--reinstall", "/tmp/" + path.basename(deb)],
            { env: ["DEBIAN_FRONTEND=noninteractive"], timeoutMs: 300_000 }));
        assert.match(fs.readFileSync(debian.path("etc/wireguard-hub/hub.env"), "utf8"), /^WGHUB_LOG_LEVEL=debug$/m);
        assert.equal(mode(debian.path("etc/wireguard-hub/hub.env")), 0o600);

        const { env } = await startService();
        assert.ok(env.includes("WGHUB_LOG_LEVEL=debug"));
        const status = await waitFor("wg0 picked up", 20_000, () => {
            const s = JSON.parse(cli("--json", "status").stdout);
            return s.initialized && s.interfaceUp ? s : null;
        });
        assert.equal(status.listenPort, 51820);
        assert.match(cli("token", "list").stdout, /pkg-spoke-1/);
    });

    it("apt-get remove keeps data and hub.env; purge removes them", async function () {
        this.timeout(180_000);
        await stopService();

        timed("apt-get remove", () => debian.exec(["apt-get", "remove", "-y", "-q", "wireguard-hub"],
            { env: ["DEBIAN_FRONTEND=noninteractive"] }));
        assert.ok(!fs.existsSync(debian.path("usr/lib/wireguard-hub/backend/server.js")));
        assert.ok(!fs.existsSync(debian.path("usr/bin/wireguard-hub")));
        assert.ok(!fs.existsSync(debian.path("usr/share/cockpit/wireguard-hub")));
        assert.match(fs.readFileSync(debian.path("etc/wireguard-hub/hub.env"), "utf8"), /WGHUB_LOG_LEVEL=debug/,
            "remove keeps the admin's edited hub.env");
        assert.ok(fs.readdirSync(debian.path("var/lib/wireguard-hub")).length > 0, "remove keeps the hub's data");

        timed("apt-get purge", () => debian.exec(["apt-get", "purge", "-y", "-q", "wireguard-hub"],
            { env: ["DEBIAN_FRONTEND=noninteractive"] }));
        assert.ok(!fs.existsSync(debian.path("var/lib/wireguard-hub")), "purge removes the data");
        assert.ok(!fs.existsSync(debian.path("etc/wireguard-hub")), "purge removes hub.env");
        // (lstat: the link's absolute target would resolve on this machine, not in the root)
        assert.throws(() => fs.lstatSync(debian.path("etc/systemd/system/multi-user.target.wants/wireguard-hub.service")),
            "purge removes the unit's enablement");
        const state = debian.exec(["dpkg-query", "-W", "-f", "${Status}", "wireguard-hub"], { allowFail: true });
        assert.ok(state.status !== 0 || /not-installed/.test(state.stdout), state.stdout);
    });
});
