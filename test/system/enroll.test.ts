// Enrollment for real: the hub service (wireguard-go) in its namespace, and in a spoke
// namespace the exact one-liner from the token answer: curl with the pinned key, the
// install script, wg-quick, a handshake and a ping. A private endpoint that does not answer
// falls back to the public one; an impostor with another certificate gets nothing.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { createLab, waitFor, type Host, type Lab } from "../support/netns";
import type { RunningHub } from "../support/hub";
import { startLabHub, type LabHub } from "./labHub";
import { hubPeers, ping } from "./wgSpoke";

const network = "10.0.1.0/24";
const hubTunnelAddress = "10.0.1.1";

describe("enrollment in network namespaces with the real one-liner", function () {
    this.timeout(180_000);
    let lab: Lab;
    let labHub: LabHub;
    let hub: RunningHub;
    let publicEndpoint: string;

    before(async () => {
        lab = await createLab({ spokes: 3, subnet: 41 });
        publicEndpoint = `${lab.hub.lanAddress}:51820`;
        labHub = await startLabHub(lab, { networkCIDR: network, networkCIDRv6: "fd00:1::/64", dns: ["10.0.1.53"] });
        hub = labHub.hub;
    });

    after(async () => {
        await labHub?.stop();
        await lab?.destroy();
    });

    async function installCommand(spokeName: string): Promise<{ command: string; token: string }> {
        const answer = await hub.admin("POST", "/api/installation/token", { spokeName });
        assert.equal(answer.status, 201, answer.text);
        return { command: answer.body.token.installCommands.linux, token: answer.body.token.token };
    }

    const paste = (host: Host, command: string) => labHub.paste(host, command);

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
