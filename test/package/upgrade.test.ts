// An upgrade as an admin runs it: the package of the previous release (v0.1.0, built from its
// commit) installed on Debian 12 with a hub and spokes, then apt installs this build over it.
// Data, keys, the TLS pin and the running tunnel are kept, the new migration runs once, and the
// same version installed twice is harmless. (The refusal of a downgrade is in the service from
// 0.2.0 on, so 0.1.0 cannot show it: test/api/backup.test.ts starts a service on a newer schema.)
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DebianRoot, run } from "./chroot";
import { InstalledHub, waitFor } from "./installedHub";

const repo = path.resolve(__dirname, "../..");
const previousRelease = "v0.1.0";
// The release's commit on main: a clone of main alone has it even without the tag.
const previousReleaseCommit = "945e6e2c03c0a255af985e5fc86110316033137e";
const cacheDir = process.env.WGHUB_TEST_ROOT_CACHE ?? "/var/cache/wireguard-hub-test";
const netns = `wghub-upgrade-${process.pid}`;

/** The previous release's tree, from its commit in this clone's history. */
function previousReleaseTree(into: string): void {
    const has = run("git", ["-C", repo, "cat-file", "-e", `${previousReleaseCommit}^{commit}`], { allowFail: true }).status === 0;
    if (!has) throw new Error(`${previousRelease} (commit ${previousReleaseCommit}) is not in this clone: a shallow clone lacks it; run \`git fetch --unshallow\` to run the upgrade test`);
    fs.mkdirSync(into, { recursive: true });
    run("sh", ["-c", `git -C "$0" archive --format=tar "$1" | tar -x -C "$2"`, repo, previousReleaseCommit, into]);
}

/** The dependencies a lock file pins, without the project's own version. */
function lockedDependencies(tree: string): string {
    const lock = JSON.parse(fs.readFileSync(path.join(tree, "package-lock.json"), "utf8"));
    delete lock.version;
    delete lock.packages[""].version;
    return JSON.stringify(lock);
}

/** Its node_modules: this checkout's, hard-linked, when it pins the same dependencies; else a clean install there. */
function installModules(tree: string): void {
    if (lockedDependencies(tree) === lockedDependencies(repo)) run("cp", ["-al", path.join(repo, "node_modules"), path.join(tree, "node_modules")]);
    else run("npm", ["ci", "--no-audit", "--no-fund"], { cwd: tree, timeoutMs: 600_000 });
}

function buildDeb(tree: string, out: string): string {
    const built = run("bash", [path.join(tree, "packaging/build-deb.sh"), out], { timeoutMs: 600_000 });
    const deb = built.stdout.trim().split("\n").pop()!.split(" ")[0];
    assert.match(deb, /wireguard-hub_[^/]+\.deb$/, built.stdout);
    return deb;
}

function wgPublicKey(): string {
    const { publicKey } = crypto.generateKeyPairSync("x25519", { publicKeyEncoding: { type: "spki", format: "der" }, privateKeyEncoding: { type: "pkcs8", format: "der" } });
    return publicKey.subarray(-32).toString("base64");
}

describe("package: upgrade from the previous release (Debian 12)", function () {
    let work: string;
    let debian: DebianRoot;
    let hub: InstalledHub;
    let oldDeb: string;
    let newDeb: string;
    let installCommand: string;
    const kept: Record<string, string> = {};

    const apt = (...args: string[]) => debian.exec(["apt-get", "-y", "-q", ...args], { env: ["DEBIAN_FRONTEND=noninteractive"], timeoutMs: 600_000 });
    const dpkgInstall = (deb: string) => debian.exec(["dpkg", "-i", "/tmp/" + path.basename(deb)], { env: ["DEBIAN_FRONTEND=noninteractive"], timeoutMs: 300_000, allowFail: true });
    const installedVersion = () => debian.exec(["dpkg-query", "-W", "-f", "${Version}", "wireguard-hub"]).stdout;
    const inNetns = (...args: string[]) => run("ip", ["netns", "exec", netns, ...args], { allowFail: true });
    const wgDump = () => debian.exec(["wg", "show", "wg0", "dump"], { netns, allowFail: true }).stdout.split("\n").filter(Boolean)
        // the interface line and each peer's key, allowed IPs and keepalive: not its counters
        .map(l => l.split("\t")).map(f => (f.length > 5 ? [f[0], f[3], f[7]] : [f[1], f[2]]).join(" ")).sort().join("\n");
    const spokes = () => JSON.stringify(JSON.parse(hub.cli("--json", "spoke", "list").stdout).spokes.map((s: any) => [s.id, s.name, s.publicKey, s.address]));
    const dataFile = (f: string) => fs.readFileSync(debian.path(`var/lib/wireguard-hub/${f}`), "utf8");

    before(function () {
        this.timeout(1_200_000);
        work = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-upgrade-"));
        const oldTree = path.join(work, "previous");
        previousReleaseTree(oldTree);
        installModules(oldTree);
        oldDeb = buildDeb(oldTree, path.join(work, "out-previous"));
        newDeb = buildDeb(repo, path.join(work, "out-current"));
        debian = DebianRoot.create(path.join(work, "root"), "bookworm", path.join(cacheDir, "bookworm-root-3.tar"), path.join(__dirname, "make-debian-root.sh"));
        for (const deb of [oldDeb, newDeb]) fs.copyFileSync(deb, debian.path("tmp/" + path.basename(deb)));
        hub = new InstalledHub(debian, netns, path.join(work, "service.log"));
    });

    after(async function () {
        this.timeout(120_000);
        try {
            await hub?.destroy();
        } finally {
            debian?.remove();
            if (work) fs.rmSync(work, { recursive: true, force: true });
        }
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed" && hub) console.log("--- service log ---\n" + hub.log().slice(-4000));
    });

    it("the previous release runs a hub with spokes", async function () {
        this.timeout(600_000);
        apt("install", "--no-install-recommends", "/tmp/" + path.basename(oldDeb), "wireguard-go");
        assert.equal(installedVersion(), "0.1.0");
        await hub.start();
        const init = hub.cli("init", "--network", "10.88.0.0/24", "--public-endpoint", "127.0.0.1:51820");
        assert.equal(init.status, 0, init.stderr);
        for (const name of ["kept-a", "kept-b"]) {
            const token = JSON.parse(hub.cli("--json", "token", "create", name).stdout).token;
            const body = JSON.stringify({ token: token.token, publicKey: wgPublicKey(), os: "linux" });
            const r = inNetns("curl", "-sS", "-k", "--fail", "-H", "Content-Type: application/json", "--data-binary", body, "https://127.0.0.1:51821/api/spoke/register");
            assert.equal(r.status, 0, r.stderr + r.stdout);
        }
        installCommand = JSON.parse(hub.cli("--json", "token", "create", "enrolls-after").stdout).token.installCommands.linux;
        await waitFor("both peers on wg0", 20_000, () => (wgDump().split("\n").length === 3 ? true : null));
        Object.assign(kept, { spokes: spokes(), key: dataFile("hub.key"), tlsKey: dataFile("tls/key.pem"), wg: wgDump() });
    });

    it("apt upgrades it: data, keys, pin and the running tunnel kept, the new migration run once", async function () {
        this.timeout(600_000);
        await hub.stop();
        apt("install", "--no-install-recommends", "/tmp/" + path.basename(newDeb));
        assert.equal(installedVersion(), "0.2.0");
        assert.equal(wgDump(), kept.wg, "the interface and its peers were never touched by the upgrade");
        const logBefore = hub.log().length;
        await hub.start();
        assert.equal(spokes(), kept.spokes);
        assert.equal(dataFile("hub.key"), kept.key);
        assert.equal(dataFile("tls/key.pem"), kept.tlsKey);
        await waitFor("the first reconcile", 20_000, () => (JSON.parse(hub.cli("--json", "status").stdout).lastReconcile ? true : null));
        assert.equal(wgDump(), kept.wg);
        const migrated = hub.log().slice(logBefore).split("\n").filter(l => l.includes("database migrated"));
        assert.equal(migrated.length, 1, migrated.join("\n"));
        assert.match(migrated[0], /004-audit-subject-index/);

        // An install command handed out by the previous release: its pin still matches, its token still works.
        const url = /https:\/\/[^\s'"]+/.exec(installCommand)![0];
        const pin = /sha256\/\/[A-Za-z0-9+/=]+/.exec(installCommand)![0];
        const { hostname, port } = new URL(url);
        const script = inNetns("curl", "-sS", "--fail", "-k", "--pinnedpubkey", pin, "--resolve", `${hostname}:${port}:127.0.0.1`, url);
        assert.equal(script.status, 0, script.stderr);
        assert.match(script.stdout, /^#!/);

        // A restart runs no migration again.
        await hub.stop();
        await hub.start();
        assert.equal(hub.log().slice(logBefore).split("\n").filter(l => l.includes("database migrated")).length, 1);
    });

    it("installing the same version again is harmless", async function () {
        this.timeout(300_000);
        await hub.stop();
        const again = dpkgInstall(newDeb);
        assert.equal(again.status, 0, again.stderr);
        await hub.start();
        assert.equal(spokes(), kept.spokes);
        assert.equal(dataFile("hub.key"), kept.key);
    });
});
