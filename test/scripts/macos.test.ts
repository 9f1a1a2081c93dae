// The macOS install script with stubbed brew, launchctl, uname, sw_vers and osascript (node
// runs the script's JavaScript), registering with a real hub: the keys made and registered
// before brew install, Homebrew's prefix (Apple silicon and Intel), the conf in root's
// /etc/wireguard, the launchd daemon that brings the tunnel up at boot, and the agent with its
// own daemon.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { generateKeyPair, publicKeyOf } from "../../backend/wireguard/keys";
import { templatesDir } from "../../backend/scripts/render";
import { startEnrollmentHub, type EnrollmentHub } from "./enrollmentHub";
import { callsOf, fixturesDir, SpokeMachine, stubsDir, type RunResult } from "./spokeMachine";

const privateEndpoint = "192.168.1.15:51820";

function explain(r: RunResult): string {
    return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n--- calls\n${r.calls.map(c => c.join(" ")).join("\n")}`;
}

/** A Mac whose Homebrew lives at PREFIX (opt/homebrew or usr/local) under the pretend root. */
function mac(prefix: "opt/homebrew" | "usr/local", arch: "arm64" | "x86_64"): { m: SpokeMachine; env: Record<string, string> } {
    const m = new SpokeMachine({ stubs: ["launchctl", "sw_vers", "sudo"] });
    const brewPrefix = m.path(prefix);
    fs.mkdirSync(path.join(brewPrefix, "bin"), { recursive: true });
    fs.symlinkSync(path.join(stubsDir, "brew"), path.join(brewPrefix, "bin", "brew"));
    fs.symlinkSync(path.join(fixturesDir, "macos", "osascript"), path.join(m.bin, "osascript"));
    return {
        m,
        env: {
            STUB_UNAME_S: "Darwin",
            STUB_UNAME_M_FILE: path.join(fixturesDir, "macos", `uname-m-${arch}`),
            STUB_SW_VERS: path.join(fixturesDir, "macos", "sw_vers-14-arm64"),
            STUB_BREW_PREFIX: brewPrefix,
            STUB_ANSWERING: privateEndpoint,
            STUB_NODE: process.execPath,
            STUB_JXA: path.join(fixturesDir, "macos", "jxa.cjs"),
            SUDO_USER: "alice",
            // The launchctl stub runs a daemon at bootstrap, the agent's too: whatever it sends
            // to the hub's tunnel address goes to a closed port on loopback instead.
            http_proxy: "http://127.0.0.1:9",
        },
    };
}

/** The strings of a plist <array> after KEY, and single <string> values by key. */
function plistStrings(xml: string, key: string): string[] {
    const m = new RegExp(`<key>${key}</key>\\s*<array>([\\s\\S]*?)</array>`).exec(xml);
    return m ? [...m[1]!.matchAll(/<string>([^<]*)<\/string>/g)].map(x => x[1]!) : [];
}

/** Index of the first call for which TEST is true. */
function callIndex(r: RunResult, test: (call: string[]) => boolean): number {
    return r.calls.findIndex(test);
}

const isBrewInstall = (c: string[]) => c[0] === "sudo" && c.includes("install") && c.includes("wireguard-tools");
// register_json asks hostname for the name it sends: the registration request follows.
const isRegistration = (c: string[]) => c[0] === "hostname";

describe("macOS install script against a real hub", function () {
    let eh: EnrollmentHub;
    const machines: SpokeMachine[] = [];

    before(async () => {
        eh = await startEnrollmentHub();
    });
    after(async () => {
        await eh?.stop();
        for (const m of machines) m.cleanup();
    });

    for (const [prefix, arch] of [["opt/homebrew", "arm64"], ["usr/local", "x86_64"]] as const) {
        it(`Homebrew in /${prefix} (${arch}): installs wireguard-tools as the user, writes the conf and the launchd daemon`, async () => {
            const t = await eh.token(`mac-${arch}`);
            const { m, env } = mac(prefix, arch);
            machines.push(m);
            const r = await m.runScript(await t.script("macos"), [], env);
            assert.equal(r.code, 0, explain(r));

            const brewPrefix = m.path(prefix);
            assert.deepEqual(callsOf(r, "sudo").find(c => c.includes("install"))?.slice(1), ["-u", "alice", "-H", path.join(brewPrefix, "bin", "brew"), "install", "wireguard-tools"],
                "Homebrew runs as the user who called sudo");
            // In root's own folders: Homebrew's prefix belongs to a user, who could otherwise
            // read the key or swap what the daemon runs as root at boot.
            const conf = m.path("etc/wireguard/wg0.conf");
            const tools = m.path("Library/Application Support/WireGuardHub/bin");
            assert.equal(fs.statSync(conf).mode & 0o777, 0o600);
            const confText = fs.readFileSync(conf, "utf8");
            assert.match(confText, /^DNS = 1\.1\.1\.1$/m);

            const plist = m.path("Library/LaunchDaemons/com.wireguard-hub.wg0.plist");
            const xml = fs.readFileSync(plist, "utf8");
            assert.match(xml, /<key>Label<\/key>\s*<string>com\.wireguard-hub\.wg0<\/string>/);
            assert.deepEqual(plistStrings(xml, "ProgramArguments"), [path.join(tools, "bash"), path.join(tools, "wg-quick"), "up", conf]);
            assert.match(xml, /<key>RunAtLoad<\/key>\s*<true\/>/);
            assert.match(xml, new RegExp(`<key>PATH</key>\\s*<string>${tools}:/usr/bin:/bin:/usr/sbin:/sbin</string>`));
            assert.ok(!xml.includes(brewPrefix), "the daemon runs and reads nothing in Homebrew's prefix");
            for (const tool of ["wg", "wg-quick", "wireguard-go", "bash"]) {
                const copy = path.join(tools, tool);
                assert.ok(fs.lstatSync(copy).isFile(), `${tool} is a copy, not a link into the prefix`);
                assert.equal(fs.statSync(copy).mode & 0o777, 0o755);
                assert.ok(callsOf(r, "chown").some(c => c[1] === "0:0" && c[2].startsWith(`${copy}.new.`)), `${tool} given to root before it is put in place`);
            }
            assert.ok(callsOf(r, "chown").some(c => c[1] === "0:0" && c.includes(tools)), "the folder given to root");
            assert.deepEqual(callsOf(r, "launchctl").map(c => c.slice(1)).find(c => c[0] === "bootstrap"), ["bootstrap", "system", plist]);

            // The agent: root's, in /usr/local/sbin, and run every minute by its own daemon with
            // macOS's bash, from a copy in the tools folder (on an Intel Mac /usr/local/sbin is
            // Homebrew's), with the daemon's copies of the tools.
            const agentText = fs.readFileSync(path.join(templatesDir(), "agent", "wireguard-hub-agent.sh"), "utf8");
            const agent = m.path("usr/local/sbin/wireguard-hub-agent");
            const agentCopy = path.join(tools, "wireguard-hub-agent");
            for (const file of [agent, agentCopy]) {
                assert.equal(fs.statSync(file).mode & 0o777, 0o755);
                assert.ok(callsOf(r, "chown").some(c => c[1] === "0:0" && c[2]!.startsWith(`${file}.tmp.`)), `${file} given to root before it is put in place`);
                assert.equal(fs.readFileSync(file, "utf8"), agentText);
            }
            assert.match(m.readFile("etc/wireguard-hub/agent.conf"), new RegExp(`^AGENT_URL=http://10\\.0\\.1\\.1:51823\nWG_IF=wg0\nCONF_FILE=${conf}\n$`));
            const agentPlist = m.path("Library/LaunchDaemons/com.wireguard-hub.agent.plist");
            const agentXml = fs.readFileSync(agentPlist, "utf8");
            assert.equal(fs.statSync(agentPlist).mode & 0o777, 0o644);
            assert.match(agentXml, /<key>Label<\/key>\s*<string>com\.wireguard-hub\.agent<\/string>/);
            assert.deepEqual(plistStrings(agentXml, "ProgramArguments"), ["/bin/bash", agentCopy, "--once"]);
            assert.match(agentXml, /<key>StartInterval<\/key>\s*<integer>60<\/integer>/);
            // With several hubs, a second daemon keeps wireguard-hub-agent --watch running.
            const watchXml = fs.readFileSync(m.path("Library/LaunchDaemons/com.wireguard-hub.agent-watch.plist"), "utf8");
            assert.deepEqual(plistStrings(watchXml, "ProgramArguments"), ["/bin/bash", agentCopy, "--watch"]);
            assert.match(watchXml, /<key>KeepAlive<\/key><true\/>/);
            assert.match(agentXml, new RegExp(`<key>PATH</key>\\s*<string>${tools}:/usr/bin:/bin:/usr/sbin:/sbin</string>`));
            assert.ok(!agentXml.includes(brewPrefix), "the agent's daemon runs nothing in Homebrew's prefix");
            assert.ok(callsOf(r, "launchctl").some(c => c[1] === "bootstrap" && c[2] === "system" && c[3] === agentPlist), "the agent's daemon is loaded");
            assert.match(r.stdout, /agent: \/usr\/local\/sbin\/wireguard-hub-agent, every minute \(launchd daemon com\.wireguard-hub\.agent\)/);
            // Once the endpoint is chosen: the agent's first run (at load) rewrites the conf from what is applied.
            const calls = r.calls.map(c => c.join(" "));
            const lastHandshakeCheck = calls.map(c => c.startsWith("wg show wg0 latest-handshakes")).lastIndexOf(true);
            assert.ok(lastHandshakeCheck > 0 && lastHandshakeCheck < calls.indexOf(`launchctl bootstrap system ${agentPlist}`), "the agent's daemon loads after the endpoint choice");

            const registered = ((await eh.hub.admin("GET", "/api/spoke/list")).body.spokes as Record<string, unknown>[]).find(s => s.id === t.spokeId);
            assert.equal(registered?.os, "macos");
            const privateKey = /^PrivateKey = (.*)$/m.exec(confText)![1]!;
            assert.equal(registered?.publicKey, publicKeyOf(privateKey));

            // The key pair is made by osascript's X25519 and registered before brew install,
            // which wg pubkey then confirms; neither the token nor the private key is in any argv.
            const jxa = callIndex(r, c => c[0] === "osascript");
            assert.ok(jxa >= 0 && jxa < callIndex(r, isRegistration), "osascript worked out the public key before the registration");
            assert.ok(callIndex(r, isRegistration) < callIndex(r, isBrewInstall), "registered before brew install");
            assert.deepEqual(callsOf(r, "osascript")[0]!.slice(1, 4), ["-l", "JavaScript", "-e"]);
            assert.ok(callIndex(r, isBrewInstall) < callIndex(r, c => c[0] === "wg" && c[1] === "pubkey"), "wg pubkey checks the key after the install");
            assert.ok(r.stdout.indexOf("registered as spoke") < r.stdout.indexOf("brew install wireguard-tools"), r.stdout);
            assert.match(r.stdout, /wg pubkey agrees with the public key registered/);
            for (const call of r.calls) {
                assert.ok(!call.join(" ").includes(t.token), `${call[0]} had the token in its arguments`);
                assert.ok(!call.join(" ").includes(privateKey), `${call[0]} had the private key in its arguments`);
            }
            assert.match(r.stdout, /macOS 14\.4\.1 on (arm64|x86_64)/);
            assert.match(r.stdout, /^\[8\/8\] Checking the tunnel$/m);
        });
    }

    it("the exact one-liner (curl … | sudo bash) enrolls the Mac", async () => {
        const t = await eh.token("mac-one-liner");
        const { m, env } = mac("opt/homebrew", "arm64");
        machines.push(m);
        const r = await m.runShell(t.installCommands.macos, env);
        assert.equal(r.code, 0, explain(r));
        assert.ok(m.exists("Library/LaunchDaemons/com.wireguard-hub.wg0.plist"));
        const registered = ((await eh.hub.admin("GET", "/api/spoke/list")).body.spokes as Record<string, unknown>[]).find(s => s.id === t.spokeId);
        assert.equal(registered?.os, "macos");
    });

    it("--uninstall removes both daemons, the agent and the conf", async () => {
        const t = await eh.token("mac-uninstall");
        const { m, env } = mac("opt/homebrew", "arm64");
        machines.push(m);
        const script = await t.script("macos");
        assert.equal((await m.runScript(script, [], env)).code, 0);
        const r = await m.runScript(script, ["--uninstall"], env);
        assert.equal(r.code, 0, explain(r));
        assert.equal(m.exists("Library/LaunchDaemons/com.wireguard-hub.wg0.plist"), false);
        assert.equal(m.exists("etc/wireguard/wg0.conf"), false);
        assert.equal(m.exists("Library/Application Support/WireGuardHub"), false, "the daemon's tools are gone too");
        assert.ok(callsOf(r, "launchctl").some(c => c[1] === "bootout"));
        for (const gone of ["Library/LaunchDaemons/com.wireguard-hub.agent.plist", "usr/local/sbin/wireguard-hub-agent", "etc/wireguard-hub", "var/db/wireguard-hub-agent"])
            assert.equal(m.exists(gone), false, gone);
        assert.ok(callsOf(r, "launchctl").some(c => c[1] === "bootout" && c[3] === m.path("Library/LaunchDaemons/com.wireguard-hub.agent.plist")), "the agent's daemon is unloaded");
        assert.match(r.stdout, /Removed the agent \(wireguard-hub-agent\) and its launchd daemon/);
    });

    it("without a public key from osascript, installs wireguard-tools first and makes the keys with wg", async () => {
        const t = await eh.token("mac-no-jxa");
        const { m, env } = mac("opt/homebrew", "arm64");
        machines.push(m);
        const r = await m.runScript(await t.script("macos"), [], { ...env, STUB_OSASCRIPT: "fail" });
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, /no public key before WireGuard is installed \(osascript missing or failed\): installing it first/);
        assert.ok(callIndex(r, isBrewInstall) < callIndex(r, c => c[0] === "wg" && c[1] === "genkey"), "wg makes the keys once installed");
        assert.ok(callIndex(r, isBrewInstall) < callIndex(r, isRegistration), "the registration follows the install");
        assert.ok(r.stdout.indexOf("Installing WireGuard") < r.stdout.indexOf("Registering with the hub"), r.stdout);
        const registered = ((await eh.hub.admin("GET", "/api/spoke/list")).body.spokes as Record<string, unknown>[]).find(s => s.id === t.spokeId);
        assert.equal(registered?.publicKey, publicKeyOf(/^PrivateKey = (.*)$/m.exec(m.readFile("etc/wireguard/wg0.conf"))![1]!));
        assert.match(r.stdout, /^\[8\/8\] Checking the tunnel$/m);
    });

    it("stops before starting the tunnel when wg pubkey disagrees with the key registered", async () => {
        const t = await eh.token("mac-wrong-key");
        const { m, env } = mac("opt/homebrew", "arm64");
        machines.push(m);
        const wrong = generateKeyPair().publicKey;
        const r = await m.runScript(await t.script("macos"), [], { ...env, STUB_OSASCRIPT: wrong });
        assert.equal(r.code, 1, explain(r));
        assert.ok(r.stderr.includes(`ERROR: the public key registered with the hub (${wrong}) is not the one wg pubkey gives for this spoke's private key`), r.stderr);
        assert.match(r.stderr, /The tunnel was not started\. Ask the hub admin for a re-enroll command for spoke 'mac-wrong-key'/);
        assert.ok(callIndex(r, isBrewInstall) >= 0);
        assert.deepEqual(callsOf(r, "launchctl").filter(c => c[1] === "bootstrap"), [], "no daemon loaded");
        assert.deepEqual(callsOf(r, "wg-quick"), []);
    });

    it("says where to get Homebrew when there is none", async () => {
        const t = await eh.token("mac-no-brew");
        const m = new SpokeMachine({ stubs: ["launchctl", "sw_vers"] });
        machines.push(m);
        const r = await m.runScript(await t.script("macos"), [], { STUB_UNAME_S: "Darwin" });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /Homebrew was not found/);
        assert.match(r.stderr, /https:\/\/brew\.sh/);
    });
});
