// Several hubs on one PostgreSQL: a PostgreSQL server, hub A and hub B (each wireguard-go in its
// own namespace) and spokes enrolled by the real one-liner, with their agents watching. Spokes on
// different hubs reach each other through the mesh; hub A dies and its spokes move to B; A comes
// back and nothing moves; PostgreSQL stops for a minute and every tunnel stays up while writes
// answer 503; once it is back, a spoke registered on A is routed by B.
import assert from "node:assert/strict";
import { execFile, type ChildProcess } from "node:child_process";
import { createLab, waitFor, type Host, type Lab } from "../support/netns";
import { startPostgres, type RunningPostgres } from "../support/postgres";
import { startLabHub, type LabHub } from "./labHub";
import { ping } from "./wgSpoke";

const network = "10.0.10.0/24";
const hubAAddress = "10.0.10.1";
const outageMs = 60_000;

/**
 * `wg` in hub B's namespace as its service sees it: the lab's host commands enter the spoke's
 * own mount namespace, whose /run/wireguard hides the socket of the hub's wireguard-go.
 */
function wgInNamespace(ns: string, args: string[]): Promise<{ code: number; stdout: string }> {
    return new Promise(resolve => execFile("ip", ["netns", "exec", ns, "wg", ...args], (err, stdout) =>
        resolve({ code: err ? 1 : 0, stdout })));
}

describe("system: two hubs on one PostgreSQL (mesh, failover, PostgreSQL away)", function () {
    this.timeout(900_000);
    let lab: Lab;
    let pg: RunningPostgres | null = null;
    let hubA: LabHub | null = null;
    let hubB: LabHub | null = null;
    const watchers: ChildProcess[] = [];
    const watchOutput = new Map<string, string>();

    before(async () => {
        lab = await createLab({ spokes: 6, subnet: 51 });
    });

    afterEach(function () {
        if (this.currentTest?.state !== "failed") return;
        for (const h of [hubA, hubB]) if (h) console.log(`      hub output (last lines):\n${h.hub.output().split("\n").slice(-40).join("\n")}`);
        for (const [ns, out] of watchOutput) console.log(`      agent --watch on ${ns}:\n${out.split("\n").slice(-15).join("\n")}`);
    });

    after(async () => {
        for (const w of watchers) w.kill("SIGTERM");
        await hubB?.stop();
        await hubA?.stop();
        await pg?.stop();
        await lab?.destroy();
    });

    const spoke = (i: number) => lab.spokes[i]!;
    const [s1, s2, s3] = [0, 1, 2].map(i => () => spoke(i));
    const pgHost = () => spoke(3);
    const hubBHost = () => spoke(4);
    const s4 = () => spoke(5);
    const hubBInterface = () => `${lab.hubInterface}b`.slice(0, 15);
    const hubEnv = (name: string) => ({ WGHUB_DATABASE_URL: pg!.url, WGHUB_HUB_NAME: name });

    async function enroll(labHub: LabHub, host: Host, command: string): Promise<void> {
        const r = await labHub.paste(host, command);
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    }

    async function token(labHub: LabHub, body: Record<string, unknown>): Promise<string> {
        const answer = await labHub.hub.admin("POST", "/api/installation/token", body);
        assert.equal(answer.status, 201, answer.text);
        return answer.body.token.installCommands.linux;
    }

    async function agentOnce(host: Host): Promise<void> {
        const r = await host.exec("/usr/local/sbin/wireguard-hub-agent", ["--once"], { timeoutMs: 60_000 });
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    }

    async function spokesOf(labHub: LabHub): Promise<Map<string, { address: string; hub: string | null }>> {
        const list = await labHub.hub.admin("GET", "/api/spoke/list");
        return new Map((list.body.spokes as { name: string; address: string; hub: string | null }[]).map(s => [s.name, s]));
    }

    async function hubsSeenBy(labHub: LabHub): Promise<Map<string, boolean>> {
        const list = await labHub.hub.admin("GET", "/api/hub/list");
        return new Map((list.body.hubs as { name: string; healthy: boolean }[]).map(h => [h.name, h.healthy]));
    }

    /** The allowed IPs of the peer with `publicKey` on hub B's interface. */
    async function allowedOnB(publicKey: string): Promise<string[]> {
        const out = await wgInNamespace(hubBHost().ns, ["show", hubBInterface(), "allowed-ips"]);
        const line = out.stdout.split("\n").find(l => l.startsWith(publicKey));
        return line ? line.split(/\s+/).slice(1) : [];
    }

    it("routes spokes of both hubs to each other, moves hub A's spokes to B when A dies, stays there when A returns, and rides out PostgreSQL's absence", async () => {
        pg = await startPostgres({ netns: pgHost().ns, host: pgHost().lanAddress, trustNetwork: `${lab.lanPrefix}.0/24` });
        hubA = await startLabHub(lab, { networkCIDR: network }, "*/5 * * * * *", hubEnv("hub-a"));
        hubB = await startLabHub(lab, null, "*/5 * * * * *", hubEnv("hub-b"), { host: hubBHost(), interfaceName: hubBInterface() });
        const joined = await hubB.hub.admin("POST", "/api/hub/join", { publicEndpoint: `${hubBHost().lanAddress}:51820` });
        assert.equal(joined.status, 201, joined.text);
        const hubBAddress = joined.body.hub.address as string;
        assert.notEqual(hubBAddress, hubAAddress);
        await waitFor("hub B's interface", async () => (await wgInNamespace(hubBHost().ns, ["show", hubBInterface()])).code === 0, 15_000);
        await waitFor("each hub to see the other healthy", async () => {
            const [a, b] = [await hubsSeenBy(hubA!), await hubsSeenBy(hubB!)];
            return a.get("hub-b") && b.get("hub-a");
        }, 30_000, 250);

        // s1 on A, s2 on B (its own one-liner), s3 homed on B by a token made on A.
        const commands = [await token(hubA, { spokeName: "s1" }), await token(hubB, { spokeName: "s2" }), await token(hubA, { spokeName: "s3", hub: "hub-b" })];
        const laterCommand = await token(hubA, { spokeName: "s4" });
        await enroll(hubA, s1(), commands[0]);
        await enroll(hubB, s2(), commands[1]);
        await enroll(hubA, s3(), commands[2]);
        for (const host of [s1(), s2(), s3()]) await agentOnce(host);
        const spokes = await spokesOf(hubA);
        assert.deepEqual(["s1", "s2", "s3"].map(n => spokes.get(n)?.hub), ["hub-a", "hub-b", "hub-b"]);
        assert.deepEqual([...(await spokesOf(hubB)).values()].map(s => s.hub).sort(), ["hub-a", "hub-b", "hub-b"], "hub B lists the same spokes");
        const address = (name: string) => spokes.get(name)!.address;

        // Through the mesh: A's spoke and B's spokes, both ways.
        await waitFor("s1 (on A) to ping s2 (on B)", async () => ping(s1(), address("s2")), 30_000, 200);
        await waitFor("s2 (on B) to ping s1 (on A)", async () => ping(s2(), address("s1")), 30_000, 200);
        await waitFor("s3 (on B, token from A) to ping s1 (on A)", async () => ping(s3(), address("s1")), 30_000, 200);

        for (const host of [s1(), s2(), s3()]) {
            const child = host.spawn("/usr/local/sbin/wireguard-hub-agent", ["--watch"]);
            watchers.push(child);
            watchOutput.set(host.ns, "");
            const append = (d: Buffer) => watchOutput.set(host.ns, watchOutput.get(host.ns) + d.toString());
            child.stdout!.on("data", append);
            child.stderr!.on("data", append);
        }

        // Hub A dies: its process and its interface.
        const a = hubA.hub;
        a.kill9();
        await a.exited;
        await lab.hub.exec("ip", ["link", "del", lab.hubInterface]);
        const died = Date.now();
        await waitFor("s1 (hub A's spoke) to ping s2 again, through hub B", async () => ping(s1(), address("s2")), 90_000, 500);
        console.log(`      hub A's spoke pings again through hub B ${((Date.now() - died) / 1000).toFixed(1)} s after hub A died`);
        assert.equal((await spokesOf(hubB)).get("s1")?.hub, "hub-b");
        await waitFor("s2 to ping s1 on its new hub", async () => ping(s2(), address("s1")), 30_000, 200);

        // Hub A comes back with its data: it routes s1 through B, and s1 stays on B.
        hubA = await startLabHub(lab, null, "*/5 * * * * *", hubEnv("hub-a"), { host: lab.hub, interfaceName: lab.hubInterface, dataDir: a.dataDir });
        await waitFor("hub A to be healthy again in B's eyes", async () => (await hubsSeenBy(hubB!)).get("hub-a"), 60_000, 250);
        const keyOfB = joined.body.hub.publicKey as string;
        await waitFor("hub A to route s1 through hub B", async () => {
            const out = await lab.hub.exec("wg", ["show", lab.hubInterface, "allowed-ips"]);
            const line = out.stdout.split("\n").find(l => l.startsWith(keyOfB));
            return line?.includes(`${address("s1")}/32`);
        }, 30_000, 250);
        await agentOnce(s1());
        assert.equal((await spokesOf(hubA)).get("s1")?.hub, "hub-b", "s1 stays on hub B");
        const s1Peers = await s1().run("wg", ["show", "wg0", "allowed-ips"]);
        assert.match(s1Peers.split("\n").find(l => l.startsWith(keyOfB)) ?? "", new RegExp(network.replace(/\./g, "\\.")), "s1 routes the network through hub B");

        // PostgreSQL stops for a minute: every tunnel stays up, writes answer 503 with a hint.
        await pg.halt();
        const outageStarted = Date.now();
        const register = await s4().exec("curl", ["-sk", "--max-time", "20", "-X", "POST", "-H", "Content-Type: application/json",
            "--data", JSON.stringify({ token: "x".repeat(43), publicKey: "A".repeat(43) + "=", os: "linux" }),
            `https://${lab.hub.lanAddress}:51821/api/spoke/register`]);
        const refusal = JSON.parse(register.stdout) as { code: string; hint?: string };
        assert.equal(refusal.code, "DATABASE_UNAVAILABLE", register.stdout);
        assert.match(refusal.hint ?? "", /PostgreSQL/);
        const tokenWhileAway = await hubA.hub.admin("POST", "/api/installation/token", { spokeName: "during-outage" });
        assert.equal(tokenWhileAway.status, 503, tokenWhileAway.text);
        let checks = 0;
        while (Date.now() - outageStarted < outageMs) {
            for (const [host, target] of [[s1(), address("s2")], [s2(), address("s3")], [s3(), hubBAddress], [s1(), hubAAddress]] as const)
                assert.ok(await ping(host, target, 3, 2), `${host.ns} pings ${target} while PostgreSQL is away`);
            checks++;
        }
        console.log(`      ${checks} rounds of pings over ${outageMs / 1000} s without PostgreSQL: every tunnel up`);
        await pg.resume();

        // Back: a spoke registered on A is routed by B.
        await waitFor("hub A to take writes again", async () => (await hubA!.hub.admin("GET", "/api/installation/tokens")).status === 200, 60_000, 250);
        await enroll(hubA, s4(), laterCommand);
        const registered = Date.now();
        const s4Address = (await spokesOf(hubA)).get("s4")!.address;
        const keyOfA = (await hubA.hub.admin("GET", "/api/hub/config")).body.publicKey as string;
        await waitFor("hub B to route s4 through hub A", async () => (await allowedOnB(keyOfA)).includes(`${s4Address}/32`), 30_000, 20);
        console.log(`      a spoke registered on hub A after the outage is routed by hub B ${Date.now() - registered} ms after its script ended`);
        await waitFor("s4 (on A) to ping s1 (on B)", async () => ping(s4(), address("s1")), 30_000, 200);
    });
});
