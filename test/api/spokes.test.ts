// Registration, re-enrollment, key conflicts, the spoke list, disable/enable, Proxmox
// clusters, the audit log and the install-script route.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { request } from "../support/hub";
import {
    assertError, createToken, enrolledSpoke, initialisedHub, register, spokePublicKey, sql, type RunningHub,
} from "./helpers";

describe("api: registration and the spoke list", () => {
    let hub: RunningHub;
    let hubKey: string;
    before(async () => {
        hub = await initialisedHub();
        hubKey = (await hub.admin("GET", "/api/hub/config")).body.publicKey;
    });
    after(async () => hub?.stop());

    it("registers with the seed's body and answers what the spoke needs for its config", async () => {
        const token = await createToken(hub, { spokeName: "db-1", subnets: ["192.168.60.0/24"], datacenter: "ams" });
        const publicKey = spokePublicKey();
        const res = await register(hub, token.token, { publicKey, os: "linux", hostname: "db-1.lan", metadata: { kernel: "6.1", cores: 4 } });
        assert.equal(res.status, 201, res.text);
        assert.equal(res.body.message, "Spoke registered successfully");
        assert.equal(res.body.spoke.id, token.spokeId);
        assert.equal(res.body.spoke.publicKey, publicKey);
        assert.deepEqual(res.body.spoke.allowedIPs, ["10.0.1.2/32", "192.168.60.0/24"]);
        assert.deepEqual(res.body.config, {
            addresses: ["10.0.1.2/24"], hubPublicKey: hubKey, publicEndpoint: "203.0.113.5:51820", privateEndpoint: null,
            allowedIPs: ["10.0.1.0/24"], dns: ["1.1.1.1", "8.8.8.8"], persistentKeepalive: 25, hubAddress: "10.0.1.1",
        });
        const list = (await hub.admin("GET", "/api/spoke/list")).body.spokes;
        assert.equal(list.length, 1);
        const s = list[0];
        for (const field of ["id", "name", "os", "isProxmox", "proxmoxNodeName", "proxmoxVersion", "proxmoxClusterId", "proxmoxClusterName",
            "allowedIPs", "publicKey", "registeredAt", "lastHandshake", "status"])
            assert.ok(field in s, `the seed's field ${field}`);
        assert.equal(s.name, "db-1");
        assert.equal(s.hostname, "db-1.lan");
        assert.equal(s.datacenter, "ams");
        assert.equal(s.status, "pending", "no handshake yet");
        assert.equal(s.enabled, true);
        assert.equal(s.lastHandshake, null);
    });

    it("another spoke's routed subnets are in a new spoke's AllowedIPs", async () => {
        const res = await register(hub, (await createToken(hub)).token);
        assert.deepEqual(res.body.config.allowedIPs, ["10.0.1.0/24", "192.168.60.0/24"]);
    });

    it("PUBLIC_KEY_IN_USE 409 for the hub's key and another spoke's key; the token stays usable", async () => {
        const taken = await enrolledSpoke(hub);
        const token = await createToken(hub);
        assertError(await register(hub, token.token, { publicKey: hubKey }), 409, "PUBLIC_KEY_IN_USE");
        assertError(await register(hub, token.token, { publicKey: taken.publicKey }), 409, "PUBLIC_KEY_IN_USE");
        const listed = (await hub.admin("GET", "/api/installation/tokens")).body.tokens.find((t: { id: string }) => t.id === token.id);
        assert.equal(listed.state, "pending", "a failed registration does not consume the token");
        assert.equal((await register(hub, token.token)).status, 201);
    });

    it("re-enroll token: replaces the key, keeps the id, address and history; never a second spoke", async () => {
        const spoke = await enrolledSpoke(hub, { spokeName: "reborn", subnets: ["172.20.0.0/16"] });
        const count = (await hub.admin("GET", "/api/spoke/list")).body.spokes.length;
        const old = await createToken(hub, { spokeName: "reborn", spokeId: spoke.id });
        const re = await createToken(hub, { spokeName: "reborn", spokeId: spoke.id });
        assert.equal(re.spokeId, spoke.id);
        assert.deepEqual(re.allowedIPs, [`${spoke.address}/32`, "172.20.0.0/16"], "keeps address and subnets");
        assertError(await register(hub, old.token), 410, "TOKEN_REVOKED", "a newer re-enroll token replaces the older");
        const newKey = spokePublicKey();
        const res = await register(hub, re.token, { publicKey: newKey });
        assert.equal(res.status, 201, res.text);
        assert.equal(res.body.message, "Spoke re-enrolled successfully");
        assert.equal(res.body.spoke.id, spoke.id);
        assert.equal(res.body.spoke.address, spoke.address);
        const list = (await hub.admin("GET", "/api/spoke/list")).body.spokes as { id: string; publicKey: string }[];
        assert.equal(list.length, count, "no second spoke");
        assert.equal(list.find(s => s.id === spoke.id)!.publicKey, newKey);
        assert.ok(!list.some(s => s.publicKey === spoke.publicKey), "the old key is gone");
        const alloc = await sql(hub, "SELECT COUNT(*) AS n FROM address_allocations WHERE spokeId = ?", [spoke.id]);
        assert.equal(alloc[0].n, 1);
        // the same machine may keep its key on re-enroll
        const same = await createToken(hub, { spokeName: "reborn", spokeId: spoke.id });
        assert.equal((await register(hub, same.token, { publicKey: newKey })).status, 201);
        const audit = (await hub.admin("GET", "/api/audit")).body.events as { action: string; details: { spokeId?: string } }[];
        assert.equal(audit.filter(e => e.action === "spoke.reenrolled" && e.details.spokeId === spoke.id).length, 2);
    });

    it("re-enroll token for an unknown spoke is 404 SPOKE_NOT_FOUND; a different customIP is refused", async () => {
        assertError(await hub.admin("POST", "/api/installation/token", { spokeName: "ghost", spokeId: crypto.randomUUID() }), 404, "SPOKE_NOT_FOUND");
        const spoke = await enrolledSpoke(hub);
        assertError(await hub.admin("POST", "/api/installation/token", { spokeName: "x", spokeId: spoke.id, customIP: "10.0.1.250" }), 400, "VALIDATION_FAILED");
    });

    it("a re-enroll token for a spoke removed meanwhile is refused, and removing a spoke revokes its pending token", async () => {
        const spoke = await enrolledSpoke(hub);
        const re = await createToken(hub, { spokeName: "gone", spokeId: spoke.id });
        assert.equal((await hub.admin("DELETE", `/api/spoke/${spoke.id}`)).status, 200);
        assertError(await register(hub, re.token), 410, "TOKEN_REVOKED");
    });

    it("disable takes a spoke off the peers and enable puts it back; unknown ids 404", async () => {
        const spoke = await enrolledSpoke(hub);
        const off = await hub.admin("POST", `/api/spoke/${spoke.id}/disable`);
        assert.equal(off.status, 200, off.text);
        assert.deepEqual(off.body, { message: "Spoke disabled", spokeId: spoke.id, enabled: false });
        let listed = (await hub.admin("GET", "/api/spoke/list")).body.spokes.find((s: { id: string }) => s.id === spoke.id);
        assert.equal(listed.enabled, false);
        assert.equal(listed.status, "disabled");
        let peers = (await hub.admin("GET", "/api/hub/status")).body.peers as { spokeId: string }[];
        assert.ok(!peers.some(p => p.spokeId === spoke.id));
        assert.equal((await hub.admin("POST", `/api/spoke/${spoke.id}/disable`)).status, 200, "disabling twice is harmless");
        const on = await hub.admin("POST", `/api/spoke/${spoke.id}/enable`);
        assert.deepEqual(on.body, { message: "Spoke enabled", spokeId: spoke.id, enabled: true });
        listed = (await hub.admin("GET", "/api/spoke/list")).body.spokes.find((s: { id: string }) => s.id === spoke.id);
        assert.equal(listed.status, "pending");
        peers = (await hub.admin("GET", "/api/hub/status")).body.peers;
        assert.ok(peers.some(p => p.spokeId === spoke.id));
        const ghost = crypto.randomUUID();
        assertError(await hub.admin("POST", `/api/spoke/${ghost}/disable`), 404, "SPOKE_NOT_FOUND");
        assertError(await hub.admin("POST", `/api/spoke/${ghost}/enable`), 404, "SPOKE_NOT_FOUND");
        assertError(await hub.admin("DELETE", `/api/spoke/${ghost}`), 404, "SPOKE_NOT_FOUND");
        assertError(await hub.admin("POST", "/api/spoke/12345/disable"), 400, "VALIDATION_FAILED");
    });

    it("the list, kept in memory between writes, shows each write at once", async () => {
        type Listed = { id: string; status: string; name: string };
        const list = async () => (await hub.admin("GET", "/api/spoke/list")).body.spokes as Listed[];
        const before = await list();
        assert.deepEqual(await list(), before, "a quiet hub answers the same list");
        const spoke = await enrolledSpoke(hub, { spokeName: "kept-list" });
        assert.equal((await list()).length, before.length + 1);
        await hub.admin("POST", `/api/spoke/${spoke.id}/disable`);
        assert.equal((await list()).find(s => s.id === spoke.id)?.status, "disabled");
        assertError(await register(hub, (await createToken(hub)).token, { publicKey: spoke.publicKey }), 409, "PUBLIC_KEY_IN_USE");
        assert.equal((await list()).length, before.length + 1, "a refused registration adds nothing");
        await hub.admin("DELETE", `/api/spoke/${spoke.id}`);
        assert.deepEqual(await list(), before);
    });

    it("the list carries an ETag: the same one answers 304 until something changes", async () => {
        const first = await hub.admin("GET", "/api/spoke/list");
        const etag = first.headers.etag as string;
        assert.match(etag, /^"[\w-]+"$/);
        assert.equal((await hub.admin("GET", "/api/spoke/list")).headers.etag, etag, "a quiet hub gives the same ETag");
        const ifNoneMatch = (tag: string) => request({ socketPath: hub.socket, method: "GET", path: "/api/spoke/list",
            headers: { host: "localhost", "If-None-Match": tag } });
        const unchanged = await ifNoneMatch(etag);
        assert.equal(unchanged.status, 304);
        assert.equal(unchanged.text, "");
        // RFC 9110 §8.6: a 304 carries no Content-Length, or exactly the 200's.
        const length = unchanged.headers["content-length"];
        assert.ok(length === undefined || Number(length) === Buffer.byteLength(first.text), `304 with Content-Length ${length}`);
        const since = (tag: string) => hub.admin("GET", `/api/spoke/list?unchangedSince=${encodeURIComponent(tag)}`);
        assert.deepEqual((await since(etag)).body, { unchanged: true }, "the form Cockpit's bridge can carry");
        assert.ok(Array.isArray((await since('"stale"')).body.spokes));
        const spoke = await enrolledSpoke(hub, { spokeName: "etag-mover" });
        const changed = await ifNoneMatch(etag);
        assert.equal(changed.status, 200);
        assert.notEqual(changed.headers.etag, etag);
        assert.ok(changed.body.spokes.some((s: { id: string }) => s.id === spoke.id));
        await hub.admin("DELETE", `/api/spoke/${spoke.id}`);
        assert.equal((await ifNoneMatch(etag)).status, 304,
            "back to the same content, back to the same ETag");
    });

    it("status with peers=false keeps the counts and leaves the peer list out; other values are 400", async () => {
        const full = (await hub.admin("GET", "/api/hub/status")).body;
        const light = await hub.admin("GET", "/api/hub/status?peers=false");
        assert.equal(light.status, 200, light.text);
        assert.equal(light.body.peers, undefined);
        assert.deepEqual(light.body.spokes, full.spokes);
        assert.ok(full.peers.length > 0);
        assertError(await hub.admin("GET", "/api/hub/status?peers=maybe"), 400, "VALIDATION_FAILED");
    });
    it("the audit log: token made and revoked, spoke registered from its source address, spoke removed", async () => {
        const t = await createToken(hub, { spokeName: "audited" });
        const r = await createToken(hub, { spokeName: "revoked-one" });
        await hub.admin("DELETE", `/api/installation/token/${r.id}`);
        const reg = await register(hub, t.token);
        await hub.admin("DELETE", `/api/spoke/${reg.body.spoke.id}`);
        const events = (await hub.admin("GET", "/api/audit")).body.events as
            { id: number; at: string; actor: string; action: string; subject: string; source: string; details: Record<string, unknown> }[];
        const find = (action: string, subject: string) => events.find(e => e.action === action && e.subject === subject);
        const created = find("token.created", "audited")!;
        assert.equal(created.actor, "admin");
        assert.equal(created.source, "unix socket");
        assert.equal(created.details.tokenId, t.id);
        assert.equal(created.details.tokenPrefix, t.token.slice(0, 6));
        assert.ok(find("token.revoked", "revoked-one"));
        const registered = find("spoke.registered", "audited")!;
        assert.equal(registered.actor, "spoke");
        assert.equal(registered.source, "127.0.0.1");
        assert.equal(registered.details.spokeId, reg.body.spoke.id);
        const removed = find("spoke.removed", "audited")!;
        assert.ok(removed.id > registered.id && registered.id > created.id);
        assert.ok(events.every((e, i) => i === 0 || e.id < events[i - 1].id), "newest first");
        for (const e of events) assert.ok(!JSON.stringify(e).includes(t.token), "no token in the audit log");
    });
});

describe("api: Proxmox clusters", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await initialisedHub();
    });
    after(async () => hub?.stop());

    const node = (name: string, extra: Record<string, unknown> = {}) => ({
        os: "proxmox", isProxmox: true, proxmoxNodeName: name, proxmoxClusterName: "pve-prod", proxmoxVersion: "8.2.4",
        proxmoxClusterNodes: ["pve1", "pve2", "pve3"], hostname: name, ...extra,
    });

    it("three nodes of one cluster make one cluster with three nodes, in the token's datacenter", async () => {
        for (const name of ["pve2", "pve1", "pve3"]) {
            const t = await createToken(hub, { spokeName: name, datacenter: "dc-east" });
            const res = await register(hub, t.token, node(name));
            assert.equal(res.status, 201, res.text);
        }
        const res = await hub.admin("GET", "/api/proxmox/clusters");
        assert.equal(res.status, 200);
        const clusters = res.body.clusters;
        assert.equal(clusters.length, 1);
        const c = clusters[0];
        assert.equal(c.clusterName, "pve-prod");
        assert.equal(c.datacenter, "dc-east");
        assert.equal(c.description, null);
        assert.equal(c.nodeCount, 3);
        assert.deepEqual(c.nodes.map((n: { nodeName: string }) => n.nodeName), ["pve1", "pve2", "pve3"]);
        assert.ok(c.nodes.every((n: { proxmoxVersion: string }) => n.proxmoxVersion === "8.2.4"));
        const spokes = (await hub.admin("GET", "/api/spoke/list")).body.spokes as { isProxmox: boolean; proxmoxClusterId: string; proxmoxClusterName: string; os: string }[];
        assert.ok(spokes.every(s => s.isProxmox && s.proxmoxClusterId === c.id && s.proxmoxClusterName === "pve-prod" && s.os === "proxmox"));
    });

    it("a standalone node is a cluster of one named after it", async () => {
        const t = await createToken(hub, { spokeName: "lonely" });
        const res = await register(hub, t.token, node("pve-solo", { proxmoxClusterName: undefined, proxmoxClusterNodes: undefined }));
        assert.equal(res.status, 201, res.text);
        const clusters = (await hub.admin("GET", "/api/proxmox/clusters")).body.clusters as { clusterName: string; nodeCount: number }[];
        assert.deepEqual(clusters.map(c => [c.clusterName, c.nodeCount]), [["pve-prod", 3], ["pve-solo", 1]]);
    });

    it("PUT sets datacenter and description; null clears; unknown id 404 CLUSTER_NOT_FOUND", async () => {
        const [c] = (await hub.admin("GET", "/api/proxmox/clusters")).body.clusters;
        const res = await hub.admin("PUT", `/api/proxmox/clusters/${c.id}`, { datacenter: "dc-west", description: "Rack 4, row B" });
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.body, { message: "Cluster updated", clusterId: c.id });
        let after = (await hub.admin("GET", "/api/proxmox/clusters")).body.clusters[0];
        assert.equal(after.datacenter, "dc-west");
        assert.equal(after.description, "Rack 4, row B");
        await hub.admin("PUT", `/api/proxmox/clusters/${c.id}`, { description: null });
        after = (await hub.admin("GET", "/api/proxmox/clusters")).body.clusters[0];
        assert.equal(after.description, null);
        assert.equal(after.datacenter, "dc-west", "a field not sent is kept");
        assertError(await hub.admin("PUT", `/api/proxmox/clusters/${crypto.randomUUID()}`, { datacenter: "x" }), 404, "CLUSTER_NOT_FOUND");
        const audit = (await hub.admin("GET", "/api/audit")).body.events as { action: string; subject: string }[];
        assert.ok(audit.some(e => e.action === "cluster.updated" && e.subject === "pve-prod"));
    });

    it("a fourth node joining later lands in the same cluster and keeps the admin's datacenter", async () => {
        const t = await createToken(hub, { spokeName: "pve4", datacenter: "dc-other" });
        assert.equal((await register(hub, t.token, node("pve4"))).status, 201);
        const c = (await hub.admin("GET", "/api/proxmox/clusters")).body.clusters.find((x: { clusterName: string }) => x.clusterName === "pve-prod");
        assert.equal(c.nodeCount, 4);
        assert.equal(c.datacenter, "dc-west");
    });
});

describe("api: the install-script route", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await initialisedHub();
    });
    after(async () => hub?.stop());

    it("renders each platform without consuming the token", async () => {
        const t = await createToken(hub, { spokeName: "scripted" });
        const types: Record<string, RegExp> = { linux: /x-sh/, macos: /x-sh/, proxmox: /x-sh/, windows: /text\/plain/ };
        for (const platform of ["linux", "macos", "proxmox", "windows"]) {
            const res = await hub.publicRequest("GET", `/api/installation/script/${t.token}?platform=${platform}`);
            assert.equal(res.status, 200, `${platform}: ${res.text.slice(0, 300)}`);
            assert.match(String(res.headers["content-type"]), types[platform]);
            assert.match(String(res.headers["content-disposition"]), /^attachment; filename="install-spoke-scripted\.(sh|ps1)"$/);
            assert.equal(res.headers["cache-control"], "no-store");
            assert.ok(res.text.includes(t.token), `${platform} script carries the token`);
        }
        const dflt = await hub.publicRequest("GET", `/api/installation/script/${t.token}`);
        assert.equal(dflt.status, 200);
        assert.match(String(dflt.headers["content-type"]), /x-sh/, "linux by default");
        assert.equal((await register(hub, t.token)).status, 201, "still usable after fetching scripts");
    });

    it("an unknown platform is 400 UNSUPPORTED_PLATFORM; unknown or malformed tokens 404", async () => {
        const t = await createToken(hub);
        assertError(await hub.publicRequest("GET", `/api/installation/script/${t.token}?platform=solaris`), 400, "UNSUPPORTED_PLATFORM");
        assertError(await hub.publicRequest("GET", `/api/installation/script/${crypto.randomBytes(32).toString("base64url")}`), 404, "TOKEN_NOT_FOUND");
        assertError(await hub.publicRequest("GET", "/api/installation/script/%24(reboot)"), 404, "TOKEN_NOT_FOUND");
    });
});
