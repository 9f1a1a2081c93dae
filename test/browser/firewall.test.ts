// Where firewalld runs, the hub card checks the ports spokes need and offers to open them (now
// and permanently) or to go to Cockpit's firewall page. firewalld itself needs NetworkManager,
// polkit and a system bus this test machine does not run, so the bridge finds a firewall-cmd
// (test/browser/stubs) that keeps its zones in files and answers as firewall-cmd does.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { shoot } from "./shots";
import { usePageWorld } from "./world";

const stubs = path.resolve(__dirname, "stubs");

/** A --local-session command whose PATH finds firewall-cmd in the stubs directory. */
function bridgeWithFirewalld(dir: string): string {
    const script = path.join(dir, "bridge");
    fs.writeFileSync(script, ["#!/bin/sh", `export PATH=${stubs}:$PATH FIREWALLD_STUB_DIR=${dir}`, "exec /usr/bin/cockpit-bridge", ""].join("\n"), { mode: 0o755 });
    return script;
}

describe("browser: the ports spokes need, in firewalld", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-firewalld-"));
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(path.join(dir, "stopped"), "");
    const world = usePageWorld({
        init: { networkCIDR: "10.63.0.0/24", publicEndpoint: "hub.example.test:51820" },
        bridge: () => bridgeWithFirewalld(dir),
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const zone = (name: string) => fs.readFileSync(path.join(dir, name), "utf8").split("\n").filter(Boolean).sort();

    it("says nothing about firewalld where it does not run", async () => {
        const { frame } = world;
        await frame.locator("#hub-ports").waitFor();
        await frame.locator("#hub-card").waitFor();
        // The check ran (firewall-cmd --state was asked) and found it stopped.
        await waitForCall("--state");
        assert.equal(await frame.locator("#hub-firewall-closed, #hub-firewall-open").count(), 0);
    });

    it("names the blocked ports, opens them now and permanently, as administrator, then shows them open", async () => {
        const { frame, page, hub } = world;
        fs.rmSync(path.join(dir, "stopped"));
        await page.reload();
        const alert = frame.locator("#hub-firewall-closed");
        await alert.waitFor({ timeout: 20_000 });
        const enrollPort = new URL(hub.publicUrl).port;
        assert.match((await alert.textContent())!, new RegExp(`firewalld blocks 51820/udp, ${enrollPort}/tcp`));
        assert.ok(await frame.locator("#hub-firewall-settings").isVisible(), "a way to Cockpit's own firewall page");
        await shoot(page, frame, "firewall-closed", "#hub-card");
        await frame.locator("#hub-firewall-open-ports").click();
        await frame.locator("#hub-firewall-open").waitFor({ timeout: 20_000 });
        assert.equal(await alert.count(), 0);
        assert.deepEqual(zone("runtime"), [`${enrollPort}/tcp`, "51820/udp"].sort());
        assert.deepEqual(zone("permanent"), [`${enrollPort}/tcp`, "51820/udp"].sort());
        const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").split("\n").filter(Boolean);
        assert.ok(calls.every(c => c.startsWith("uid=0 ")), calls.join("\n"));
        assert.ok(calls.some(c => c.includes("--permanent --add-port=51820/udp")), calls.join("\n"));
    });

    it("reports no script errors", () => {
        assert.deepEqual(world.scriptErrors, []);
    });

    async function waitForCall(arg: string): Promise<void> {
        const file = path.join(dir, "calls");
        for (let i = 0; i < 200; i++) {
            if (fs.existsSync(file) && fs.readFileSync(file, "utf8").includes(arg)) return;
            await new Promise(resolve => setTimeout(resolve, 100));
        }
        throw new Error(`firewall-cmd ${arg} was never run`);
    }
});
