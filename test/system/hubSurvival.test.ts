// A hub that survives its machine: hub A (wireguard-go in the lab's hub namespace) with two
// live spokes enrolled by the real one-liner; a backup; A destroyed (process, interface, data
// directory); hub B started fresh at the same address and given the backup. Nothing is done on
// the spokes, yet they ping the hub again, and an install command made on A enrolls on B.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { createLab, waitFor, type Host, type Lab } from "../support/netns";
import { root } from "../support/hub";
import { startLabHub, type LabHub } from "./labHub";
import { ping } from "./wgSpoke";

const network = "10.0.9.0/24";
const hubTunnelAddress = "10.0.9.1";
const cliJs = path.join(root, "dist", "backend", "cli.js");

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise(resolve => execFile(process.execPath, [cliJs, ...args], { timeout: 120_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr })));
}

describe("system: a hub that survives its machine (backup, loss, restore)", function () {
    this.timeout(300_000);
    let lab: Lab;
    let hubA: LabHub | null = null;
    let hubB: LabHub | null = null;
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-survival-"));

    before(async () => {
        lab = await createLab({ spokes: 3, subnet: 49 });
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed")
            for (const h of [hubA, hubB]) if (h) console.log(`      hub output (last lines):\n${h.hub.output().split("\n").slice(-30).join("\n")}`);
    });

    after(async () => {
        await hubB?.stop();
        await hubA?.stop();
        await lab?.destroy();
        fs.rmSync(workDir, { recursive: true, force: true });
    });

    const [spokeA, spokeB, spokeC] = [0, 1, 2].map(i => () => lab.spokes[i]!);

    async function enroll(labHub: LabHub, host: Host, command: string): Promise<void> {
        const r = await labHub.paste(host, command);
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    }

    it("restores on a new machine: both spokes ping the hub again without being touched; a command made on A enrolls on B", async () => {
        hubA = await startLabHub(lab, { networkCIDR: network });
        const a = hubA.hub;
        const commands: string[] = [];
        for (const name of ["survivor-1", "survivor-2", "after-the-loss"]) {
            const token = await a.admin("POST", "/api/installation/token", { spokeName: name });
            assert.equal(token.status, 201, token.text);
            commands.push(token.body.token.installCommands.linux);
        }
        await enroll(hubA, spokeA(), commands[0]);
        await enroll(hubA, spokeB(), commands[1]);
        for (const host of [spokeA(), spokeB()])
            await waitFor(`${host.ns} to ping hub A`, async () => ping(host, hubTunnelAddress), 30_000, 200);
        const keyA = fs.readFileSync(path.join(a.dataDir, "hub.key"), "utf8");

        const backupFile = path.join(workDir, "hub-a.backup");
        const passFile = path.join(workDir, "pass");
        fs.writeFileSync(passFile, "a long enough passphrase\n", { mode: 0o600 });
        const made = await cli(["--socket", a.socket, "backup", backupFile, "--passphrase-file", passFile]);
        assert.equal(made.code, 0, made.stderr);

        // The machine is lost: its process, its WireGuard interface, its disk.
        a.kill9();
        await a.exited;
        await lab.hub.exec("ip", ["link", "del", lab.hubInterface]);
        await waitFor("hub A's interface to be gone", async () => (await lab.hub.exec("ip", ["link", "show", lab.hubInterface])).code !== 0, 10_000);
        fs.rmSync(a.dataDir, { recursive: true, force: true });
        assert.equal(await ping(spokeA(), hubTunnelAddress, 1, 1), false, "nothing answers for the hub now");

        hubB = await startLabHub(lab, null);
        const b = hubB.hub;
        const restored = await cli(["--socket", b.socket, "restore", backupFile, "--passphrase-file", passFile]);
        assert.equal(restored.code, 0, restored.stderr);
        assert.match(restored.stdout, /2 spoke\(s\), 1 pending token\(s\)/);
        assert.equal(fs.readFileSync(path.join(b.dataDir, "hub.key"), "utf8"), keyA);

        // Nothing is done on the spokes: they find the hub again by themselves.
        const started = Date.now();
        for (const host of [spokeA(), spokeB()])
            await waitFor(`${host.ns} to ping hub B`, async () => ping(host, hubTunnelAddress), 30_000, 200);
        console.log(`      both spokes ping hub B ${((Date.now() - started) / 1000).toFixed(1)} s after the restore`);

        // An install command handed out by A (its token, its TLS pin) enrolls on B.
        await enroll(hubB, spokeC(), commands[2]);
        await waitFor("the spoke enrolled on B to ping it", async () => ping(spokeC(), hubTunnelAddress), 30_000, 200);
        const list = await b.admin("GET", "/api/spoke/list");
        assert.deepEqual((list.body.spokes as any[]).map(s => s.name).sort(), ["after-the-loss", "survivor-1", "survivor-2"]);
    });
});
