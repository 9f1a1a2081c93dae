// Hostile values never run: scripts rendered with quotes, $(), backticks, newlines, % and ;
// in names, DNS, endpoints and routes, and machines reporting such values (os-release,
// hostname, Proxmox cluster names), run with stubbed OS tools against a real hub. A canary
// file that any injected command would create must never appear.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { renderInstallScript, type Platform, type ScriptContext } from "../../backend/scripts/render";
import { startEnrollmentHub, type EnrollmentHub } from "./enrollmentHub";
import { canaryPayloads, hostileContext } from "./scriptContexts";
import { fixturesDir, SpokeMachine, stubsDir, type RunResult } from "./spokeMachine";

function explain(r: RunResult): string {
    return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

describe("hostile values in install scripts never run", function () {
    let eh: EnrollmentHub;
    const machines: SpokeMachine[] = [];

    before(async () => {
        eh = await startEnrollmentHub();
    });
    after(async () => {
        await eh?.stop();
        for (const m of machines) m.cleanup();
    });

    function newMachine(platform: Platform): { m: SpokeMachine; env: Record<string, string>; canary: string } {
        const m = new SpokeMachine({
            systemd: true, wireguardInstalled: platform !== "macos",
            stubs: platform === "macos" ? ["launchctl", "sw_vers", "sudo"] : platform === "proxmox" ? ["pveversion", "pvecm", "resolvconf"] : ["resolvconf"],
        });
        machines.push(m);
        const env: Record<string, string> = { WGHUB_OS_RELEASE: path.join(fixturesDir, "os-release", "debian-12") };
        if (platform === "proxmox") {
            const dir = path.join(m.dir, "proxmox");
            fs.cpSync(path.join(fixturesDir, "proxmox", "cluster3"), dir, { recursive: true });
            env.STUB_PROXMOX = dir;
            env.STUB_HOSTNAME = "pve1";
        }
        if (platform === "macos") {
            const prefix = m.path("opt/homebrew");
            fs.mkdirSync(path.join(prefix, "bin"), { recursive: true });
            fs.symlinkSync(path.join(stubsDir, "brew"), path.join(prefix, "bin", "brew"));
            Object.assign(env, {
                STUB_UNAME_S: "Darwin", STUB_BREW_PREFIX: prefix, SUDO_USER: "alice",
                STUB_SW_VERS: path.join(fixturesDir, "macos", "sw_vers-14-arm64"),
            });
        }
        return { m, env, canary: path.join(m.dir, "canary") };
    }

    async function hostileScript(platform: Platform, canary: string, index: number, name: string): Promise<{ body: string; ctx: ScriptContext }> {
        const t = await eh.token(name);
        await t.script(platform);
        const ctx = { ...hostileContext(canary, index), token: t.token, hubUrl: eh.hub.publicUrl, pin: eh.pin };
        return { body: renderInstallScript(platform, ctx).body, ctx };
    }

    for (const platform of ["linux", "proxmox", "macos"] as const) {
        canaryPayloads("CANARY").forEach((payload, i) => {
            it(`${platform}: ${JSON.stringify(payload)} in the name, DNS, endpoints, routes and hub address`, async () => {
                const { m, env, canary } = newMachine(platform);
                const { body, ctx } = await hostileScript(platform, canary, i, `hostile-${platform}-${i}`);
                const r = await m.runScript(body, [], { ...env, STUB_ANSWERING: ctx.privateEndpoint! });
                assert.equal(fs.existsSync(canary), false, `the canary was created\n${explain(r)}`);
                assert.equal(r.code, 0, explain(r));
                const confPath = "etc/wireguard/wg0.conf";
                const conf = m.readFile(confPath);
                // The values arrive literally, each on its own line.
                assert.ok(conf.includes(`\nDNS = ${ctx.dns.join(", ")}\n`), conf);
                assert.ok(conf.includes(`\nEndpoint = ${ctx.privateEndpoint}\n`), conf);
                assert.ok(conf.includes(`\nAllowedIPs = ${ctx.allowedIPs.join(", ")}\n`), conf);
                assert.equal(conf.split("\n")[0]!.startsWith("# Managed by wireguard-hub (spoke web-"), true, "the name is flattened in the comment line");
                assert.ok(r.stdout.includes(`Done: this machine is spoke '${ctx.spokeName}'`), "the name is printed as it is");
            });
        });
    }

    it("os-release values with quotes and $() are read as text, and reach the hub as text", async () => {
        const { m, env, canary } = newMachine("linux");
        const osRelease = m.writeFile("etc/os-release", [
            `NAME="Hostile$(touch ${canary})"`,
            `ID="ubuntu\`touch ${canary}\`"`,
            `ID_LIKE='debian'`,
            `VERSION_ID="22.04'; touch ${canary}; '"`,
            `PRETTY_NAME="x\\"; touch ${canary}; %s"`,
            "",
        ].join("\n"));
        const t = await eh.token("hostile-os-release");
        const r = await m.runScript(await t.script("linux"), [], { ...env, WGHUB_OS_RELEASE: osRelease, STUB_ANSWERING: "192.168.1.15:51820" });
        assert.equal(fs.existsSync(canary), false);
        assert.equal(r.code, 0, explain(r));
        assert.ok(r.calls.some(c => c[0] === "apt-get" || c[0] === "wg"), "went on as a Debian-like system");
        assert.ok(r.stdout.includes(`system: x\\"; touch ${canary}; %s`), r.stdout);
    });

    it("a hostile cluster name from pvecm is sent as text and stored as it is", async () => {
        const { m, env, canary } = newMachine("proxmox");
        const clusterName = `lab'"$(touch ${canary.slice(-30)})\`x\`;%s`;
        const status = fs.readFileSync(path.join(env.STUB_PROXMOX!, "pvecm-status"), "utf8").replace("lab-cluster", clusterName);
        fs.writeFileSync(path.join(env.STUB_PROXMOX!, "pvecm-status"), status);
        const t = await eh.token("hostile-cluster");
        const r = await m.runScript(await t.script("proxmox"), [], { ...env, STUB_ANSWERING: "192.168.1.15:51820" });
        assert.equal(fs.existsSync(canary), false);
        assert.equal(r.code, 0, explain(r));
        const clusters = (await eh.hub.admin("GET", "/api/proxmox/clusters")).body.clusters as { clusterName: string; nodeCount: number }[];
        assert.ok(clusters.some(c => c.clusterName === clusterName), JSON.stringify(clusters));
    });

    it("a hostname the hub refuses ends in a readable error, and nothing runs", async () => {
        const { m, env, canary } = newMachine("linux");
        const t = await eh.token("hostile-hostname");
        const r = await m.runScript(await t.script("linux"), [], { ...env, STUB_HOSTNAME: `h$(touch ${canary})` });
        assert.equal(fs.existsSync(canary), false);
        assert.equal(r.code, 1, explain(r));
        assert.match(r.stderr, /ERROR: the hub refused the registration \(HTTP 400\): /);
        assert.equal(m.exists("etc/wireguard/wg0.conf"), false);
    });
});
