// Enrollment for real: the hub service (wireguard-go) in its namespace, and in a spoke
// namespace the exact one-liner from the token answer: curl with the pinned key, the
// install script, wg-quick, a handshake and a ping. A private endpoint that does not answer
// falls back to the public one; an impostor with another certificate gets nothing.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { createLab, waitFor, type Host, type Lab } from "../support/netns";
import { startHub, type RunningHub } from "../support/hub";
import { hubPeers, ping } from "./wgSpoke";

const network = "10.0.1.0/24";
const hubTunnelAddress = "10.0.1.1";

describe("enrollment in network namespaces with the real one-liner", function () {
    this.timeout(180_000);
    let lab: Lab;
    let hub: RunningHub;
    let shims: string;
    let publicEndpoint: string;

    before(async () => {
        lab = await createLab({ spokes: 3, subnet: 41 });
        // Ubuntu and Debian desktops have sudo; this machine has none, and runs as root.
        shims = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-enroll-shims-"));
        fs.writeFileSync(path.join(shims, "sudo"), '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
        const lan = lab.hub.lanAddress;
        publicEndpoint = `${lan}:51820`;
        hub = await startHub({
            netns: lab.hub.ns,
            env: {
                WGHUB_WG_MODE: "userspace",
                WGHUB_INTERFACE: lab.hubInterface,
                WGHUB_PUBLIC_LISTEN: `${lan}:51821`,
                WGHUB_PUBLIC_URL: `https://${lan}:51821`,
                WGHUB_RECONCILE_SCHEDULE: "*/5 * * * * *",
            },
        });
        const init = await hub.admin("POST", "/api/hub/initialize", {
            networkCIDR: network, networkCIDRv6: "fd00:1::/64", listenPort: 51820, publicEndpoint, dns: ["10.0.1.53"],
        });
        assert.equal(init.status, 201, init.text);
        await waitFor("the hub's WireGuard interface", async () => (await lab.hub.exec("wg", ["show", lab.hubInterface])).code === 0, 15_000);
    });

    after(async () => {
        await hub?.stop();
        await lab?.destroy();
        if (hub) fs.rmSync(hub.dataDir, { recursive: true, force: true });
        if (shims) fs.rmSync(shims, { recursive: true, force: true });
    });

    async function installCommand(spokeName: string): Promise<{ command: string; token: string }> {
        const answer = await hub.admin("POST", "/api/installation/token", { spokeName });
        assert.equal(answer.status, 201, answer.text);
        return { command: answer.body.token.installCommands.linux, token: answer.body.token.token };
    }

    /** Pastes COMMAND into a root shell on HOST (with a sudo that just runs the command). */
    function paste(host: Host, command: string) {
        return host.exec("sh", ["-c", `PATH=${shims}:$PATH; ${command}`], { timeoutMs: 120_000 });
    }

    async function spokeKey(host: Host): Promise<string> {
        return (await host.run("wg", ["show", "wg0", "public-key"])).trim();
    }

    it("brings a spoke up (dual stack) with a handshake and a ping to the hub", async () => {
        const { command, token } = await installCommand("ns-spoke-1");
        const spoke = lab.spokes[0]!;
        const r = await paste(spoke, command);
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token), "the token is never printed");
        assert.match(r.stdout, /handshake with the hub over 10\.200\.41\.1:51820/);
        assert.match(r.stdout, /check {5}: the hub answers at 10\.0\.1\.1/);
        const key = await spokeKey(spoke);
        const peer = (await hubPeers(lab.hub, lab.hubInterface)).get(key);
        assert.ok(peer && peer.latestHandshake > 0, "the hub has a handshake with the spoke");
        assert.ok(await ping(spoke, hubTunnelAddress, 3), "ping over the tunnel");
        assert.ok(await ping(spoke, "fd00:1::1", 3), "ping over the tunnel, IPv6");
        const conf = await spoke.run("cat", ["/etc/wireguard/wg0.conf"]);
        assert.match(conf, /^Address = 10\.0\.1\.\d+\/24, fd00:1::[0-9a-f]+\/64$/m);
        assert.match(conf, /^DNS = 10\.0\.1\.53$/m);
        assert.equal((await spoke.run("stat", ["-c", "%a", "/etc/wireguard/wg0.conf"])).trim(), "600");
    });

    it("falls back to the public endpoint when the private one does not answer", async () => {
        // An address of the lab's hub on a port where nothing listens.
        const silent = `${lab.hub.lanAddress}:51899`;
        const put = await hub.admin("PUT", "/api/hub/config", { privateEndpoint: silent });
        assert.equal(put.status, 200, put.text);
        try {
            const { command } = await installCommand("ns-spoke-2");
            const spoke = lab.spokes[1]!;
            const started = Date.now();
            const r = await paste(spoke, command);
            assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
            console.log(`      (the fallback took ${Date.now() - started} ms)`);
            assert.match(r.stdout, new RegExp(`no handshake over the private endpoint ${silent.replace(/\./g, "\\.")} within \\d+s: switching to the public endpoint ${publicEndpoint.replace(/\./g, "\\.")}`));
            const dump = await spoke.run("wg", ["show", "wg0", "endpoints"]);
            assert.ok(dump.includes(publicEndpoint), dump);
            assert.match(await spoke.run("cat", ["/etc/wireguard/wg0.conf"]), new RegExp(`^Endpoint = ${publicEndpoint.replace(/\./g, "\\.")}$`, "m"));
            assert.ok(await ping(spoke, hubTunnelAddress, 3), "ping over the tunnel");
        } finally {
            await hub.admin("PUT", "/api/hub/config", { privateEndpoint: null });
        }
    });

    it("stops before sending the token when another server (another certificate) answers at the hub's address", async () => {
        const { command, token } = await installCommand("ns-spoke-3");
        await hub.stop();
        let impostor: ChildProcess | null = null;
        try {
            impostor = lab.hub.spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "scripts", "impostorMain.ts"), lab.hub.lanAddress, "51821"], { cwd: path.join(__dirname, "..", "..") });
            const lines: string[] = [];
            readline.createInterface({ input: impostor.stdout! }).on("line", l => lines.push(l));
            await waitFor("the impostor to listen", async () => lines.some(l => l.includes("listening")), 20_000);
            const spoke = lab.spokes[2]!;
            const r = await paste(spoke, command);
            // The pipe's status is bash's, which got no input: curl's message is what shows.
            assert.match(r.stderr, /curl: \(90\) SSL: public key does not match pinned public key/);
            assert.deepEqual(lines.filter(l => l.includes('"request"')), [], "no request reached the impostor");
            assert.ok(!lines.join("\n").includes(token));
            assert.equal((await spoke.exec("test", ["-e", "/etc/wireguard/wg0.conf"])).code, 1, "nothing was installed");
        } finally {
            impostor?.kill("SIGTERM");
        }
    });
});
