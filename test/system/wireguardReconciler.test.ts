// The reconciler with the real driver against wireguard-go in a hub namespace, spokes
// configured with wg/ip in their own namespaces: real handshakes, real pings.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateKeyPair } from "../../backend/wireguard/keys";
import { createLab, waitFor, type Lab } from "../support/netns";
import { bringUpSpoke, handshakeWithHub, hubPeers, makeSpokeKey, ping, startReconcilerHost, type ReconcilerHost } from "./wgSpoke";

describe("system: WireGuard reconciler on wireguard-go", function () {
    let lab: Lab;
    let dir: string;
    let rh: ReconcilerHost;
    let hubKey: ReturnType<typeof generateKeyPair>;
    const spokeKeys: string[] = [];
    const peersOf = (keys: string[]) => keys.map((publicKey, i) => ({ publicKey, allowedIPs: [`10.0.1.${i + 2}/32`] }));
    const confFile = () => path.join(dir, "wireguard", `${lab.hubInterface}.conf`);

    before(async function () {
        this.timeout(60_000);
        lab = await createLab({ spokes: 2, subnet: 7 });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-rec-"));
        hubKey = generateKeyPair();
        fs.writeFileSync(path.join(dir, "hub.key"), hubKey.privateKey + "\n", { mode: 0o600 });
        rh = await startReconcilerHost(lab.hub, {
            env: {
                WGHUB_DATA_DIR: dir, WGHUB_WG_MODE: "userspace", WGHUB_INTERFACE: lab.hubInterface,
                WGHUB_RECONCILE_SCHEDULE: "* * * * * *",
            },
            privateKeyFile: path.join(dir, "hub.key"), listenPort: 51820, addresses: ["10.0.1.1/24"],
        });
        for (const spoke of lab.spokes) spokeKeys.push(await makeSpokeKey(spoke));
    });

    after(async function () {
        this.timeout(30_000);
        await rh?.call("stop").catch(() => {});
        await lab?.destroy();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("brings the hub up with both spokes; they reach the hub and each other", async function () {
        await rh.call("setPeers", peersOf(spokeKeys));
        const report = await rh.call("runNow");
        assert.equal(report.error, null);
        assert.equal(report.changes, 2);
        const status = await rh.call("status");
        assert.equal(status.mode, "userspace");
        assert.equal(status.interfaceUp, true);
        const peers = await hubPeers(lab.hub, lab.hubInterface);
        assert.deepEqual([...peers.keys()].sort(), [...spokeKeys].sort());
        assert.equal(peers.get(spokeKeys[1])!.allowedIPs, "10.0.1.3/32");
        assert.equal(execFileSync("ip", ["netns", "exec", lab.hub.ns, "cat", "/proc/sys/net/ipv4/ip_forward"]).toString().trim(), "1");

        for (const [i, spoke] of lab.spokes.entries())
            await bringUpSpoke(spoke, { address: `10.0.1.${i + 2}/24`, hubPublicKey: hubKey.publicKey, hubEndpoint: `${lab.hub.lanAddress}:51820`, allowedIPs: "10.0.1.0/24" });
        for (const spoke of lab.spokes) {
            await waitFor("a handshake with the hub", async () => (await ping(spoke, "10.0.1.1")) && (await handshakeWithHub(spoke, hubKey.publicKey)) > 0, 5_000);
        }
        assert.ok(await ping(lab.spokes[0], "10.0.1.3", 3), "spoke 1 reaches spoke 2 through the hub");
        assert.ok(await ping(lab.spokes[1], "10.0.1.2", 3), "spoke 2 reaches spoke 1 through the hub");
    });

    it("a run with nothing to do writes nothing, and stores live status from one dump", async function () {
        const before = await rh.call("status");
        const report = await rh.call("runNow");
        assert.equal(report.kind, "full");
        assert.equal(report.changes, 0);
        assert.equal(report.writes, 0, `idle run wrote: ${JSON.stringify(report)}`);
        const after = await rh.call("status");
        assert.equal(after.writes, before.writes);
        assert.equal(after.saveCount, before.saveCount + 1);
        const saved = after.lastSave.peers.find((p: { publicKey: string }) => p.publicKey === spokeKeys[0]);
        assert.ok(saved.latestHandshake > 0 && saved.rxBytes > 0 && saved.endpoint.startsWith(lab.spokes[0].lanAddress));
    });

    it("the conf file is whole, 0600, and wg-quick can read it", async function () {
        const st = fs.statSync(confFile());
        assert.equal(st.mode & 0o777, 0o600);
        const stripped = execFileSync("wg-quick", ["strip", confFile()]).toString();
        assert.equal((stripped.match(/^\[Peer\]$/gm) ?? []).length, 2);
        assert.match(stripped, /^ListenPort = 51820$/m);
        assert.doesNotMatch(stripped, /^Address/m);
        const mtime = st.mtimeMs;
        await rh.call("runNow");
        assert.equal(fs.statSync(confFile()).mtimeMs, mtime, "not rewritten when nothing changed");
    });

    it("puts back a peer removed by hand and removes a rogue one, reporting both as drift", async function () {
        this.timeout(20_000);
        const rogue = generateKeyPair().publicKey;
        await lab.hub.run("wg", ["set", lab.hubInterface, "peer", spokeKeys[1], "remove", "peer", rogue, "allowed-ips", "10.0.1.99/32"]);
        const started = Date.now();
        await rh.call("start");
        await waitFor("the removed peer back and the rogue gone", async () => {
            const peers = await hubPeers(lab.hub, lab.hubInterface);
            return peers.has(spokeKeys[1]) && !peers.has(rogue);
        }, 20_000);
        console.log(`      (repaired ${Date.now() - started} ms after the start, schedule period 1 s)`);
        const status = await rh.call("status");
        const kinds = Object.fromEntries(status.lastDrift.drift.map((d: { publicKey: string; kind: string }) => [d.publicKey, d.kind]));
        assert.deepEqual(kinds, { [spokeKeys[1]]: "missing", [rogue]: "rogue" });
    });

    it("a trigger applies one new peer in milliseconds without touching the others", async function () {
        const before = await hubPeers(lab.hub, lab.hubInterface);
        const extra = Array.from({ length: 20 }, () => generateKeyPair().publicKey);
        await rh.call("setPeers", peersOf([...spokeKeys, ...extra]));
        const t = Date.now();
        await rh.call("trigger", "test");
        await rh.call("settled");
        const elapsed = Date.now() - t;
        const status = await rh.call("status");
        assert.equal(status.lastReconcile.kind, "fast");
        assert.equal(status.lastReconcile.changes, 20);
        assert.equal(status.lastReconcile.writes, 1, "one batched wg set");
        console.log(`      (20 peers applied in ${elapsed} ms; the bench measures apply_one)`);
        const after = await hubPeers(lab.hub, lab.hubInterface);
        assert.equal(after.size, 22);
        for (const k of spokeKeys) assert.equal(after.get(k)!.latestHandshake, before.get(k)!.latestHandshake);
        await rh.call("setPeers", peersOf(spokeKeys));
        await rh.call("trigger", "test");
        await rh.call("settled");
        assert.equal((await hubPeers(lab.hub, lab.hubInterface)).size, 2);
    });

    it("another hub's peer with 12,000 allowed IPs (more than one argument may hold) goes on, and changes", async function () {
        this.timeout(120_000);
        const otherHub = generateKeyPair().publicKey;
        const routes = (n: number) => Array.from({ length: n }, (_, i) => `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`);
        for (const n of [12_000, 12_001]) {
            await rh.call("setPeers", [...peersOf(spokeKeys), { publicKey: otherHub, allowedIPs: routes(n), endpoint: "192.0.2.9:51820", keepalive: 25 }]);
            await rh.call("trigger", "test");
            await rh.call("settled");
            const status = await rh.call("status");
            assert.equal(status.lastError, null, status.lastError);
            const peer = (await hubPeers(lab.hub, lab.hubInterface)).get(otherHub);
            assert.equal(peer?.allowedIPs.split(",").length, n);
        }
        const dump = await lab.hub.run("wg", ["show", lab.hubInterface, "dump"]);
        const line = dump.split("\n").find(l => l.startsWith(otherHub))!.split("\t");
        assert.deepEqual([line[2], line[7]], ["192.0.2.9:51820", "25"], "its endpoint and keepalive");
        await rh.call("setPeers", peersOf(spokeKeys));
        await rh.call("trigger", "test");
        await rh.call("settled");
        assert.equal((await hubPeers(lab.hub, lab.hubInterface)).size, 2);
    });
});

describe("system: WireGuard driver choice", function () {
    let lab: Lab;
    let dir: string;
    const hosts: ReconcilerHost[] = [];

    before(async () => {
        lab = await createLab({ subnet: 8 });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-mode-"));
        fs.writeFileSync(path.join(dir, "hub.key"), generateKeyPair().privateKey + "\n", { mode: 0o600 });
    });

    after(async function () {
        this.timeout(30_000);
        for (const h of hosts) await h.call("stop").catch(() => {});
        await lab?.destroy();
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    const start = async (mode: string, iface: string) => {
        const rh = await startReconcilerHost(lab.hub, {
            env: { WGHUB_DATA_DIR: path.join(dir, mode), WGHUB_WG_MODE: mode, WGHUB_INTERFACE: iface, WGHUB_RECONCILE_SCHEDULE: "0 0 1 1 *" },
            privateKeyFile: path.join(dir, "hub.key"), listenPort: 51820, addresses: ["10.0.1.1/24", "fd00:1::1/64"],
        });
        hosts.push(rh);
        await rh.call("setPeers", [{ publicKey: generateKeyPair().publicKey, allowedIPs: ["10.0.1.2/32", "fd00:1::2/128"] }]);
        return rh;
    };

    it("off renders the conf file and touches no interface", async () => {
        const iface = `${lab.hubInterface}`.slice(0, 13) + "o";
        const rh = await start("off", iface);
        const report = await rh.call("runNow");
        assert.equal(report.error, null);
        const status = await rh.call("status");
        assert.equal(status.mode, "off");
        assert.equal(status.writes, 0);
        assert.equal((await lab.hub.exec("ip", ["link", "show", iface])).code !== 0, true, "no interface was made");
        const conf = fs.readFileSync(path.join(dir, "off", "wireguard", `${iface}.conf`), "utf8");
        assert.match(conf, /^AllowedIPs = 10\.0\.1\.2\/32, fd00:1::2\/128$/m);
        assert.match(conf, /net\.ipv6\.conf\.all\.forwarding=1/);
    });

    it("auto falls back to wireguard-go without the kernel module, and says why", async function () {
        if ((await lab.hub.exec("ip", ["link", "add", "wgprobe-t", "type", "wireguard"])).code === 0) {
            await lab.hub.exec("ip", ["link", "del", "wgprobe-t"]);
            this.skip(); // this machine has kernel WireGuard: auto would rightly pick it
        }
        const iface = `${lab.hubInterface}`.slice(0, 13) + "a";
        const rh = await start("auto", iface);
        const status = await rh.call("status");
        assert.equal(status.mode, "userspace");
        assert.match(status.modeReason, /no kernel WireGuard .*wireguard-go/);
        const report = await rh.call("runNow");
        assert.equal(report.error, null);
        assert.equal((await hubPeers(lab.hub, iface)).size, 1);
        assert.equal(execFileSync("ip", ["netns", "exec", lab.hub.ns, "cat", "/proc/sys/net/ipv6/conf/all/forwarding"]).toString().trim(), "1");
        assert.match(await lab.hub.run("ip", ["-6", "addr", "show", "dev", iface]), /fd00:1::1\/64/);
    });
});
