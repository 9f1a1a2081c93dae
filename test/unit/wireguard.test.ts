import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { allowedIPsKey, canonicalCidr } from "../../backend/wireguard/cidr";
import { bigIntToIp, ipToBigInt } from "../../backend/ipam/cidr";
import { ConfFile, ConfRenderer, confValue, renderConf } from "../../backend/wireguard/confFile";
import { parseDump } from "../../backend/wireguard/dump";
import { generateKeyPair } from "../../backend/wireguard/keys";
import { prng } from "../support/prng";
import { addconfText, diffPeers, findDrift, isPeerEndpoint, peerTable, wgSetBatches, withHubEndpoints, withLastEndpoints } from "../../backend/wireguard/plan";

describe("wireguard: CIDR canonical form", () => {
    it("clears host bits and adds the full prefix to bare addresses", () => {
        assert.equal(canonicalCidr("10.0.1.5/24"), "10.0.1.0/24");
        assert.equal(canonicalCidr("10.0.1.5"), "10.0.1.5/32");
        assert.equal(canonicalCidr("192.168.7.130/25"), "192.168.7.128/25");
        assert.equal(canonicalCidr("0.0.0.0/0"), "0.0.0.0/0");
    });
    it("compresses IPv6 the way wg prints it", () => {
        assert.equal(canonicalCidr("fd00:0:0:0:0:0:0:2/128"), "fd00::2/128");
        assert.equal(canonicalCidr("FD00::1:2/64"), "fd00::/64");
        assert.equal(canonicalCidr("2001:db8:0:0:1:0:0:1/128"), "2001:db8::1:0:0:1/128");
        assert.equal(canonicalCidr("::ffff:10.0.0.1/128"), "::ffff:a00:1/128");
        assert.equal(canonicalCidr("fd12:3456:789a:1::7/56"), "fd12:3456:789a::/56");
    });
    it("reads IPv4 as the general IP maths does, for every prefix", () => {
        // IPv4 takes a path of its own (numbers, not bigints): checked against the shared maths.
        for (let i = 0; i < 2000; i++) {
            const address = [0, 1, 2, 3].map(() => Math.floor(Math.random() * 256)).join(".");
            const prefix = i % 33;
            const hostBits = (1n << BigInt(32 - prefix)) - 1n;
            const expected = `${bigIntToIp(ipToBigInt(address) & ~hostBits, 4)}/${prefix}`;
            assert.equal(canonicalCidr(`${address}/${prefix}`), expected, `${address}/${prefix}`);
            assert.equal(canonicalCidr(` ${address}/0${prefix} `), expected, "padded, with a leading zero in the prefix");
        }
        assert.equal(canonicalCidr("255.255.255.255"), "255.255.255.255/32");
        for (const bad of ["10.0.0.256/32", "010.0.0.1/32", "10.0.0.1/033x", "10.0.0.1/1000", "10.0.0.1/"])
            assert.equal(canonicalCidr(bad), null, bad);
    });
    it("rejects what is not a CIDR", () => {
        for (const bad of ["10.0.1.0/33", "10.0.1/24", "fd00::/129", "x", "10.0.0.1/24/1", "10.0.0.1/-1", ""])
            assert.equal(canonicalCidr(bad), null, bad);
    });
    it("compares allowed-IP lists as sets", () => {
        assert.equal(allowedIPsKey(["192.168.5.1/24", "10.0.1.2/32"]), allowedIPsKey(["10.0.1.2", "192.168.5.0/24", "10.0.1.2/32"]));
    });
});

describe("wireguard: dump parsing", () => {
    it("reads the interface line and peers, dropping the private key", () => {
        const a = generateKeyPair(), b = generateKeyPair(), hub = generateKeyPair();
        const text = [
            `${hub.privateKey}\t${hub.publicKey}\t51820\toff`,
            `${a.publicKey}\t(none)\t10.200.0.2:40000\t10.0.1.2/32,192.168.5.0/24\t1764250000\t1234\t5678\toff`,
            `${b.publicKey}\t(none)\t(none)\t(none)\t0\t0\t0\t25`,
            "",
        ].join("\n");
        const dump = parseDump(text);
        assert.deepEqual(dump.iface, { publicKey: hub.publicKey, listenPort: 51820 });
        assert.ok(!JSON.stringify(dump).includes(hub.privateKey));
        assert.deepEqual(dump.peers[0], {
            publicKey: a.publicKey, endpoint: "10.200.0.2:40000", allowedIPs: ["10.0.1.2/32", "192.168.5.0/24"],
            latestHandshake: 1764250000, rxBytes: 1234, txBytes: 5678,
        });
        assert.deepEqual(dump.peers[1].allowedIPs, []);
        assert.equal(dump.peers[1].endpoint, null);
    });
    it("fails loudly on output it does not understand", () => {
        assert.throws(() => parseDump(""));
        assert.throws(() => parseDump("a\tb\t1\toff\nshort line"));
    });
});

describe("wireguard: delta and batches", () => {
    const [k1, k2, k3, k4] = Array.from({ length: 4 }, () => generateKeyPair().publicKey);

    it("finds adds, changes and removals, and nothing when equal", () => {
        const desired = peerTable([{ publicKey: k1, allowedIPs: ["10.0.1.2/32"] }, { publicKey: k2, allowedIPs: ["10.0.1.3/32", "192.168.9.0/24"] }, { publicKey: k4, allowedIPs: ["10.0.1.5"] }]);
        const actual = peerTable([{ publicKey: k1, allowedIPs: ["10.0.1.2/32"] }, { publicKey: k2, allowedIPs: ["10.0.1.3/32"] }, { publicKey: k3, allowedIPs: ["10.0.1.4/32"] }]);
        const delta = diffPeers(desired, actual);
        assert.deepEqual(delta.remove, [k3]);
        assert.deepEqual(delta.change, [{ publicKey: k2, allowedIPs: "10.0.1.3/32,192.168.9.0/24" }]);
        assert.deepEqual(delta.add, [{ publicKey: k4, allowedIPs: "10.0.1.5/32" }]);
        assert.deepEqual(wgSetBatches("wg0", delta), [[
            "set", "wg0", "peer", k3, "remove",
            "peer", k2, "allowed-ips", "10.0.1.3/32,192.168.9.0/24",
            "peer", k4, "allowed-ips", "10.0.1.5/32",
        ]]);
        assert.deepEqual(wgSetBatches("wg0", diffPeers(desired, desired)), []);
    });

    it("names drift against what was last applied", () => {
        const applied = peerTable([{ publicKey: k1, allowedIPs: ["10.0.1.2/32"] }, { publicKey: k2, allowedIPs: ["10.0.1.3/32"] }]);
        const actual = peerTable([{ publicKey: k2, allowedIPs: ["10.0.1.9/32"] }, { publicKey: k3, allowedIPs: ["10.0.1.4/32"] }]);
        assert.deepEqual(findDrift(applied, actual).sort((a, b) => a.kind.localeCompare(b.kind)), [
            { publicKey: k2, kind: "changed" }, { publicKey: k1, kind: "missing" }, { publicKey: k3, kind: "rogue" },
        ]);
    });

    it("splits 10,000 peers under the argv budget, removals first, losing none", () => {
        const keys = Array.from({ length: 10_000 }, () => crypto.randomBytes(32).toString("base64"));
        const desired = peerTable(keys.map((publicKey, i) => ({ publicKey, allowedIPs: [`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32`] })));
        const actual = peerTable([{ publicKey: k1, allowedIPs: ["10.99.0.1/32"] }]);
        const budget = 900_000;
        const batches = wgSetBatches("wg0", diffPeers(desired, actual), budget);
        assert.ok(batches.length >= 2, `expected a split, got ${batches.length} batch(es)`);
        for (const b of batches) {
            assert.deepEqual(b.slice(0, 2), ["set", "wg0"]);
            assert.ok(b.reduce((n, a) => n + Buffer.byteLength(a) + 9, 0) <= budget);
        }
        assert.deepEqual(batches[0].slice(2, 5), ["peer", k1, "remove"]);
        const sent = batches.flatMap(b => b.filter((_, i) => i >= 2 && b[i - 1] === "peer"));
        assert.equal(sent.length, 10_001);
    });
});

describe("wireguard: a peer put back knows where its spoke is", () => {
    const [a, b] = [generateKeyPair().publicKey, generateKeyPair().publicKey];

    it("adds carry the last endpoint seen; changes and removals do not need one", () => {
        const delta = diffPeers(peerTable([{ publicKey: a, allowedIPs: ["10.0.1.2/32"] }, { publicKey: b, allowedIPs: ["10.0.1.3/32"] }]), new Map());
        const last = new Map([[a, "198.51.100.7:51820"], [b, "not an endpoint"]]);
        const withEndpoints = withLastEndpoints(delta, last);
        assert.deepEqual(withEndpoints.add.find(p => p.publicKey === a), { publicKey: a, allowedIPs: "10.0.1.2/32", endpoint: "198.51.100.7:51820" });
        assert.equal(withEndpoints.add.find(p => p.publicKey === b)!.endpoint, undefined, "a peer without a usable endpoint gets none");
        const [batch] = wgSetBatches("wg0", withEndpoints);
        const at = batch.indexOf(a);
        assert.deepEqual(batch.slice(at - 1, at + 5), ["peer", a, "endpoint", "198.51.100.7:51820", "allowed-ips", "10.0.1.2/32"]);
        assert.ok(!batch.slice(batch.indexOf(b)).slice(0, 3).includes("endpoint"));
    });

    it("endpoints as wg prints them only", () => {
        for (const ok of ["198.51.100.7:51820", "[2001:db8::7]:51820", "[fe80::1%eth0]:51820"]) assert.ok(isPeerEndpoint(ok), ok);
        for (const bad of ["(none)", "host.example:51820", "198.51.100.7", "198.51.100.7:51820 x", "-x:1", ""]) assert.ok(!isPeerEndpoint(bad), bad);
    });
});

describe("wireguard: other hubs' peers", () => {
    const other = generateKeyPair().publicKey;
    const hubPeer = { publicKey: other, allowedIPs: ["10.0.1.2/32"], endpoint: "hub-b.example.net:51820", keepalive: 25 };

    it("an added hub gets its endpoint and keepalive; a known one only when WireGuard lost its endpoint or it changed", () => {
        const applied = new Map<string, string>();
        const added = withHubEndpoints({ remove: [], add: [{ publicKey: other, allowedIPs: "10.0.1.2/32" }], change: [] }, [hubPeer], null, applied);
        assert.deepEqual(added.add, [{ publicKey: other, allowedIPs: "10.0.1.2/32", endpoint: "hub-b.example.net:51820", keepalive: 25 }]);
        assert.deepEqual(wgSetBatches("wg0", added)[0], ["set", "wg0", "peer", other, "endpoint", "hub-b.example.net:51820", "persistent-keepalive", "25", "allowed-ips", "10.0.1.2/32"]);
        const none = { remove: [], add: [], change: [] };
        assert.deepEqual(withHubEndpoints(none, [hubPeer], new Map([[other, "192.0.2.7:51820"]]), applied).add, [], "known and unchanged");
        const lost = withHubEndpoints(none, [hubPeer], new Map([[other, null]]), applied);
        assert.deepEqual(wgSetBatches("wg0", lost)[0], ["set", "wg0", "peer", other, "endpoint", "hub-b.example.net:51820", "persistent-keepalive", "25"], "the routes are left as they are");
        const moved = withHubEndpoints(none, [{ ...hubPeer, endpoint: "hub-b2.example.net:51820" }], new Map([[other, "192.0.2.7:51820"]]), applied);
        assert.equal(moved.add[0].endpoint, "hub-b2.example.net:51820");
    });
});

describe("wireguard: a peer too large for one argument", () => {
    it("another hub's peer with 10,000 allowed IPs goes to wg addconf, never into an argument over 128 KiB", () => {
        const key = generateKeyPair().publicKey;
        const small = generateKeyPair().publicKey;
        const allowedIPs = Array.from({ length: 10_000 }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32`).join(",");
        const delta = { remove: [], add: [{ publicKey: small, allowedIPs: "10.9.0.1/32" }], change: [{ publicKey: key, allowedIPs }] };
        const batches = wgSetBatches("wg0", delta);
        assert.ok(batches.flat().every(arg => Buffer.byteLength(arg) < 128 * 1024));
        assert.deepEqual(batches, [["set", "wg0", "peer", small, "allowed-ips", "10.9.0.1/32"]]);
        assert.equal(addconfText(delta), `[Peer]\nPublicKey = ${key}\nAllowedIPs = ${allowedIPs}\n`);
        assert.equal(addconfText({ remove: [], add: delta.add, change: [] }), null);
    });
});

describe("wireguard: config file", () => {
    const hub = generateKeyPair();
    const peer = generateKeyPair();
    const desired = {
        iface: { name: "wg0", privateKeyFile: "/nonexistent", listenPort: 51820, addresses: ["10.0.1.1/24", "fd00::1/64"] },
        peers: [{ publicKey: peer.publicKey, allowedIPs: ["10.0.1.2/32", "fd00::2/128", "192.168.5.1/24"] }],
    };

    it("renders wg-quick format with canonical allowed IPs and forwarding", () => {
        const text = renderConf(desired, hub.privateKey);
        assert.match(text, /^\[Interface\]$/m);
        assert.match(text, new RegExp(`^PrivateKey = ${hub.privateKey.replace(/[+/]/g, "\\$&")}$`, "m"));
        assert.match(text, /^ListenPort = 51820$/m);
        assert.match(text, /^Address = 10\.0\.1\.1\/24, fd00::1\/64$/m);
        assert.match(text, /^AllowedIPs = 10\.0\.1\.2\/32, fd00::2\/128, 192\.168\.5\.0\/24$/m);
        assert.match(text, /net\.ipv6\.conf\.all\.forwarding=1/);
    });

    it("renders the same text a slice of peers at a time, letting other work run between slices", async () => {
        const many = Array.from({ length: 4_500 }, (_, i) => ({
            publicKey: generateKeyPair().publicKey, allowedIPs: [`10.1.${i >> 8}.${i & 255}/32`],
        }));
        let turns = 0;
        const counting = setInterval(() => turns++, 0);
        const sliced = await new ConfRenderer().render({ ...desired, peers: many }, hub.privateKey);
        clearInterval(counting);
        assert.equal(Buffer.concat(sliced).toString(), renderConf({ ...desired, peers: many }, hub.privateKey));
        assert.ok(sliced.length > 3, "encoded a slice at a time");
        assert.ok(turns > 0, "timers ran while the peers were rendered");
        await assert.rejects(new ConfRenderer().render({ ...desired, peers: [...many, { publicKey: "not-a-key", allowedIPs: ["10.0.1.2/32"] }] }, hub.privateKey));
    });

    it("renders again only the slices whose peers changed, and always the text of the peers it is given", async () => {
        const random = prng(11);
        const newPeer = (i: number) => ({ publicKey: generateKeyPair().publicKey, allowedIPs: [`10.2.${(i >> 8) & 255}.${i & 255}/32`] });
        let made = 0;
        let peers = Array.from({ length: 5_000 }, () => newPeer(made++));
        const renderer = new ConfRenderer();
        const first = await renderer.render({ ...desired, peers }, hub.privateKey);
        const again = await renderer.render({ ...desired, peers: [...peers] }, hub.privateKey);
        assert.equal(again.length, first.length);
        assert.ok(again.slice(1, -1).every((part, i) => part === first[i + 1]), "the same peer objects: every slice's bytes kept");
        peers = [...peers, newPeer(made++)];
        const appended = await renderer.render({ ...desired, peers }, hub.privateKey);
        assert.ok(appended.slice(1, -2).every((part, i) => part === again[i + 1]), "one spoke more: only the last slice rendered");
        // Random edits (a peer added, removed or replaced anywhere, the peers' order kept
        // otherwise), some rendered at once by two renders sharing the renderer: each answer is
        // exactly the text of the peers it was given.
        for (let round = 0; round < 40; round++) {
            const edit = () => {
                const next = [...peers];
                const at = Math.floor(random() * (next.length + 1));
                const kind = random();
                if (kind < 0.4) next.splice(at, 0, newPeer(made++));
                else if (kind < 0.7 && next.length) next.splice(Math.min(at, next.length - 1), 1);
                else if (next.length) next[Math.min(at, next.length - 1)] = newPeer(made++);
                return next;
            };
            const a = edit();
            const b = random() < 0.5 ? edit() : a;
            const [ra, rb] = await Promise.all([renderer.render({ ...desired, peers: a }, hub.privateKey), renderer.render({ ...desired, peers: b }, hub.privateKey)]);
            assert.equal(Buffer.concat(ra).toString(), renderConf({ ...desired, peers: a }, hub.privateKey), `round ${round}, first render`);
            assert.equal(Buffer.concat(rb).toString(), renderConf({ ...desired, peers: b }, hub.privateKey), `round ${round}, second render`);
            peers = random() < 0.5 ? a : b;
        }
    });

    it("refuses values that could add or hide a directive", () => {
        for (const bad of ["a\nPostUp = rm -rf /", "x # y", "a\rb", " padded", "", "nul\u0000", "del\u007f"])
            assert.throws(() => confValue(bad), Error, JSON.stringify(bad));
        assert.throws(() => renderConf({ ...desired, peers: [{ publicKey: "not-a-key", allowedIPs: ["10.0.1.2/32"] }] }, hub.privateKey));
        assert.throws(() => renderConf({ ...desired, peers: [{ publicKey: peer.publicKey, allowedIPs: ["10.0.1.2/32\nPostUp = id"] }] }, hub.privateKey));
        assert.throws(() => renderConf({ ...desired, iface: { ...desired.iface, addresses: ["10.0.1.1/24\n[Peer]"] } }, hub.privateKey));
        assert.throws(() => renderConf({ ...desired, peers: [{ publicKey: peer.publicKey, allowedIPs: ["10.0.1.2/32"], endpoint: "hub-b:51820\nPostUp = id" }] }, hub.privateKey));
    });

    it("gives another hub's peer its endpoint and keepalive, so wg-quick reaches it after a reboot", () => {
        const text = renderConf({ ...desired, peers: [{ publicKey: peer.publicKey, allowedIPs: ["10.0.1.2/32", "10.0.1.7/32"], endpoint: "hub-b.example.net:51820", keepalive: 25 }] }, hub.privateKey);
        assert.match(text, /\[Peer\]\nPublicKey = .*\nAllowedIPs = 10\.0\.1\.2\/32, 10\.0\.1\.7\/32\nEndpoint = hub-b\.example\.net:51820\nPersistentKeepalive = 25/);
    });

    it("writes 0600 atomically and only when the content changes", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-conf-"));
        try {
            const file = path.join(dir, "sub", "wg0.conf");
            const conf = new ConfFile(file);
            assert.equal(await conf.write("one\n"), true);
            assert.equal(fs.statSync(file).mode & 0o777, 0o600);
            const inode = fs.statSync(file).ino;
            assert.equal(await conf.write("one\n"), false);
            assert.equal(fs.statSync(file).ino, inode);
            assert.equal(await conf.write("two\n"), true);
            assert.equal(fs.readFileSync(file, "utf8"), "two\n");
            assert.deepEqual(fs.readdirSync(path.dirname(file)), ["wg0.conf"]);
            fs.writeFileSync(path.join(path.dirname(file), ".wg0.conf.4242.tmp"), "half a fi");
            assert.equal(await new ConfFile(file).write("two\n"), false, "a new writer compares with the file on disk");
            assert.deepEqual(fs.readdirSync(path.dirname(file)), ["wg0.conf"], "and removes a temp file a killed writer left");
            // A render in parts: the same bytes are the same file; other bytes are written whole.
            const many = Array.from({ length: 4_500 }, (_, i) => ({ publicKey: generateKeyPair().publicKey, allowedIPs: [`10.1.${i >> 8}.${i & 255}/32`] }));
            const renderer = new ConfRenderer();
            const rendered = await renderer.render({ ...desired, peers: many }, hub.privateKey);
            assert.equal(await new ConfFile(file).write(rendered), true);
            assert.equal(fs.readFileSync(file, "utf8"), renderConf({ ...desired, peers: many }, hub.privateKey));
            assert.equal(await new ConfFile(file).write(renderConf({ ...desired, peers: many }, hub.privateKey)), false, "the same text, as one string");
            const writer = new ConfFile(file);
            assert.equal(await writer.write(await renderer.render({ ...desired, peers: many }, hub.privateKey)), false, "the same peers rendered again");
            assert.equal(await writer.write(await renderer.render({ ...desired, peers: [...many, many[0]].slice(1) }, hub.privateKey)), true, "the same peers in another order");
            assert.equal(fs.readFileSync(file, "utf8"), renderConf({ ...desired, peers: [...many.slice(1), many[0]] }, hub.privateKey));
            assert.equal(await writer.write(await renderer.render({ ...desired, peers: many.slice(1) }, hub.privateKey)), true);
            assert.equal(fs.readFileSync(file, "utf8"), renderConf({ ...desired, peers: many.slice(1) }, hub.privateKey));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
