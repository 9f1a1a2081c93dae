// The Linux install script, fetched from a real hub and run on a pretend spoke whose OS tools
// are stubs: distribution detection, package tool, registration (real curl, real hub),
// config file, service start, endpoint choice by handshake, DNS, re-runs and uninstall.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { publicKeyOf } from "../../backend/wireguard/keys";
import { renderInstallScript } from "../../backend/scripts/render";
import { startEnrollmentHub, hubInit, type EnrollmentHub } from "./enrollmentHub";
import { startImpostorHub } from "./impostorHub";
import { callsOf, fixturesDir, SpokeMachine, type RunResult } from "./spokeMachine";

const packageTools = ["apt-get", "yum", "dnf", "pacman", "zypper"];
const aptCalls = [["update", "-q"], ["install", "-y", "-q", "--no-install-recommends", "wireguard-tools"]];
const dnfCalls = [["install", "-y", "wireguard-tools"]];
const expectedInstall: Record<string, { tool: string; calls: string[][] }> = {
    "ubuntu-22.04": { tool: "apt-get", calls: aptCalls },
    "ubuntu-24.04": { tool: "apt-get", calls: aptCalls },
    "debian-12": { tool: "apt-get", calls: aptCalls },
    "proxmox-ve-8": { tool: "apt-get", calls: aptCalls },
    "centos-7": {
        tool: "yum",
        calls: [["install", "-y", "epel-release", "elrepo-release"], ["install", "-y", "yum-plugin-elrepo", "kmod-wireguard", "wireguard-tools"]],
    },
    "centos-stream-9": { tool: "dnf", calls: dnfCalls },
    "rhel-9": { tool: "dnf", calls: dnfCalls },
    "rocky-9": { tool: "dnf", calls: dnfCalls },
    "almalinux-9": { tool: "dnf", calls: dnfCalls },
    "fedora-40": { tool: "dnf", calls: dnfCalls },
    "arch": { tool: "pacman", calls: [["-S", "--noconfirm", "--needed", "wireguard-tools"]] },
    "manjaro": { tool: "pacman", calls: [["-S", "--noconfirm", "--needed", "wireguard-tools"]] },
    "opensuse-leap-15.5": { tool: "zypper", calls: [["--non-interactive", "install", "wireguard-tools"]] },
    "opensuse-tumbleweed": { tool: "zypper", calls: [["--non-interactive", "install", "wireguard-tools"]] },
    "sles-15": { tool: "zypper", calls: [["--non-interactive", "install", "wireguard-tools"]] },
};

const osRelease = (name: string) => path.join(fixturesDir, "os-release", name);
const publicEndpoint = hubInit.publicEndpoint;
const privateEndpoint = hubInit.privateEndpoint;

function explain(r: RunResult): string {
    return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n--- calls\n${r.calls.map(c => c.join(" ")).join("\n")}`;
}

function confValue(conf: string, key: string): string | undefined {
    return new RegExp(`^${key} = (.*)$`, "m").exec(conf)?.[1];
}

describe("Linux install script against a real hub", function () {
    let eh: EnrollmentHub;
    const machines: SpokeMachine[] = [];
    const machine = (opts: ConstructorParameters<typeof SpokeMachine>[0] = {}) => {
        const m = new SpokeMachine(opts);
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

    async function spoke(spokeId: string) {
        const list = await eh.hub.admin("GET", "/api/spoke/list");
        return (list.body.spokes as Record<string, unknown>[]).find(s => s.id === spokeId);
    }

    it("the os-release fixtures cover the eleven distributions", () => {
        const ids = new Set(Object.keys(expectedInstall).map(f => /^ID="?([^"\n]+)/m.exec(fs.readFileSync(osRelease(f), "utf8"))![1]));
        for (const id of ["ubuntu", "debian", "centos", "rhel", "rocky", "almalinux", "fedora", "arch", "manjaro", "sles"]) assert.ok(ids.has(id), id);
        assert.ok([...ids].some(id => id.startsWith("opensuse")), "openSUSE");
    });

    for (const [fixture, want] of Object.entries(expectedInstall)) {
        it(`${fixture}: installs with ${want.tool}, registers and writes a 0600 config`, async () => {
            const t = await eh.token(`spoke-${fixture}`);
            const m = machine({ systemd: true, stubs: ["resolvconf"] });
            const r = await m.runScript(await t.script("linux"), [], {
                WGHUB_OS_RELEASE: osRelease(fixture),
                STUB_ANSWERING: privateEndpoint,
            });
            assert.equal(r.code, 0, explain(r));
            for (const tool of packageTools) {
                const calls = callsOf(r, tool).map(c => c.slice(1));
                assert.deepEqual(calls, tool === want.tool ? want.calls : [], `${tool} calls\n${explain(r)}`);
            }
            assert.match(r.stdout, /^\[1\/8\] Checking this machine$/m);
            assert.match(r.stdout, /^\[8\/8\] Checking the tunnel$/m);

            const confPath = m.path("etc/wireguard/wg0.conf");
            assert.equal(fs.statSync(confPath).mode & 0o777, 0o600);
            const conf = fs.readFileSync(confPath, "utf8");
            const registered = await spoke(t.spokeId);
            assert.ok(registered, "the hub lists the spoke");
            assert.equal(registered.publicKey, publicKeyOf(confValue(conf, "PrivateKey")!), "the hub has the public key of the conf's private key");
            assert.equal(registered.os, "linux");
            assert.equal(registered.hostname, "spoke-host");
            assert.equal(confValue(conf, "Endpoint"), privateEndpoint);
            assert.equal(confValue(conf, "DNS"), "1.1.1.1");
            assert.deepEqual(callsOf(r, "systemctl").map(c => c.slice(1)),
                [["enable", "--now", "wg-quick@wg0"], ["daemon-reload"], ["enable", "--now", "wireguard-hub-agent.timer", "wireguard-hub-agent-watch.service"]]);
            // The agent that keeps the spoke current, and how it finds the hub (inside the tunnel).
            assert.equal(fs.statSync(m.path("usr/local/sbin/wireguard-hub-agent")).mode & 0o777, 0o755);
            assert.match(m.readFile("etc/wireguard-hub/agent.conf"), /^AGENT_URL=http:\/\/10\.\d+\.\d+\.1:51823\nWG_IF=wg0\nCONF_FILE=\/.*\/etc\/wireguard\/wg0\.conf\n$/);
            assert.match(m.readFile("etc/systemd/system/wireguard-hub-agent.timer"), /^OnUnitActiveSec=1min$/m);
            assert.match(m.readFile("etc/systemd/system/wireguard-hub-agent-watch.service"), /^ExecStart=\/usr\/local\/sbin\/wireguard-hub-agent --watch$/m);
            assert.ok(!r.stdout.includes(t.token) && !r.stderr.includes(t.token), "the token is never printed");
        });
    }

    it("skips the install when wg is already there", async () => {
        const t = await eh.token("has-wg");
        const m = machine({ systemd: true, wireguardInstalled: true, stubs: ["resolvconf"] });
        const r = await m.runScript(await t.script("linux"), [], { WGHUB_OS_RELEASE: osRelease("debian-12"), STUB_ANSWERING: privateEndpoint });
        assert.equal(r.code, 0, explain(r));
        for (const tool of packageTools) assert.deepEqual(callsOf(r, tool), [], tool);
        assert.match(r.stdout, /WireGuard tools found: v1\.0\.20210914/);
    });

    it("switches to the public endpoint when the private one gives no handshake, and says so", async () => {
        const t = await eh.token("falls-back");
        const m = machine({ systemd: true, wireguardInstalled: true, stubs: ["resolvconf"] });
        const r = await m.runScript(await t.script("linux"), [], { WGHUB_OS_RELEASE: osRelease("ubuntu-24.04"), STUB_ANSWERING: publicEndpoint });
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, /no handshake over the private endpoint 192\.168\.1\.15:51820 within 2s: switching to the public endpoint 203\.0\.113\.5:51820/);
        const set = callsOf(r, "wg").filter(c => c[1] === "set");
        assert.equal(set.length, 1);
        assert.deepEqual(set[0]!.slice(2).filter((_, i) => i !== 2), ["wg0", "peer", "endpoint", publicEndpoint]);
        assert.equal(confValue(m.readFile("etc/wireguard/wg0.conf"), "Endpoint"), publicEndpoint, "the conf keeps the endpoint that answered");
        assert.match(r.stdout, /endpoint {2}: 203\.0\.113\.5:51820 \(public\)/);
    });

    it("keeps the private endpoint when the hub answers there", async () => {
        const t = await eh.token("stays-private");
        const m = machine({ systemd: true, wireguardInstalled: true, stubs: ["resolvconf"] });
        const r = await m.runScript(await t.script("linux"), [], { WGHUB_OS_RELEASE: osRelease("ubuntu-24.04"), STUB_ANSWERING: `${privateEndpoint}\n${publicEndpoint}` });
        assert.equal(r.code, 0, explain(r));
        assert.deepEqual(callsOf(r, "wg").filter(c => c[1] === "set"), []);
        assert.match(r.stdout, /over the private endpoint 192\.168\.1\.15:51820: keeping it/);
    });

    it("without systemd: wg-quick up and a warning that it will not survive a reboot", async () => {
        const t = await eh.token("no-systemd");
        const m = machine({ systemd: false, wireguardInstalled: true, stubs: ["resolvconf"] });
        const r = await m.runScript(await t.script("linux"), [], { WGHUB_OS_RELEASE: osRelease("arch"), STUB_ANSWERING: privateEndpoint });
        assert.equal(r.code, 0, explain(r));
        assert.deepEqual(callsOf(r, "systemctl"), []);
        assert.deepEqual(callsOf(r, "wg-quick").map(c => c.slice(1)), [["up", m.path("etc/wireguard/wg0.conf")]]);
        assert.match(r.stderr, /will not come back after a reboot/);
    });

    it("DNS: PostUp with resolvectl when there is no resolvconf; a warning when neither exists", async () => {
        const t1 = await eh.token("dns-resolvectl");
        const m1 = machine({ systemd: true, wireguardInstalled: true, stubs: ["resolvectl"] });
        const r1 = await m1.runScript(await t1.script("linux"), [], { WGHUB_OS_RELEASE: osRelease("fedora-40"), STUB_ANSWERING: privateEndpoint });
        assert.equal(r1.code, 0, explain(r1));
        const conf1 = m1.readFile("etc/wireguard/wg0.conf");
        assert.equal(confValue(conf1, "DNS"), undefined);
        assert.equal(confValue(conf1, "PostUp"), "resolvectl dns %i 1.1.1.1; resolvectl domain %i '~.'");

        const t2 = await eh.token("dns-none");
        const m2 = machine({ systemd: true, wireguardInstalled: true });
        const r2 = await m2.runScript(await t2.script("linux"), [], { WGHUB_OS_RELEASE: osRelease("fedora-40"), STUB_ANSWERING: privateEndpoint });
        assert.equal(r2.code, 0, explain(r2));
        const conf2 = m2.readFile("etc/wireguard/wg0.conf");
        assert.equal(confValue(conf2, "DNS"), undefined);
        assert.equal(confValue(conf2, "PostUp"), undefined);
        assert.match(r2.stderr, /neither resolvconf nor resolvectl is here: DNS left unchanged/);
    });

    it("says plainly that a used token is used, and leaves the tunnel as it was", async () => {
        const t = await eh.token("used-twice");
        const m = machine({ systemd: true, wireguardInstalled: true, stubs: ["resolvconf"] });
        const script = await t.script("linux");
        const env = { WGHUB_OS_RELEASE: osRelease("debian-12"), STUB_ANSWERING: privateEndpoint };
        const first = await m.runScript(script, [], env);
        assert.equal(first.code, 0, explain(first));
        const conf = m.readFile("etc/wireguard/wg0.conf");
        const second = await m.runScript(script, [], env);
        assert.equal(second.code, 1, explain(second));
        assert.match(second.stderr, /ERROR: this install command was already used or has expired/);
        assert.equal(m.readFile("etc/wireguard/wg0.conf"), conf);
        assert.deepEqual(callsOf(second, "systemctl"), []);
    });

    it("never overwrites a config it did not write, unless --force (keeping a backup)", async () => {
        const t = await eh.token("foreign-conf");
        const m = machine({ systemd: true, wireguardInstalled: true, stubs: ["resolvconf"] });
        const foreign = "[Interface]\nPrivateKey = theirs\n";
        m.writeFile("etc/wireguard/wg0.conf", foreign, 0o600);
        const script = await t.script("linux");
        const env = { WGHUB_OS_RELEASE: osRelease("debian-12"), STUB_ANSWERING: privateEndpoint };
        const refused = await m.runScript(script, [], env);
        assert.equal(refused.code, 1, explain(refused));
        assert.match(refused.stderr, /was not written by this script, so it is left alone/);
        assert.match(refused.stderr, /--force/);
        assert.equal(m.readFile("etc/wireguard/wg0.conf"), foreign);
        assert.equal((await spoke(t.spokeId))?.publicKey ?? null, null, "nothing was registered");

        const forced = await m.runScript(script, ["--force"], env);
        assert.equal(forced.code, 0, explain(forced));
        const backups = fs.readdirSync(m.path("etc/wireguard")).filter(f => f.startsWith("wg0.conf.bak-"));
        assert.equal(backups.length, 1);
        assert.equal(m.readFile(`etc/wireguard/${backups[0]}`), foreign);
        assert.match(m.readFile("etc/wireguard/wg0.conf"), /^# Managed by wireguard-hub/);
    });

    it("--uninstall takes the tunnel down and removes the config", async () => {
        const t = await eh.token("uninstalled");
        const m = machine({ systemd: true, wireguardInstalled: true, stubs: ["resolvconf"] });
        const script = await t.script("linux");
        const env = { WGHUB_OS_RELEASE: osRelease("debian-12"), STUB_ANSWERING: privateEndpoint };
        assert.equal((await m.runScript(script, [], env)).code, 0);
        const r = await m.runScript(script, ["--uninstall"], env);
        assert.equal(r.code, 0, explain(r));
        assert.deepEqual(callsOf(r, "systemctl").map(c => c.slice(1)),
            [["disable", "--now", "wg-quick@wg0"], ["disable", "--now", "wireguard-hub-agent.timer", "wireguard-hub-agent-watch.service"], ["daemon-reload"]]);
        assert.equal(m.exists("etc/wireguard/wg0.conf"), false);
        for (const gone of ["usr/local/sbin/wireguard-hub-agent", "etc/wireguard-hub", "etc/systemd/system/wireguard-hub-agent.timer",
            "etc/systemd/system/wireguard-hub-agent-watch.service"])
            assert.equal(m.exists(gone), false, `${gone} is removed`);
        assert.match(r.stdout, /Removed .*wg0\.conf/);
    });

    it("takes options through the pipe (bash -s -- --force), and --uninstall leaves a foreign config alone", async () => {
        const t = await eh.token("piped-force");
        const m = machine({ systemd: true, wireguardInstalled: true, stubs: ["resolvconf", "sudo"] });
        const foreign = "[Interface]\nPrivateKey = theirs\n";
        m.writeFile("etc/wireguard/wg0.conf", foreign, 0o600);
        const env = { WGHUB_OS_RELEASE: osRelease("debian-12"), STUB_ANSWERING: privateEndpoint };
        const script = await t.script("linux");
        const keep = await m.runScript(script, ["--uninstall"], env);
        assert.equal(keep.code, 1, explain(keep));
        assert.match(keep.stderr, /was not written by this script: left alone/);
        assert.equal(m.readFile("etc/wireguard/wg0.conf"), foreign);

        const command = t.installCommands.linux.replace(/\| sudo bash$/, "| sudo bash -s -- --force");
        const r = await m.runShell(command, env);
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stderr, /--force given: saved it as/);
        assert.match(m.readFile("etc/wireguard/wg0.conf"), /^# Managed by wireguard-hub/);
    });

    it("refuses to run without root, with the command to use", async () => {
        const t = await eh.token("not-root");
        const m = machine({ wireguardInstalled: true });
        const r = await m.runScript(await t.script("linux"), [], { STUB_UID: "1000", WGHUB_OS_RELEASE: osRelease("debian-12") });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /must run as root/);
        assert.match(r.stderr, /sudo bash/);
    });

    it("rejects an unknown option with the usage", async () => {
        const t = await eh.token("bad-option");
        const m = machine({ wireguardInstalled: true });
        const r = await m.runScript(await t.script("linux"), ["--frobnicate"]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /Usage: curl … \| sudo bash -s -- \[options\]/);
        assert.match(r.stderr, /unknown option: --frobnicate/);
    });

    it("a re-enroll token on a spoke enrolled before the agent keeps its key pair and address, and installs the agent", async () => {
        const t = await eh.token("pre-agent");
        const m = machine({ systemd: true, wireguardInstalled: true, stubs: ["resolvconf"] });
        const env = { WGHUB_OS_RELEASE: osRelease("debian-12"), STUB_ANSWERING: privateEndpoint };
        assert.equal((await m.runScript(await t.script("linux"), [], env)).code, 0);
        // What an enrollment from before managed spokes left: the tunnel, no agent.
        fs.rmSync(m.path("usr/local/sbin/wireguard-hub-agent"));
        fs.rmSync(m.path("etc/wireguard-hub"), { recursive: true });
        const before = (await spoke(t.spokeId))!;
        const again = await eh.token("pre-agent", { spokeId: t.spokeId });
        const r = await m.runScript(await again.script("linux"), [], env);
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, /public key: \S+ \(kept from the earlier enrollment\)/);
        const after = (await spoke(t.spokeId))!;
        assert.equal(after.publicKey, before.publicKey, "the hub's peer keeps its key");
        assert.equal(after.address, before.address);
        assert.equal(publicKeyOf(confValue(m.readFile("etc/wireguard/wg0.conf"), "PrivateKey")!), before.publicKey);
        assert.ok(m.exists("usr/local/sbin/wireguard-hub-agent") && m.exists("etc/wireguard-hub/agent.conf"), "the agent is installed");

        // A new enrollment (not a re-enroll) on the same machine makes a new key pair.
        const fresh = await eh.token("pre-agent-new");
        const n = await m.runScript(await fresh.script("linux"), [], env);
        assert.equal(n.code, 0, explain(n));
        assert.notEqual((await spoke(fresh.spokeId))?.publicKey, before.publicKey);
    });

    it("with openssl but no WireGuard yet, registers before the package install: the token is spent in seconds", async () => {
        const withOpenssl = (m: SpokeMachine) => fs.symlinkSync(fs.realpathSync("/usr/bin/openssl"), path.join(m.bin, "openssl"));
        // The install fails: the spoke is registered all the same, its config written, and the
        // message says how to finish without a new token.
        const t = await eh.token("register-first");
        const m = machine({ systemd: true, stubs: ["resolvconf"] });
        withOpenssl(m);
        const r = await m.runScript(await t.script("linux"), [], { WGHUB_OS_RELEASE: osRelease("debian-12"), STUB_INSTALL_FAILS: "1" });
        assert.equal(r.code, 1, explain(r));
        assert.match(r.stderr, /This spoke is registered and .*wg0\.conf is written: install wireguard-tools, then run: systemctl enable --now wg-quick@wg0/);
        const conf = m.readFile("etc/wireguard/wg0.conf");
        assert.equal(fs.statSync(m.path("etc/wireguard/wg0.conf")).mode & 0o777, 0o600);
        const registered = await spoke(t.spokeId);
        assert.ok(registered, "registered before the install was tried");
        assert.equal(registered.publicKey, publicKeyOf(confValue(conf, "PrivateKey")!), "openssl made a WireGuard key pair");
        assert.equal(fs.readdirSync(m.path("etc/wireguard")).filter(f => f.startsWith(".key")).length, 0, "no key material left behind");

        // The install works: the same order, to the end.
        const t2 = await eh.token("register-first-ok");
        const m2 = machine({ systemd: true, stubs: ["resolvconf"] });
        withOpenssl(m2);
        const ok = await m2.runScript(await t2.script("linux"), [], { WGHUB_OS_RELEASE: osRelease("debian-12"), STUB_ANSWERING: privateEndpoint });
        assert.equal(ok.code, 0, explain(ok));
        assert.ok(ok.stdout.indexOf("Registering with the hub") < ok.stdout.indexOf("Installing WireGuard"), ok.stdout);
        assert.equal((await spoke(t2.spokeId))?.publicKey, publicKeyOf(confValue(m2.readFile("etc/wireguard/wg0.conf"), "PrivateKey")!));
    });

    it("the exact one-liner from the token answer fetches the script over the pinned TLS and enrolls", async () => {
        const t = await eh.token("one-liner");
        const m = machine({ systemd: true, wireguardInstalled: true, stubs: ["resolvconf", "sudo"] });
        const r = await m.runShell(t.installCommands.linux, { WGHUB_OS_RELEASE: osRelease("ubuntu-22.04"), STUB_ANSWERING: privateEndpoint });
        assert.equal(r.code, 0, explain(r));
        assert.ok((await spoke(t.spokeId))?.publicKey, "registered");
        assert.match(t.installCommands.linux, /^printf 'url = "%s"\\n' 'https:\/\/127\.0\.0\.1:\d+\/api\/installation\/script\/[A-Za-z0-9_-]{43}\?platform=linux' \| curl -fsSL --proto =https -k --pinnedpubkey 'sha256\/\/[A-Za-z0-9+/]{43}=' -K - \| sudo bash$/);
    });

    it("the token appears in no process's arguments: curl reads the URL from its standard input", async () => {
        const t = await eh.token("argv-watch");
        const m = machine({ systemd: true, wireguardInstalled: true, stubs: ["resolvconf", "sudo"] });
        // Every curl the one-liner and the script start, with its arguments, as /proc/*/cmdline shows them.
        const seen = path.join(m.dir, "curl-argv.log");
        const realCurl = fs.realpathSync(path.join(m.bin, "curl"));
        fs.rmSync(path.join(m.bin, "curl"));
        fs.writeFileSync(path.join(m.bin, "curl"), `#!/bin/sh\nprintf '%s\\n' "curl $*" >>'${seen}'\nexec '${realCurl}' "$@"\n`, { mode: 0o755 });
        const r = await m.runShell(t.installCommands.linux, { WGHUB_OS_RELEASE: osRelease("ubuntu-22.04"), STUB_ANSWERING: privateEndpoint });
        assert.equal(r.code, 0, explain(r));
        const argv = fs.readFileSync(seen, "utf8");
        assert.ok(argv.split("\n").filter(Boolean).length >= 2, `the one-liner's curl and the registration's: ${argv}`);
        assert.ok(!argv.includes(t.token), `a curl had the token in its arguments:\n${argv}`);
        for (const call of [...r.calls, ...argv.split("\n").map(l => l.split(" "))])
            assert.ok(!call.join(" ").includes(t.token), `${call[0]} had the token in its arguments`);
        assert.match(argv, /--proto =https/, "https only, never downgraded by a redirect");
    });

    it("a used or unknown token: the one-liner shows curl's HTTP error and bash gets nothing to run", async () => {
        const t = await eh.token("one-liner-used");
        const m = machine({ systemd: true, wireguardInstalled: true, stubs: ["resolvconf", "sudo"] });
        const env = { WGHUB_OS_RELEASE: osRelease("debian-12"), STUB_ANSWERING: privateEndpoint };
        assert.equal((await m.runShell(t.installCommands.linux, env)).code, 0);
        const again = await m.runShell(t.installCommands.linux, env);
        assert.match(again.stderr, /curl: \(22\) The requested URL returned error: 410/, explain(again));
        assert.deepEqual(again.calls.filter(c => c[0] !== "sudo"), [], "bash ran nothing");
        const unknown = await m.runShell(t.installCommands.linux.replace(t.token, "A".repeat(43)), env);
        assert.match(unknown.stderr, /curl: \(22\) The requested URL returned error: 404/, explain(unknown));
        assert.deepEqual(unknown.calls.filter(c => c[0] !== "sudo"), []);
    });

    describe("a man in the middle (a server with another certificate)", () => {
        it("makes the one-liner stop at the TLS handshake: no request, nothing for bash to run", async () => {
            const t = await eh.token("mitm-one-liner");
            const impostor = await startImpostorHub();
            try {
                const hubUrl = /'(https:\/\/127\.0\.0\.1:\d+)\//.exec(t.installCommands.linux)![1]!;
                const command = t.installCommands.linux.replace(hubUrl, impostor.url);
                const m = machine({ wireguardInstalled: true, stubs: ["sudo"] });
                const r = await m.runShell(command);
                assert.match(r.stderr, /curl: \(90\)/, explain(r));
                assert.equal(impostor.requests.length, 0, "no HTTP request reached the impostor");
                assert.equal(m.exists("impostor-ran"), false);
                assert.deepEqual(r.calls.filter(c => c[0] !== "sudo"), [], "bash ran nothing");
            } finally {
                await impostor.close();
            }
        });

        it("makes the script's registration stop before the token is sent; the token stays unused", async () => {
            const t = await eh.token("mitm-register");
            await t.script("linux");
            const impostor = await startImpostorHub();
            try {
                const ctxScript = renderInstallScript("linux", {
                    token: t.token, spokeName: "mitm-register", hubUrl: impostor.url, pin: eh.pin, interfaceName: "wg0", agentPort: 51823, reenroll: false,
                    addresses: ["10.0.1.9/32"], hubPublicKey: "yq8jgqe04vJqd87p+wPyJKCdlNkn8T/Av8hTs0X7d2o=",
                    publicEndpoint, privateEndpoint: null, allowedIPs: ["10.0.1.0/24"], dns: [], persistentKeepalive: 25, hubAddress: "10.0.1.1",
                });
                const m = machine({ systemd: true, wireguardInstalled: true });
                const r = await m.runScript(ctxScript.body, [], { WGHUB_OS_RELEASE: osRelease("debian-12") });
                assert.equal(r.code, 1, explain(r));
                assert.match(r.stderr, /certificate does not match the key this command was made for \(curl error 90\)/);
                assert.match(r.stderr, /Stopped before sending the token/);
                assert.ok(impostor.handshakes <= 1);
                assert.equal(impostor.requests.length, 0, "the token never reached the impostor");
                assert.equal(m.exists("etc/wireguard/wg0.conf"), false);
                const tokens = await eh.hub.admin("GET", "/api/installation/tokens");
                const row = (tokens.body.tokens as Record<string, unknown>[]).find(x => x.id === t.id)!;
                assert.equal(row.used, false);
            } finally {
                await impostor.close();
            }
        });
    });
});
