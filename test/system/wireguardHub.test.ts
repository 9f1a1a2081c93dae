// The real hub service (wireguard-go, userspace mode) in a namespace, spokes registering
// through the public API from their own namespaces with keys made there (`wg genkey`),
// their side configured with wg/ip (the install script has its own system test).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { generateKeyPair } from "../../backend/wireguard/keys";
import { startHub, type RunningHub } from "../support/hub";
import { createLab, waitFor, type Host, type Lab } from "../support/netns";
import { bringUpSpoke, bytesSentToHub, handshakeWithHub, hubPeers, makeSpokeKey, parsePingSummary, ping } from "./wgSpoke";

const schedule = "*/2 * * * * *";
const schedulePeriodMs = 2_000;

describe("system: the hub keeps wg0 equal to its database (real service, wireguard-go)", function () {
    this.timeout(300_000);
    let lab: Lab;
    let hub: RunningHub;
    let hubEnv: Record<string, string>;
    let publicUrl: string;
    let hubTunnelAddress = "";
    const spokes: { host: Host; id: string; publicKey: string; address: string; registeredAt: number }[] = [];

    before(async () => {
        lab = await createLab({ spokes: 3, subnet: 21 });
        const lan = lab.hub.lanAddress;
        publicUrl = `http://${lan}:51821`;
        hubEnv = {
            WGHUB_WG_MODE: "userspace",
            WGHUB_TLS: "off",
            WGHUB_INTERFACE: lab.hubInterface,
            WGHUB_PUBLIC_LISTEN: `${lan}:51821`,
            WGHUB_PUBLIC_URL: publicUrl,
            WGHUB_RECONCILE_SCHEDULE: schedule,
            WGHUB_RATE_LIMIT: "off",
        };
        hub = await startHub({ netns: lab.hub.ns, env: hubEnv });
        const init = await hub.admin("POST", "/api/hub/initialize", { networkCIDR: "10.0.0.0/20", listenPort: 51820, publicEndpoint: `${lan}:51820` });
        assert.equal(init.status, 201, init.text);
        await waitFor("the hub interface", async () => (await lab.hub.exec("wg", ["show", lab.hubInterface])).code === 0, 15_000);
    });

    afterEach(function () {
        if (this.currentTest?.state === "failed" && hub)
            console.log(`      hub output (last lines):\n${hub.output().split("\n").slice(-40).join("\n")}`);
    });

    after(async () => {
        await hub?.stop();
        await lab?.destroy();
        if (hub) fs.rmSync(hub.dataDir, { recursive: true, force: true });
    });

    async function token(spokeName: string, spokeId?: string): Promise<string> {
        const answer = await hub.admin("POST", "/api/installation/token", { spokeName, ...(spokeId ? { spokeId } : {}) });
        assert.equal(answer.status, 201, answer.text);
        return answer.body.token.token;
    }

    /** POST /api/spoke/register from inside HOST, as the install script does. */
    async function registerFrom(host: Host, body: Record<string, unknown>): Promise<any> {
        const out = await host.run("curl", ["-sS", "--fail-with-body", "-X", "POST", "-H", "content-type: application/json", "--data-binary", "@-", `${publicUrl}/api/spoke/register`], { input: JSON.stringify(body) });
        return JSON.parse(out);
    }

    async function status(): Promise<any> {
        const answer = await hub.admin("GET", "/api/hub/status");
        assert.equal(answer.status, 200, answer.text);
        return answer.body;
    }

    async function enabledKeysInDb(): Promise<string[]> {
        const list = await hub.admin("GET", "/api/spoke/list");
        assert.equal(list.status, 200, list.text);
        const rows: any[] = Array.isArray(list.body) ? list.body : list.body.spokes;
        return rows.filter(s => s.enabled).map(s => s.publicKey).sort();
    }

    const hubKeys = async () => [...(await hubPeers(lab.hub, lab.hubInterface)).keys()].sort();

    it("three spokes registered through the public API are all reachable at once, each with a handshake within 5 s", async () => {
        for (const [i, host] of lab.spokes.entries()) {
            const publicKey = await makeSpokeKey(host);
            const answer = await registerFrom(host, { token: await token(`sys-spoke-${i + 1}`), publicKey, os: "linux", hostname: `spoke${i + 1}` });
            const registeredAt = Date.now();
            const cfg = answer.config;
            hubTunnelAddress = cfg.hubAddress;
            await bringUpSpoke(host, { address: cfg.addresses[0], hubPublicKey: cfg.hubPublicKey, hubEndpoint: cfg.publicEndpoint, allowedIPs: cfg.allowedIPs.join(",") });
            await ping(host, cfg.hubAddress, 1, 1);
            await waitFor(`spoke ${i + 1}'s handshake`, async () => (await handshakeWithHub(host, cfg.hubPublicKey)) > 0, 30_000);
            spokes.push({ host, id: answer.spoke.id, publicKey, address: answer.spoke.address, registeredAt });
            console.log(`      (spoke ${i + 1}: handshake ${Date.now() - registeredAt} ms after its registration answer)`);
        }
        // Each peer holds its own /32, never the network: the seed's second spoke cut off the first.
        const peers = await hubPeers(lab.hub, lab.hubInterface);
        for (const s of spokes) assert.equal(peers.get(s.publicKey)?.allowedIPs, `${s.address}/32`);
        for (const s of spokes) assert.ok(await ping(s.host, hubTunnelAddress, 2), `${s.host.ns} pings the hub`);
        assert.ok(await ping(spokes[0].host, spokes[1].address, 3), "spoke 1 pings spoke 2 through the hub");
        assert.ok(await ping(spokes[1].host, spokes[2].address, 3), "spoke 2 pings spoke 3 through the hub");
        assert.ok(await ping(spokes[2].host, spokes[0].address, 3), "spoke 3 pings spoke 1 through the hub");
    });

    it("a scheduled run with no change in the database issues no write", async () => {
        const before = (await status()).reconcile;
        await waitFor("two more scheduled runs", async () => (await status()).reconcile.runs >= before.runs + 2, 4 * schedulePeriodMs + 2_000);
        const after = (await status()).reconcile;
        assert.equal(after.writes, before.writes, `writes went from ${before.writes} to ${after.writes}`);
        assert.equal(after.lastReconcile.writes, 0);
        assert.equal(after.lastReconcile.changes, 0);
        assert.equal(after.lastReconcile.kind, "full");
        assert.equal(after.mode, "userspace");
        assert.equal(after.interfaceUp, true);
        const spokeList = await hub.admin("GET", "/api/spoke/list");
        const rows: any[] = Array.isArray(spokeList.body) ? spokeList.body : spokeList.body.spokes;
        assert.ok(rows.every(r => r.status === "online"), `live status from the scheduled run: ${rows.map(r => r.status)}`);
    });

    it("keeps a ping between spokes through 20 registrations, 10 removals, a disable, an enable and a re-key", async () => {
        const [s1, s2, s3] = spokes;
        const handshakesBefore = await hubPeers(lab.hub, lab.hubInterface);
        const spoke1Before = await handshakeWithHub(s1.host, (await status()).publicKey);
        const hubKey = (await status()).publicKey;
        const sentBefore = await bytesSentToHub(s1.host, hubKey);
        const pinging = s1.host.exec("ping", ["-n", "-q", "-i", "0.01", "-c", "2000", "-W", "1", s2.address], { timeoutMs: 120_000 });
        // Fifty pings through the tunnel: the ping is under way before the churn starts.
        await waitFor("the ping under way", async () => (await bytesSentToHub(s1.host, hubKey)) > sentBefore + 50 * 128, 20_000, 50);

        const extra: { id: string; publicKey: string }[] = [];
        for (let i = 0; i < 20; i++) {
            const publicKey = generateKeyPair().publicKey;
            const answer = await registerFrom(s3.host, { token: await token(`churn-${i}`), publicKey, os: "linux" });
            extra.push({ id: answer.spoke.id, publicKey });
        }
        for (const e of extra.slice(0, 10)) assert.equal((await hub.admin("DELETE", `/api/spoke/${e.id}`)).status, 200);
        assert.equal((await hub.admin("POST", `/api/spoke/${extra[10].id}/disable`)).status, 200);
        assert.equal((await hub.admin("POST", `/api/spoke/${extra[10].id}/enable`)).status, 200);
        // Spoke 3 is re-keyed (re-enrolled with a new key); spokes 1 and 2 are unrelated to it.
        const newKey3 = generateKeyPair().publicKey;
        const reenrolled = await registerFrom(s3.host, { token: await token("sys-spoke-3", s3.id), publicKey: newKey3, os: "linux" });
        assert.equal(reenrolled.spoke.id, s3.id);

        const result = await pinging;
        const { sent, received } = parsePingSummary(result.stdout);
        assert.equal(sent, 2000);
        assert.ok(sent - received <= 5, `lost ${sent - received} of ${sent} packets`);

        const after = await hubPeers(lab.hub, lab.hubInterface);
        for (const s of [s1, s2])
            assert.equal(after.get(s.publicKey)!.latestHandshake, handshakesBefore.get(s.publicKey)!.latestHandshake, `no new handshake forced on ${s.host.ns}`);
        assert.equal(await handshakeWithHub(s1.host, (await status()).publicKey), spoke1Before);
        assert.ok(!after.has(s3.publicKey) && after.has(newKey3), "the re-keyed spoke's old key left, its new key is on wg0");
        assert.equal(after.get(newKey3)!.allowedIPs, `${s3.address}/32`, "the re-keyed spoke kept its address");
        assert.deepEqual(await hubKeys(), await enabledKeysInDb());
        assert.doesNotMatch(hub.output(), /reconcile failed/);
        s3.publicKey = newKey3;
    });

    it("puts back a peer removed by hand and removes a rogue one within one schedule period, reported as drift", async () => {
        const rogue = generateKeyPair().publicKey;
        const victim = spokes[2].publicKey;
        await lab.hub.run("wg", ["set", lab.hubInterface, "peer", victim, "remove", "peer", rogue, "allowed-ips", "10.0.15.250/32"]);
        const changedAt = Date.now();
        await waitFor("the hub to undo the hand-made changes", async () => {
            const keys = await hubKeys();
            return keys.includes(victim) && !keys.includes(rogue);
        }, 10 * schedulePeriodMs, 100);
        console.log(`      (repaired ${Date.now() - changedAt} ms after the hand-made change, schedule period ${schedulePeriodMs} ms)`);
        const drift = (await status()).reconcile.lastDrift;
        assert.ok(drift, "drift is reported");
        const kinds = Object.fromEntries(drift.drift.map((d: any) => [d.publicKey, d.kind]));
        assert.equal(kinds[victim], "missing");
        assert.equal(kinds[rogue], "rogue");
        assert.match(hub.output(), new RegExp(`drift.*${rogue.replace(/[+/]/g, "\\$&")}`));
        assert.deepEqual(await hubKeys(), await enabledKeysInDb());
    });

    it("a peer put back by drift repair has the endpoint it last had: the hub reaches its spoke without waiting for it", async () => {
        const s = spokes[0];
        const endpointOf = async () => (await lab.hub.run("wg", ["show", lab.hubInterface, "endpoints"]))
            .split("\n").map(l => l.split("\t")).find(f => f[0] === s.publicKey)?.[1];
        assert.ok(await ping(s.host, hubTunnelAddress, 2), "the spoke is up");
        const before = await endpointOf();
        assert.match(before ?? "", /:\d+$/, "the hub knows where the spoke is");
        // A scheduled run reads the dump, and with it where each peer is.
        const seenAfter = new Date().toISOString();
        await waitFor("a scheduled run after the endpoint was known", async () => {
            const last = (await status()).lastReconcile;
            return last?.kind === "full" && last.at > seenAfter;
        }, schedulePeriodMs + 3_000, 100);

        await lab.hub.run("wg", ["set", lab.hubInterface, "peer", s.publicKey, "remove"]);
        await waitFor("the hub to put the peer back", async () => (await hubKeys()).includes(s.publicKey), schedulePeriodMs + 3_000, 50);
        assert.equal(await endpointOf(), before, "put back with its last endpoint (without it: none until the spoke's next handshake)");
        assert.ok(await ping(lab.hub, s.address, 1, 5), "the hub reaches the spoke: it can start the handshake itself");
    });

    it("after kill -9 in the middle of applying 1,000 new peers, a restart converges wg0 to the database with a whole 0600 conf file", async () => {
        const items: { token: string; publicKey: string }[] = [];
        for (let i = 0; i < 1000; i++) items.push({ token: await token(`bulk-${i}`), publicKey: generateKeyPair().publicKey });
        const registrar = lab.spokes[2].spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "registrar.ts"), publicUrl, "16"], {
            cwd: path.resolve(__dirname, "..", ".."), stdio: ["pipe", "pipe", "pipe"],
        });
        registrar.stdin!.end(JSON.stringify(items));
        let ok = 0;
        const killed = new Promise<void>(resolve => {
            readline.createInterface({ input: registrar.stdout! }).on("line", line => {
                if (line.startsWith("ok ")) ok++;
                if (ok === 500) {
                    hub.kill9();
                    resolve();
                }
            });
        });
        await killed;
        const inWg0AtKill = (await hubKeys()).length;
        await new Promise<void>(resolve => registrar.once("exit", () => resolve()));
        await hub.exited;

        hub = await startHub({ netns: lab.hub.ns, env: hubEnv, dataDir: hub.dataDir });
        const inDb = await enabledKeysInDb();
        assert.ok(inDb.length >= 500 + 3 + 10, `registrations before the kill are in the database (${inDb.length})`);
        await waitFor("wg0 to equal the database", async () => JSON.stringify(await hubKeys()) === JSON.stringify(inDb), 20_000, 200);

        const conf = path.join(hub.dataDir, "wireguard", `${lab.hubInterface}.conf`);
        await waitFor("the conf file to list every peer", async () => (fs.readFileSync(conf, "utf8").match(/^\[Peer\]$/gm) ?? []).length === inDb.length, 10_000, 200);
        assert.equal(fs.statSync(conf).mode & 0o777, 0o600);
        const stripped = execFileSync("wg-quick", ["strip", conf]).toString();
        const confKeys = [...stripped.matchAll(/^PublicKey = (\S+)$/gm)].map(m => m[1]).sort();
        assert.deepEqual(confKeys, inDb);
        assert.deepEqual(fs.readdirSync(path.dirname(conf)).filter(f => f.includes(".tmp")), [], "no temp file left behind");
        console.log(`      (killed with ${inWg0AtKill} peers on wg0 and ${ok} registrations answered; ${inDb.length} in the database after restart)`);
    });
});
