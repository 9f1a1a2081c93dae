// Managed spokes for real: two spokes enrolled in their namespaces with the exact one-liner,
// each with the agent it installs, talking to the hub service (wireguard-go) through its
// tunnel. A DNS change, a routed subnet behind one spoke that the other then reaches, a rename
// while the agent polls without pause, a key rotation, an uninstall; the agent API closed to
// anyone outside the tunnel and to another spoke's key.
import assert from "node:assert/strict";
import { createLab, waitFor, type Host, type Lab } from "../support/netns";
import type { RunningHub } from "../support/hub";
import { startLabHub, type LabHub } from "./labHub";
import { hubPeers, ping } from "./wgSpoke";

const network = "10.0.5.0/24";
const hubTunnelAddress = "10.0.5.1";
const agentPort = 51823;
const agentFiles = ["/usr/local/sbin/wireguard-hub-agent", "/etc/wireguard-hub/agent.conf"];

describe("system: managed spokes (the agent, through the tunnel)", function () {
    this.timeout(240_000);
    let lab: Lab;
    let labHub: LabHub;
    let hub: RunningHub;
    const enrolled = new Map<Host, { id: string }>();

    before(async () => {
        // Each spoke keeps its agent, its settings and its state to itself (spokePrivateDirs).
        lab = await createLab({ spokes: 3, subnet: 47 });
        labHub = await startLabHub(lab, { networkCIDR: network, dns: ["10.0.5.53"] });
        hub = labHub.hub;
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed" && hub) console.log(`      hub output (last lines):\n${hub.output().split("\n").slice(-30).join("\n")}`);
    });

    after(async () => {
        await labHub?.stop();
        await lab?.destroy();
    });

    const [spokeA, spokeB, outsider] = [0, 1, 2].map(i => () => lab.spokes[i]!);

    function agent(host: Host) {
        return host.exec("/usr/local/sbin/wireguard-hub-agent", ["--once"], { timeoutMs: 60_000 });
    }

    async function listed(id: string): Promise<any> {
        const list = await hub.admin("GET", "/api/spoke/list");
        return (list.body.spokes as any[]).find(s => s.id === id);
    }

    async function enroll(host: Host, name: string): Promise<string> {
        const token = await hub.admin("POST", "/api/installation/token", { spokeName: name });
        assert.equal(token.status, 201, token.text);
        const r = await labHub.paste(host, token.body.token.installCommands.linux);
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.stderr, /the agent that keeps this spoke current is installed but not scheduled/);
        enrolled.set(host, { id: token.body.token.spokeId });
        return token.body.token.spokeId;
    }

    it("the one-liner installs the agent; its first cycle finds the spoke current and reports", async () => {
        for (const [host, name] of [[spokeA(), "managed-a"], [spokeB(), "managed-b"]] as const) {
            const id = await enroll(host, name);
            for (const file of agentFiles) assert.equal((await host.exec("test", ["-f", file])).code, 0, `${file} on ${name}`);
            // The agent API listens once the hub's interface has its address.
            const r = await waitFor(`${name}'s agent to reach the hub`, async () => {
                const run = await agent(host);
                return run.code === 0 ? run : null;
            }, 30_000, 1_000);
            assert.match(r.stdout, /current \(revision [0-9a-f]{16}\)/, r.stdout);
            const shown = await listed(id);
            assert.equal(shown.agent?.version, "1.0.0");
            assert.equal(shown.agent?.lastResult, "current");
            assert.match(shown.agent?.revision ?? "", /^[0-9a-f]{16}$/);
        }
    });

    it("a DNS change on the hub reaches the spoke at its next cycle, without dropping the tunnel", async () => {
        const a = spokeA();
        const handshakesBefore = (await a.run("wg", ["show", "wg0", "latest-handshakes"])).trim();
        assert.equal((await listed(enrolled.get(a)!.id)).agent?.behind, false);
        assert.equal((await hub.admin("PUT", "/api/hub/config", { dns: ["10.0.5.54"] })).status, 200);
        assert.equal((await listed(enrolled.get(a)!.id)).agent?.behind, true, "the list shows the agent behind until its next cycle");
        const r = await agent(a);
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, /DNS: 10\.0\.5\.54/);
        assert.equal((await listed(enrolled.get(a)!.id)).agent?.behind, false, "current again once it has applied and reported");
        const conf = await a.run("cat", ["/etc/wireguard/wg0.conf"]);
        assert.match(conf, /^DNS = 10\.0\.5\.54$/m);
        assert.equal((await a.run("stat", ["-c", "%a", "/etc/wireguard/wg0.conf"])).trim(), "600");
        assert.equal((await a.run("wg", ["show", "wg0", "latest-handshakes"])).trim(), handshakesBefore, "the same session: the tunnel never went down");
        assert.ok(await ping(a, hubTunnelAddress, 2));
        assert.match((await agent(a)).stdout, /^current \(revision [0-9a-f]{16}, unchanged on the hub\)$/m, "the next cycle asks with its revision and gets a 304");
    });

    it("a subnet routed behind spoke B is reached from spoke A once A's agent has run", async () => {
        const a = spokeA(), b = spokeB();
        // An address of the network behind B (on its loopback: this kernel may lack dummy links).
        await b.run("ip", ["address", "add", "192.168.77.1/32", "dev", "lo"]);
        const put = await hub.admin("PUT", `/api/spoke/${enrolled.get(b)!.id}`, { subnets: ["192.168.77.0/24"] });
        assert.equal(put.status, 200, put.text);
        await waitFor("the hub routing the subnet to B", async () =>
            [...(await hubPeers(lab.hub, lab.hubInterface)).values()].some(p => p.allowedIPs.includes("192.168.77.0/24")), 15_000, 200);
        assert.equal(await ping(a, "192.168.77.1", 1, 1), false, "A has no route to it yet");
        const r = await agent(a);
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, /routes: .*192\.168\.77\.0\/24/);
        assert.match(await a.run("cat", ["/etc/wireguard/wg0.conf"]), /^AllowedIPs = .*192\.168\.77\.0\/24/m);
        assert.ok(await ping(a, "192.168.77.1", 3), "A reaches the network behind B through the hub");
    });

    it("answers nobody outside the tunnel, and no spoke with another spoke's key", async () => {
        const a = spokeA(), b = spokeB(), out = outsider();
        const bKey = (await b.run("wg", ["show", "wg0", "public-key"])).trim();
        const asB = await a.exec("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", `X-WireGuard-Public-Key: ${bKey}`,
            `http://${hubTunnelAddress}:${agentPort}/agent/v1/config`]);
        assert.equal(asB.stdout, "403", "A asking with B's key gets nothing");
        const body = await a.exec("curl", ["-sS", "-H", `X-WireGuard-Public-Key: ${bKey}`, `http://${hubTunnelAddress}:${agentPort}/agent/v1/config`]);
        assert.doesNotMatch(body.stdout, /revision=|address=/);
        // A host of the hub's LAN, routing to the tunnel address: cut before any HTTP.
        await out.run("ip", ["route", "add", `${hubTunnelAddress}/32`, "via", lab.hub.lanAddress]);
        const outside = await out.exec("curl", ["-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}",
            `http://${hubTunnelAddress}:${agentPort}/agent/v1/config`]);
        assert.notEqual(outside.code, 0, `from outside the tunnel: ${outside.stdout} ${outside.stderr}`);
        assert.equal(outside.stdout, "000");
    });

    it("a rename reaches A's agent while A polls without pause: no poll begun after the answer keeps the old revision", async () => {
        const a = spokeA();
        const { id } = enrolled.get(a)!;
        const key = (await a.run("wg", ["show", "wg0", "public-key"])).trim();
        // One poll as the agent makes it, with the revision it has: status, ETag and the name it was given.
        const poll = async (revision: string) => {
            const r = await a.exec("curl", ["-sS", "-D", "-", "-H", `X-WireGuard-Public-Key: ${key}`, "-H", `If-None-Match: "${revision}"`,
                `http://${hubTunnelAddress}:${agentPort}/agent/v1/config`]);
            assert.equal(r.code, 0, r.stderr);
            return {
                status: Number(/^HTTP\/1\.1 (\d{3})/.exec(r.stdout)?.[1]),
                etag: /^etag: "([^"]+)"/im.exec(r.stdout)?.[1] ?? null,
                name: /^name=(.*)$/m.exec(r.stdout)?.[1] ?? null,
            };
        };
        const before = await poll("none");
        assert.equal(before.status, 200);
        assert.ok(before.etag);
        assert.equal((await poll(before.etag)).status, 304, "a current agent is answered 304");

        let renamedAt: number | null = null;
        const after: Awaited<ReturnType<typeof poll>>[] = [];
        const pollers = Array.from({ length: 4 }, async () => {
            // Each keeps polling with the old revision until it has made three polls begun after the rename's answer.
            let afterRename = 0;
            while (afterRename < 3) {
                const begun = Date.now();
                const answer = await poll(before.etag!);
                if (renamedAt !== null && begun >= renamedAt) {
                    after.push(answer);
                    afterRename++;
                }
            }
        });
        const put = await hub.admin("PUT", `/api/spoke/${id}`, { name: "spoke-a-renamed" });
        assert.equal(put.status, 200, put.text);
        renamedAt = Date.now();
        await Promise.all(pollers);

        assert.equal(after.length, 12);
        for (const answer of after) {
            assert.equal(answer.status, 200, "the old revision is no longer current");
            assert.equal(answer.name, "spoke-a-renamed");
            assert.notEqual(answer.etag, before.etag);
        }
        assert.equal(new Set(after.map(x => x.etag)).size, 1, "every poll after the rename gets the same new revision");
        assert.equal((await poll(after[0]!.etag!)).status, 304);
        const r = await agent(a);
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    });

    it("rotates A's key: made on the spoke, swapped on the hub, and both ping again", async () => {
        const a = spokeA();
        const { id } = enrolled.get(a)!;
        const oldKey = (await a.run("wg", ["show", "wg0", "public-key"])).trim();
        assert.equal((await hub.admin("POST", `/api/spoke/${id}/rotate-key`)).status, 202);
        assert.equal((await listed(id)).pendingAction, "rotate-key");
        const r = await agent(a);
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
        const newKey = (await a.run("wg", ["show", "wg0", "public-key"])).trim();
        assert.notEqual(newKey, oldKey);
        assert.match(r.stdout, new RegExp(`new key pair: ${newKey.replace(/[+/]/g, "\\$&")}`));
        const shown = await listed(id);
        assert.equal(shown.publicKey, newKey, "the hub has the new public key");
        assert.equal(shown.pendingAction, null);
        const conf = await a.run("cat", ["/etc/wireguard/wg0.conf"]);
        const privateKey = /^PrivateKey = (\S+)$/m.exec(conf)![1];
        assert.equal((await a.run("wg", ["pubkey"], { input: privateKey + "\n" })).trim(), newKey, "the conf file holds the new private key");
        await waitFor("the new key on the hub's wg0", async () => {
            const peers = await hubPeers(lab.hub, lab.hubInterface);
            return peers.has(newKey) && !peers.has(oldKey);
        }, 15_000, 100);
        await waitFor("A pinging the hub with its new key", () => ping(a, hubTunnelAddress, 1, 1), 20_000, 200);
        assert.ok(await ping(lab.hub, (await listed(id)).address, 2), "the hub reaches A");
        assert.match((await agent(a)).stdout, /current/);
    });

    it("uninstalls B: the spoke leaves no trace, and the hub forgets it", async () => {
        const b = spokeB();
        const { id } = enrolled.get(b)!;
        const key = (await b.run("wg", ["show", "wg0", "public-key"])).trim();
        assert.equal((await hub.admin("POST", `/api/spoke/${id}/uninstall`)).status, 202);
        const r = await agent(b);
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout, /this spoke has left the hub/);
        assert.notEqual((await b.exec("ip", ["link", "show", "dev", "wg0"])).code, 0, "wg0 is gone");
        for (const file of ["/etc/wireguard/wg0.conf", ...agentFiles, "/var/lib/wireguard-hub-agent/revision"])
            assert.notEqual((await b.exec("test", ["-e", file])).code, 0, `${file} is gone`);
        await waitFor("the hub to remove B", async () => (await listed(id)) === undefined, 15_000, 100);
        await waitFor("B's peer off the hub's wg0", async () => !(await hubPeers(lab.hub, lab.hubInterface)).has(key), 15_000, 100);
        const audit = await hub.admin("GET", "/api/audit");
        const actions = (audit.body.events as { action: string; subject: string }[]).filter(e => e.subject === "managed-b").map(e => e.action);
        assert.ok(actions.includes("spoke.uninstall_requested") && actions.includes("spoke.removed"), actions.join(", "));
    });
});
