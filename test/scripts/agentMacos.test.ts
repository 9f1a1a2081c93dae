// The spoke agent on macOS, under the macOS stubs (uname says Darwin; sw_vers, launchctl,
// ifconfig and route as on a Mac; wg with a peer that `wg set` changes), against a stand-in
// for the hub's agent API: what it applies live (peer, routes, addresses), what it leaves to
// the tunnel's next start (DNS), the hostile values it refuses, the key rotation and the
// uninstall. WGHUB_TEST_BASH=/path/to/bash-3.2 runs it under the bash macOS ships.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { generateKeyPair } from "../../backend/wireguard/keys";
import { templatesDir } from "../../backend/scripts/render";
import { shQuote } from "../../backend/scripts/quote";
import { startAgentHub, type AgentHub } from "./agentHub";
import { bash32Problems } from "./bash32";
import { fixturesDir, SpokeMachine, stubsDir, type RunResult } from "./spokeMachine";

const agentFile = path.join(templatesDir(), "agent", "wireguard-hub-agent.sh");
const bash = process.env.WGHUB_TEST_BASH ?? "/bin/bash";
const canary = "/tmp/wghub-canary-agent-macos";
const hubKey = generateKeyPair().publicKey;

const enrolled = [
    "revision=0123456789abcdef", "name=branch 1", "address=10.0.1.2/32", "dns=1.1.1.1", `hub_public_key=${hubKey}`,
    "hub_address=10.0.1.1", "endpoint=203.0.113.5:51820", "allowed_ip=10.0.1.0/24", "keepalive=25", "action=none",
];

function config(lines: string[]): string {
    return lines.join("\n") + "\n";
}

/** ENROLLED with the lines of KEY replaced by VALUES (none: removed). */
function withValues(key: string, ...values: string[]): string[] {
    const at = enrolled.findIndex(l => l.startsWith(`${key}=`));
    const rest = enrolled.filter(l => !l.startsWith(`${key}=`));
    rest.splice(at < 0 ? rest.length : at, 0, ...values.map(v => `${key}=${v}`));
    return rest;
}

function explain(r: RunResult): string {
    return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n--- calls\n${r.calls.map(c => c.join(" ")).join("\n")}`;
}

/** Calls that change the spoke. */
function changing(r: RunResult): string[] {
    return r.calls.filter(c =>
        (c[0] === "wg" && c[1] === "set") || (c[0] === "ifconfig" && c.length > 2) || (c[0] === "route" && (c.includes("add") || c.includes("delete")))
        || ["wg-quick", "networksetup", "ip", "launchctl", "resolvconf"].includes(c[0]!),
    ).map(c => c.join(" "));
}

describe("the spoke agent on macOS", function () {
    let hub: AgentHub;
    const machines: SpokeMachine[] = [];
    const keys = generateKeyPair();

    before(async () => {
        hub = await startAgentHub();
    });
    after(async () => {
        await hub.close();
        for (const m of machines) m.cleanup();
    });

    /** A Mac enrolled with ENROLLED: wg0 on utun7, the conf as the install script wrote it, both launchd daemons. */
    function mac(): SpokeMachine {
        const m = new SpokeMachine({ stubs: ["sw_vers", "launchctl", "ifconfig", "route"] });
        machines.push(m);
        // The machine's tools the agent uses beyond the install scripts'.
        for (const tool of ["paste", "find", "cmp", "rmdir"]) fs.symlinkSync(execFileSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).trim(), path.join(m.bin, tool));
        fs.symlinkSync(path.join(stubsDir, "wg-peer"), path.join(m.installed, "wg"));
        fs.symlinkSync(path.join(stubsDir, "wg-quick"), path.join(m.installed, "wg-quick"));
        const conf = m.path("etc/wireguard/wg0.conf");
        m.writeFile("etc/wireguard-hub/agent.conf", `AGENT_URL=${hub.url}\nWG_IF=wg0\nCONF_FILE=${conf}\n`);
        m.writeFile("etc/wireguard/wg0.conf", [
            "# Managed by wireguard-hub (spoke branch-1). Re-run the enrollment or use --uninstall; edits here are overwritten.",
            "[Interface]", `PrivateKey = ${keys.privateKey}`, "Address = 10.0.1.2/32", "DNS = 1.1.1.1", "",
            "[Peer]", `PublicKey = ${hubKey}`, "Endpoint = 203.0.113.5:51820", "AllowedIPs = 10.0.1.0/24", "PersistentKeepalive = 25", "",
        ].join("\n"), 0o600);
        m.writeFile("var/run/wireguard/wg0.name", "utun7\n");
        m.writeFile("usr/local/sbin/wireguard-hub-agent", fs.readFileSync(agentFile, "utf8"), 0o755);
        m.writeFile("Library/LaunchDaemons/com.wireguard-hub.wg0.plist", "<plist/>\n");
        m.writeFile("Library/LaunchDaemons/com.wireguard-hub.agent.plist", "<plist/>\n");
        m.writeFile("Library/Application Support/WireGuardHub/bin/README", "the daemon's copies of the tools\n");
        const state = (name: string, text: string) => fs.writeFileSync(path.join(m.state, name), text);
        state("link-wg0", "");
        state("pubkey-wg0", keys.publicKey + "\n");
        state("peer-wg0", hubKey);
        state("endpoint-wg0", "203.0.113.5:51820");
        state("allowed-wg0", "10.0.1.0/24");
        state("keepalive-wg0", "25");
        state("ifconfig-utun7", "10.0.1.2/32\n");
        state("routes", "10.0.1.0/24 utun7\n");
        return m;
    }

    function runAgent(m: SpokeMachine, lines: string[]): Promise<RunResult> {
        hub.config = config(lines);
        hub.requests = [];
        const file = m.path("usr/local/sbin/wireguard-hub-agent");
        return m.runShell(`exec ${shQuote(bash)} ${shQuote(file)} --once`, {
            STUB_UNAME_S: "Darwin",
            STUB_SW_VERS: path.join(fixturesDir, "macos", "sw_vers-14-arm64"),
        });
    }

    it("holds nothing bash 3.2 lacks (shellcheck runs on it in render.test.ts)", () => {
        assert.deepEqual(bash32Problems(fs.readFileSync(agentFile, "utf8")), []);
        // The checks themselves find what they look for.
        assert.equal(bash32Problems('a+=(x)\nmapfile -t b\necho "${c,,}"\nf "${ARR[@]}"\ndeclare -A d\n').length, 5);
    });

    it("applies routes, addresses and keepalive live, and leaves DNS to the tunnel's next start", async () => {
        const m = mac();
        const lines = [
            ...withValues("address", "10.0.1.2/24", "fd00:1::2/128").filter(l => !l.startsWith("dns=") && !l.startsWith("allowed_ip=") && !l.startsWith("keepalive=")),
            "dns=10.0.1.53", "allowed_ip=10.0.1.0/24", "allowed_ip=fd00:1::/64", "allowed_ip=192.168.77.0/24", "keepalive=30",
        ].map(l => (l.startsWith("revision=") ? "revision=1111111111111111" : l));
        const r = await runAgent(m, lines);
        assert.equal(r.code, 0, explain(r));
        assert.deepEqual(changing(r), [
            `wg set wg0 peer ${hubKey} allowed-ips 10.0.1.0/24,fd00:1::/64,192.168.77.0/24`,
            "route -q -n add -inet6 fd00:1::/64 -interface utun7",
            "route -q -n add -inet 192.168.77.0/24 -interface utun7",
            `wg set wg0 peer ${hubKey} persistent-keepalive 30`,
            // macOS removes an address by its IP: the /32 goes before the /24 comes.
            "ifconfig utun7 inet 10.0.1.2 -alias",
            "ifconfig utun7 inet 10.0.1.2/24 10.0.1.2 alias",
            "ifconfig utun7 inet6 fd00:1::2/128 alias",
        ], explain(r));
        assert.match(r.stdout, /DNS: 10\.0\.1\.53 \(written to .*wg0\.conf: macOS takes it when the tunnel next starts\)/);
        assert.equal(fs.readFileSync(path.join(m.state, "ifconfig-utun7"), "utf8"), "10.0.1.2/24\nfd00:1::2/128\n");

        const conf = m.readFile("etc/wireguard/wg0.conf");
        assert.match(conf, /^# Managed by wireguard-hub \(spoke branch-1\)/, "the install script's marker: --uninstall still knows it");
        assert.match(conf, /^Address = 10\.0\.1\.2\/24, fd00:1::2\/128$/m);
        assert.match(conf, /^DNS = 10\.0\.1\.53$/m);
        assert.match(conf, /^AllowedIPs = 10\.0\.1\.0\/24, fd00:1::\/64, 192\.168\.77\.0\/24$/m);
        assert.match(conf, /^PersistentKeepalive = 30$/m);
        assert.equal(fs.statSync(m.path("etc/wireguard/wg0.conf")).mode & 0o777, 0o600);
        assert.equal(m.readFile("var/db/wireguard-hub-agent/revision"), "1111111111111111");

        const report = hub.requests.find(q => q.url === "/agent/v1/report");
        assert.equal(report?.publicKey, keys.publicKey);
        assert.match(report!.body, /^os=macOS 14\.4\.1$/m);
        assert.match(report!.body, /^result=applied: routes: .*; keepalive: 30 s; addresses: .*; DNS: 10\.0\.1\.53 .*$/m);

        // The hub has nothing new: 304, and nothing is touched.
        const again = await runAgent(m, lines);
        assert.equal(again.code, 0, explain(again));
        assert.equal(hub.requests[0]?.ifNoneMatch, '"1111111111111111"');
        assert.match(again.stdout, /current \(revision 1111111111111111, unchanged on the hub\)/);
        assert.deepEqual(changing(again), []);

        // Back to the enrollment's settings: the routes and the address go.
        const back = await runAgent(m, enrolled);
        assert.equal(back.code, 0, explain(back));
        assert.deepEqual(changing(back), [
            `wg set wg0 peer ${hubKey} allowed-ips 10.0.1.0/24`,
            "route -q -n delete -inet 192.168.77.0/24 -interface utun7",
            "route -q -n delete -inet6 fd00:1::/64 -interface utun7",
            `wg set wg0 peer ${hubKey} persistent-keepalive 25`,
            "ifconfig utun7 inet 10.0.1.2 -alias",
            "ifconfig utun7 inet6 fd00:1::2 -alias",
            "ifconfig utun7 inet 10.0.1.2/32 10.0.1.2 alias",
        ], explain(back));
        assert.equal(fs.readFileSync(path.join(m.state, "routes"), "utf8"), "10.0.1.0/24 utun7\n");
    });

    it("changes nothing when the spoke already is as the hub wants it", async () => {
        const m = mac();
        const confBefore = m.readFile("etc/wireguard/wg0.conf");
        const r = await runAgent(m, enrolled);
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, /^current \(revision 0123456789abcdef\)$/m);
        assert.deepEqual(changing(r), []);
        assert.match(hub.requests.find(q => q.url === "/agent/v1/report")!.body, /^result=current$/m);
        assert.equal(m.readFile("etc/wireguard/wg0.conf").split("\n").slice(1).join("\n"), confBefore.split("\n").slice(1).join("\n"));
    });

    // A line ends at a newline, so a value cannot hold one: what follows it is another line,
    // read and checked as such.
    const hostile: [string, string[]][] = [
        ["address", ["10.0.1.2/24; touch " + canary]],
        ["address", [`$(touch ${canary})/24`]],
        ["dns", [`1.1.1.1\`touch ${canary}\``]],
        ["dns", ["1.1.1.1\r"]],
        ["allowed_ip", [`192.168.77.0/24 $(touch ${canary})`]],
        ["endpoint", [`203.0.113.5:51820\nendpoint=$(touch ${canary}):1`]],
        ["endpoint", [`hub;touch ${canary}:51820`]],
        ["keepalive", ["25; reboot"]],
        ["hub_public_key", [`\`touch ${canary}\``]],
        ["name", [`x$(touch ${canary})`]],
        ["action", ["run-command"]],
    ];
    for (const [key, values] of hostile) {
        it(`refuses ${key}=${JSON.stringify(values[0])} and changes nothing`, async () => {
            const m = mac();
            const confBefore = m.readFile("etc/wireguard/wg0.conf");
            const r = await runAgent(m, [
                ...withValues(key, ...values.map(v => v.split("\n")[0]!)),
                ...values.flatMap(v => v.split("\n").slice(1)),
            ].map(l => (l.startsWith("revision=") ? "revision=2222222222222222" : l)));
            assert.equal(r.code, 1, explain(r));
            assert.match(r.stderr, /the hub sent a value this agent refuses for \w+; nothing was changed/);
            assert.deepEqual(changing(r), []);
            assert.equal(m.readFile("etc/wireguard/wg0.conf"), confBefore);
            assert.equal(m.exists("var/db/wireguard-hub-agent/revision"), false, "the revision is not taken");
            assert.equal(fs.existsSync(canary), false);
            assert.match(hub.requests.find(q => q.url === "/agent/v1/report")?.body ?? "", /^result=error: the hub sent a value/m, "the refusal is reported");
        });
    }

    it("rotate-key: a new key pair made here, its public key sent, then switched to", async () => {
        const m = mac();
        const r = await runAgent(m, withValues("action", "rotate-key"));
        assert.equal(r.code, 0, explain(r));
        const sent = /^public_key=(.*)$/m.exec(hub.requests.find(q => q.url === "/agent/v1/key")?.body ?? "")?.[1];
        assert.ok(sent && sent !== keys.publicKey, "a new public key went to the hub");
        assert.equal(fs.readFileSync(path.join(m.state, "pubkey-wg0"), "utf8").trim(), sent, "wg0 runs with the new key");
        assert.ok(r.calls.some(c => c[0] === "wg" && c[2] === "wg0" && c[3] === "private-key"));
        assert.doesNotMatch(m.readFile("etc/wireguard/wg0.conf"), new RegExp(keys.privateKey.replace(/[+/]/g, "\\$&")));
        assert.equal(m.exists("var/db/wireguard-hub-agent/private.key"), false, "the key file for wg set is gone");
        assert.doesNotMatch(r.stdout + r.stderr, /PrivateKey|private\.key =/);
    });

    it("uninstall: confirmed by the hub, then the tunnel, the three launchd daemons and every file go", async () => {
        const m = mac();
        const r = await runAgent(m, withValues("action", "uninstall"));
        assert.equal(r.code, 0, explain(r));
        assert.ok(hub.requests.some(q => q.method === "POST" && q.url === "/agent/v1/uninstalled"));
        const launchctl = r.calls.filter(c => c[0] === "launchctl").map(c => c.slice(1).join(" "));
        assert.deepEqual(launchctl, [
            `bootout system ${m.path("Library/LaunchDaemons/com.wireguard-hub.wg0.plist")}`,
            `bootout system ${m.path("Library/LaunchDaemons/com.wireguard-hub.agent-watch.plist")}`,
            "bootout system/com.wireguard-hub.agent",
        ]);
        assert.ok(r.calls.some(c => c[0] === "wg-quick" && c[1] === "down"), "the tunnel is taken down");
        for (const gone of [
            "etc/wireguard/wg0.conf", "etc/wireguard-hub", "usr/local/sbin/wireguard-hub-agent", "var/db/wireguard-hub-agent",
            "Library/LaunchDaemons/com.wireguard-hub.wg0.plist", "Library/LaunchDaemons/com.wireguard-hub.agent.plist",
            "Library/LaunchDaemons/com.wireguard-hub.agent-watch.plist",
            "Library/Application Support/WireGuardHub",
        ]) assert.equal(m.exists(gone), false, gone);
    });

    it("uninstall the hub does not confirm removes nothing", async () => {
        const m = mac();
        hub.postStatus.uninstalled = 409;
        try {
            const r = await runAgent(m, withValues("action", "uninstall"));
            assert.equal(r.code, 1, explain(r));
            assert.match(r.stderr, /did not confirm the uninstall \(HTTP 409\); nothing was removed/);
            assert.deepEqual(changing(r), []);
            assert.ok(m.exists("etc/wireguard/wg0.conf") && m.exists("usr/local/sbin/wireguard-hub-agent"));
        } finally {
            delete hub.postStatus.uninstalled;
        }
    });

    it("says when wg-quick has not named the utun device (the tunnel is down)", async () => {
        const m = mac();
        fs.rmSync(m.path("var/run/wireguard/wg0.name"));
        const r = await runAgent(m, enrolled);
        assert.equal(r.code, 1, explain(r));
        assert.match(r.stderr, /wg0\.name does not name the utun device of wg0/);
        assert.deepEqual(changing(r), []);
    });
});
