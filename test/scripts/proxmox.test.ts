// The Proxmox VE install script with recorded pveversion / pvecm outputs, registering with a
// real hub: a standalone node and a three-node cluster, the enterprise repository's 401,
// and the opt-in migration network.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startEnrollmentHub, type EnrollmentHub } from "./enrollmentHub";
import { callsOf, fixturesDir, SpokeMachine, type RunResult } from "./spokeMachine";

const osRelease = path.join(fixturesDir, "os-release", "proxmox-ve-8");
const privateEndpoint = "192.168.1.15:51820";
const enterpriseList = "deb https://enterprise.proxmox.com/debian/pve bookworm pve-enterprise\n";

function explain(r: RunResult): string {
    return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n--- calls\n${r.calls.map(c => c.join(" ")).join("\n")}`;
}

/** The recorded outputs of one node: the cluster3 recordings mark pve1 as (local); move the mark to NODE. */
function recordings(m: SpokeMachine, fixture: "standalone" | "cluster3", node?: string): string {
    const dir = path.join(m.dir, "proxmox");
    fs.cpSync(path.join(fixturesDir, "proxmox", fixture), dir, { recursive: true });
    if (node && fixture === "cluster3") {
        const nodes = fs.readFileSync(path.join(dir, "pvecm-nodes"), "utf8")
            .replace(" (local)", "")
            .replace(new RegExp(`^(\\s+\\d+\\s+\\d+ ${node})$`, "m"), "$1 (local)");
        fs.writeFileSync(path.join(dir, "pvecm-nodes"), nodes);
    }
    return dir;
}

describe("Proxmox VE install script against a real hub", function () {
    let eh: EnrollmentHub;
    const machines: SpokeMachine[] = [];
    /** A node as Proxmox VE installs it: openssl always there (unless told otherwise). */
    const node = (opts: { wireguardInstalled?: boolean; openssl?: boolean } = {}) => {
        const { openssl = true, ...rest } = opts;
        const m = new SpokeMachine({ systemd: true, stubs: ["pveversion", "pvecm"], ...rest });
        if (openssl) fs.symlinkSync(fs.realpathSync("/usr/bin/openssl"), path.join(m.bin, "openssl"));
        machines.push(m);
        return m;
    };

    before(async () => {
        eh = await startEnrollmentHub();
    });
    after(async () => {
        await eh?.stop();
        for (const m of machines) m.cleanup();
    });

    async function clusters(): Promise<Record<string, any>[]> {
        const answer = await eh.hub.admin("GET", "/api/proxmox/clusters");
        assert.equal(answer.status, 200);
        return answer.body.clusters;
    }

    it("three nodes of a cluster register as one cluster with three nodes", async () => {
        for (const name of ["pve1", "pve2", "pve3"]) {
            const t = await eh.token(`lab-${name}`);
            const m = node();
            const r = await m.runScript(await t.script("proxmox"), [], {
                WGHUB_OS_RELEASE: osRelease, STUB_PROXMOX: recordings(m, "cluster3", name), STUB_HOSTNAME: name, STUB_ANSWERING: privateEndpoint,
            });
            assert.equal(r.code, 0, explain(r));
            assert.match(r.stdout, new RegExp(`cluster 'lab-cluster', this node '${name}', members: pve1, pve2, pve3`));
            assert.deepEqual(callsOf(r, "apt-get").map(c => c.slice(1)), [["update", "-q"], ["install", "-y", "-q", "--no-install-recommends", "wireguard-tools"]]);
            assert.match(r.stdout, /^\[9\/9\] Checking the tunnel$/m);
            // Registered before apt ran: the token was spent within seconds.
            assert.ok(r.stdout.indexOf("Registering with the hub") < r.stdout.indexOf("Installing WireGuard"), r.stdout);
        }
        const lab = (await clusters()).filter(c => c.clusterName === "lab-cluster");
        assert.equal(lab.length, 1, "one cluster");
        assert.equal(lab[0]!.nodeCount, 3);
        assert.deepEqual(lab[0]!.nodes.map((n: any) => n.nodeName).sort(), ["pve1", "pve2", "pve3"]);
        assert.deepEqual([...new Set(lab[0]!.nodes.map((n: any) => n.proxmoxVersion))], ["8.3.2"]);
        const spokes = (await eh.hub.admin("GET", "/api/spoke/list")).body.spokes as Record<string, unknown>[];
        for (const s of spokes.filter(x => String(x.name).startsWith("lab-"))) {
            assert.equal(s.isProxmox, true);
            assert.equal(s.os, "proxmox");
        }
    });

    it("the exact one-liner (curl … | bash, no sudo) enrolls a node", async () => {
        const t = await eh.token("one-liner-node");
        const m = node({ wireguardInstalled: true });
        assert.match(t.installCommands.proxmox, /\?platform=proxmox' \| curl .* -K - \| bash$/);
        const r = await m.runShell(t.installCommands.proxmox, {
            WGHUB_OS_RELEASE: osRelease, STUB_PROXMOX: recordings(m, "standalone"), STUB_HOSTNAME: "pve-one", STUB_ANSWERING: privateEndpoint,
        });
        assert.equal(r.code, 0, explain(r));
        const solo = (await clusters()).find(c => c.clusterName === "pve-one");
        assert.equal(solo?.nodeCount, 1);
    });

    it("a standalone node (pvecm status fails on stderr) registers as a cluster of one", async () => {
        const t = await eh.token("solo");
        const m = node();
        const r = await m.runScript(await t.script("proxmox"), [], {
            WGHUB_OS_RELEASE: osRelease, STUB_PROXMOX: recordings(m, "standalone"), STUB_HOSTNAME: "pve1", STUB_ANSWERING: privateEndpoint,
        });
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, /node pve1 is not in a cluster: reported as a cluster of one named 'pve1'/);
        assert.ok(!r.stdout.includes("Corosync config") && !r.stderr.includes("Corosync config"), "pvecm's complaint is not shown");
        const solo = (await clusters()).find(c => c.clusterName === "pve1");
        assert.ok(solo, "cluster pve1 exists");
        assert.equal(solo.nodeCount, 1);
        assert.equal(solo.nodes[0].nodeName, "pve1");
        assert.equal(solo.nodes[0].proxmoxVersion, "8.1.3");
    });

    it("stops with a clear message where pveversion is missing", async () => {
        const t = await eh.token("not-pve");
        const m = new SpokeMachine({ systemd: true });
        machines.push(m);
        const r = await m.runScript(await t.script("proxmox"), [], { WGHUB_OS_RELEASE: osRelease });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /pveversion was not found: this is not a Proxmox VE node/);
        assert.match(r.stderr, /platform=linux/);
    });

    it("the enterprise repository's 401: warns and goes on without --fix-repos, changing no repository", async () => {
        const t = await eh.token("no-consent");
        const m = node();
        m.writeFile("etc/apt/sources.list.d/pve-enterprise.list", enterpriseList);
        const r = await m.runScript(await t.script("proxmox"), [], {
            WGHUB_OS_RELEASE: osRelease, STUB_PROXMOX: recordings(m, "standalone"), STUB_HOSTNAME: "pve7",
            STUB_APT_UPDATE: "enterprise-401", STUB_ANSWERING: privateEndpoint,
        });
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stderr, /enterprise repository answers 401 Unauthorized/);
        assert.match(r.stderr, /re-run with --fix-repos/);
        assert.equal(m.readFile("etc/apt/sources.list.d/pve-enterprise.list"), enterpriseList);
        assert.equal(m.exists("etc/apt/sources.list.d/pve-no-subscription.list"), false);
    });

    it("when the install then fails after registering, says how to finish by hand (the token is spent)", async () => {
        const t = await eh.token("install-fails-registered");
        const m = node();
        const r = await m.runScript(await t.script("proxmox"), [], {
            WGHUB_OS_RELEASE: osRelease, STUB_PROXMOX: recordings(m, "standalone"), STUB_HOSTNAME: "pve8", STUB_INSTALL_FAILS: "1",
        });
        assert.equal(r.code, 1, explain(r));
        assert.match(r.stderr, /This node is registered and .*wg0\.conf is written/);
        assert.match(r.stderr, /apt-get install wireguard-tools && systemctl enable --now wg-quick@wg0/);
        assert.doesNotMatch(r.stderr, /token is still valid/);
        assert.equal(fs.statSync(m.path("etc/wireguard/wg0.conf")).mode & 0o777, 0o600);
        const spokes = (await eh.hub.admin("GET", "/api/spoke/list")).body.spokes as { id: string; publicKey: string }[];
        assert.ok(spokes.find(s => s.id === t.spokeId)?.publicKey, "registered before the install was tried");
    });

    it("without openssl (installs first) and a failing install, says to re-run with --fix-repos", async () => {
        const t = await eh.token("install-fails");
        const m = node({ openssl: false });
        m.writeFile("etc/apt/sources.list.d/pve-enterprise.list", enterpriseList);
        const r = await m.runScript(await t.script("proxmox"), [], {
            WGHUB_OS_RELEASE: osRelease, STUB_PROXMOX: recordings(m, "standalone"), STUB_HOSTNAME: "pve8",
            STUB_APT_UPDATE: "enterprise-401", STUB_INSTALL_FAILS: "1",
        });
        assert.equal(r.code, 1, explain(r));
        assert.match(r.stderr, /run the command again with --fix-repos/);
        assert.match(r.stderr, /bash -s -- --fix-repos/);
    });

    it("--fix-repos switches to pve-no-subscription and says what it changed; --uninstall puts it back", async () => {
        const t = await eh.token("consent");
        const m = node();
        m.writeFile("etc/apt/sources.list.d/pve-enterprise.list", enterpriseList);
        const env = {
            WGHUB_OS_RELEASE: osRelease, STUB_PROXMOX: recordings(m, "standalone"), STUB_HOSTNAME: "pve9",
            STUB_APT_UPDATE: "enterprise-401", STUB_ANSWERING: privateEndpoint,
        };
        const script = await t.script("proxmox");
        const r = await m.runScript(script, ["--fix-repos"], env);
        assert.equal(r.code, 0, explain(r));
        assert.equal(m.exists("etc/apt/sources.list.d/pve-enterprise.list"), false);
        assert.equal(m.readFile("etc/apt/sources.list.d/pve-enterprise.list.disabled"), enterpriseList);
        assert.equal(m.readFile("etc/apt/sources.list.d/pve-no-subscription.list"),
            "deb http://download.proxmox.com/debian/pve bookworm pve-no-subscription\n");
        assert.match(r.stdout, /changed: disabled .*pve-enterprise\.list/);
        assert.match(r.stdout, /changed: added .*pve-no-subscription\.list/);
        assert.equal(callsOf(r, "apt-get").filter(c => c[1] === "update").length, 2, "apt-get update again after the switch");

        const u = await m.runScript(script, ["--uninstall"], env);
        assert.equal(u.code, 0, explain(u));
        assert.equal(m.readFile("etc/apt/sources.list.d/pve-enterprise.list"), enterpriseList);
        assert.equal(m.exists("etc/apt/sources.list.d/pve-no-subscription.list"), false);
        assert.equal(m.exists("etc/wireguard/wg0.conf"), false);
    });

    it("--migration-network puts migration on the tunnel network (only when asked) and --uninstall restores it", async () => {
        const before = "keyboard: en-us\nmigration: insecure,network=192.0.2.0/24\n";
        const plain = await eh.token("no-migration");
        const m0 = node({ wireguardInstalled: true });
        m0.writeFile("etc/pve/datacenter.cfg", before);
        const r0 = await m0.runScript(await plain.script("proxmox"), [], {
            WGHUB_OS_RELEASE: osRelease, STUB_PROXMOX: recordings(m0, "standalone"), STUB_HOSTNAME: "pve10", STUB_ANSWERING: privateEndpoint,
        });
        assert.equal(r0.code, 0, explain(r0));
        assert.equal(m0.readFile("etc/pve/datacenter.cfg"), before, "never by default");

        const t = await eh.token("migration");
        const m = node({ wireguardInstalled: true });
        m.writeFile("etc/pve/datacenter.cfg", before);
        const env = { WGHUB_OS_RELEASE: osRelease, STUB_PROXMOX: recordings(m, "standalone"), STUB_HOSTNAME: "pve11", STUB_ANSWERING: privateEndpoint };
        const script = await t.script("proxmox");
        const r = await m.runScript(script, ["--migration-network"], env);
        assert.equal(r.code, 0, explain(r));
        assert.equal(m.readFile("etc/pve/datacenter.cfg"), "keyboard: en-us\nmigration: secure,network=10.0.1.0/24\n");
        assert.match(r.stdout, /changed: .*datacenter\.cfg: 'migration: insecure,network=192\.0\.2\.0\/24' -> 'migration: secure,network=10\.0\.1\.0\/24'/);
        assert.match(r.stdout, /^\[10\/10\] Checking the tunnel$/m);

        const u = await m.runScript(script, ["--uninstall"], env);
        assert.equal(u.code, 0, explain(u));
        assert.equal(m.readFile("etc/pve/datacenter.cfg"), before);
    });
});
