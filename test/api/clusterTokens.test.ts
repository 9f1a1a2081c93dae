// Proxmox VE cluster tokens: one token enrolls up to maxUses nodes, each its own spoke with its
// own address; the first node fixes the cluster; other clusters, the same node twice and use
// N+1 are refused; revoke stops the uses left; a refused registration gives its use back; and
// N+5 nodes racing take exactly N uses.
import assert from "node:assert/strict";
import {
    assertError, initialisedHub, register, spokePublicKey, sql, type HttpAnswer, type RunningHub,
} from "./helpers";

interface ClusterToken {
    id: string;
    token: string;
    purpose: string;
    spokeId: string | null;
    proxmoxCluster: string | null;
    maxUses: number;
    uses: number;
    usesLeft: number;
    nodes: string[];
    state: string;
    installCommands: Record<string, string>;
}

async function clusterToken(hub: RunningHub, body: Record<string, unknown>): Promise<ClusterToken> {
    const res = await hub.admin("POST", "/api/installation/token", body);
    assert.equal(res.status, 201, res.text);
    return res.body.token;
}

function node(hub: RunningHub, token: string, nodeName: string, clusterName: string | null, extra: Record<string, unknown> = {}): Promise<HttpAnswer> {
    return register(hub, token, {
        os: "proxmox", isProxmox: true, hostname: nodeName, proxmoxNodeName: nodeName, proxmoxVersion: "8.2.4",
        ...(clusterName ? { proxmoxClusterName: clusterName } : {}), ...extra,
    });
}

async function listed(hub: RunningHub, id: string): Promise<ClusterToken> {
    const res = await hub.admin("GET", "/api/installation/tokens");
    assert.equal(res.status, 200, res.text);
    const found = (res.body.tokens as ClusterToken[]).find(t => t.id === id);
    assert.ok(found, `token ${id} listed`);
    return found;
}

describe("api: Proxmox VE cluster tokens", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await initialisedHub();
    });
    after(async () => hub?.stop());

    it("makes a cluster token: Proxmox VE command only, no address reserved, uses shown", async () => {
        const before = await sql<{ n: number }>(hub, "SELECT COUNT(*) AS n FROM address_allocations");
        const t = await clusterToken(hub, { proxmoxCluster: "pve-lab", maxUses: 3, datacenter: "fra1" });
        assert.equal(t.purpose, "cluster");
        assert.equal(t.spokeId, null);
        assert.equal(t.proxmoxCluster, "pve-lab");
        assert.deepEqual([t.maxUses, t.uses, t.usesLeft, t.state], [3, 0, 3, "pending"]);
        assert.deepEqual(Object.keys(t.installCommands), ["proxmox"]);
        assert.match(t.installCommands.proxmox, /platform=proxmox' \| bash$|platform=proxmox \| bash$|\| bash$/);
        const after = await sql<{ n: number }>(hub, "SELECT COUNT(*) AS n FROM address_allocations");
        assert.equal(after[0].n, before[0].n, "no address is reserved before a node registers");
        const script = await hub.publicRequest("GET", `/api/installation/script/${t.token}?platform=linux`);
        assertError(script, 400, "CLUSTER_TOKEN_PROXMOX_ONLY");
        const proxmox = await hub.publicRequest("GET", `/api/installation/script/${t.token}?platform=proxmox`);
        assert.equal(proxmox.status, 200, proxmox.text);
    });

    it("refuses what a cluster token cannot take, and a cluster name without a node count", async () => {
        assertError(await hub.admin("POST", "/api/installation/token", { proxmoxCluster: "pve-x" }), 400, "VALIDATION_FAILED");
        assertError(await hub.admin("POST", "/api/installation/token", { maxUses: 0 }), 400, "VALIDATION_FAILED");
        assertError(await hub.admin("POST", "/api/installation/token", { maxUses: 65 }), 400, "VALIDATION_FAILED");
        assertError(await hub.admin("POST", "/api/installation/token", { maxUses: 3, spokeName: "one" }), 400, "VALIDATION_FAILED");
        assertError(await hub.admin("POST", "/api/installation/token", { maxUses: 3, customIP: "10.0.1.77" }), 400, "VALIDATION_FAILED");
        assertError(await hub.admin("POST", "/api/installation/token", { maxUses: 3, subnets: ["192.168.9.0/24"] }), 400, "VALIDATION_FAILED");
        assertError(await hub.admin("POST", "/api/installation/token", {}), 400, "VALIDATION_FAILED", "a spoke token without a name");
    });

    it("enrolls each node as its own spoke; the first fixes the cluster; other clusters, the same node and use N+1 are refused", async () => {
        const t = await clusterToken(hub, { maxUses: 2, datacenter: "ams1" });
        assert.equal(t.proxmoxCluster, null);
        const a = await node(hub, t.token, "alpha-1", "alpha");
        assert.equal(a.status, 201, a.text);
        assert.equal(a.body.spoke.name, "alpha-1");
        assert.equal((await listed(hub, t.id)).proxmoxCluster, "alpha", "the first registration fixes the cluster");

        assertError(await node(hub, t.token, "beta-1", "beta"), 409, "TOKEN_OTHER_CLUSTER");
        assertError(await node(hub, t.token, "alpha-1", "alpha"), 409, "NODE_ALREADY_ENROLLED");
        assertError(await register(hub, t.token, { os: "linux", hostname: "plain" }), 400, "VALIDATION_FAILED", "a machine that is not a Proxmox VE node");
        let now = await listed(hub, t.id);
        assert.deepEqual([now.uses, now.usesLeft, now.state], [1, 1, "pending"], "refused registrations give their use back");

        const b = await node(hub, t.token, "alpha-2", "alpha");
        assert.equal(b.status, 201, b.text);
        assert.notEqual(b.body.spoke.address, a.body.spoke.address);
        assert.notEqual(b.body.spoke.id, a.body.spoke.id);
        now = await listed(hub, t.id);
        assert.deepEqual([now.uses, now.usesLeft, now.state], [2, 0, "used"]);
        assert.deepEqual(now.nodes, ["alpha-1", "alpha-2"]);

        assertError(await node(hub, t.token, "alpha-3", "alpha"), 410, "TOKEN_USES_EXHAUSTED");
        const clusters = await hub.admin("GET", "/api/proxmox/clusters");
        const alpha = clusters.body.clusters.find((c: { name?: string; clusterName?: string }) => (c.clusterName ?? c.name) === "alpha");
        assert.ok(alpha, clusters.text);
        assert.equal(alpha.datacenter, "ams1");
        assert.deepEqual(alpha.nodes.map((n: { nodeName: string }) => n.nodeName).sort(), ["alpha-1", "alpha-2"]);
    });

    it("a node of the cluster already enrolled by an earlier token is refused; the script lists the enrolled nodes", async () => {
        const first = await clusterToken(hub, { proxmoxCluster: "gamma", maxUses: 1 });
        assert.equal((await node(hub, first.token, "gamma-1", "gamma")).status, 201);
        const more = await clusterToken(hub, { proxmoxCluster: "gamma", maxUses: 2 });
        assertError(await node(hub, more.token, "gamma-1", "gamma"), 409, "NODE_ALREADY_ENROLLED");
        const script = await hub.publicRequest("GET", `/api/installation/script/${more.token}?platform=proxmox`);
        assert.equal(script.status, 200, script.text);
        assert.match(script.text, /gamma-1/, "the script knows which nodes to skip");
        assert.equal((await node(hub, more.token, "gamma-2", "gamma")).status, 201);
        assert.equal((await listed(hub, more.id)).usesLeft, 1);
    });

    it("revoke stops the uses left; the spokes already made stay", async () => {
        const t = await clusterToken(hub, { proxmoxCluster: "delta", maxUses: 3 });
        const a = await node(hub, t.token, "delta-1", "delta");
        assert.equal(a.status, 201, a.text);
        const revoked = await hub.admin("DELETE", `/api/installation/token/${t.id}`);
        assert.equal(revoked.status, 200, revoked.text);
        assertError(await node(hub, t.token, "delta-2", "delta"), 410, "TOKEN_REVOKED");
        const now = await listed(hub, t.id);
        assert.deepEqual([now.state, now.usesLeft, now.uses], ["revoked", 0, 1]);
        const spokes = await hub.admin("GET", "/api/spoke/list");
        assert.ok(spokes.body.spokes.some((s: { id: string }) => s.id === a.body.spoke.id), "the registered node stays a spoke");
        assertError(await hub.admin("POST", `/api/installation/token/${t.id}/reissue`), 409, "TOKEN_NOT_REVOCABLE");
    });

    it("a registration that fails (public key in use) gives its use and its address back", async () => {
        const t = await clusterToken(hub, { proxmoxCluster: "eps", maxUses: 2 });
        const key = spokePublicKey();
        assert.equal((await node(hub, t.token, "eps-1", "eps", { publicKey: key })).status, 201);
        const allocations = await sql<{ n: number }>(hub, "SELECT COUNT(*) AS n FROM address_allocations");
        assertError(await node(hub, t.token, "eps-2", "eps", { publicKey: key }), 409, "PUBLIC_KEY_IN_USE");
        const now = await listed(hub, t.id);
        assert.deepEqual([now.uses, now.usesLeft, now.nodes], [1, 1, ["eps-1"]]);
        assert.deepEqual(await sql<{ n: number }>(hub, "SELECT COUNT(*) AS n FROM address_allocations"), allocations);
        assert.equal((await node(hub, t.token, "eps-2", "eps")).status, 201);
    });

    it("N+5 nodes registering at once: exactly N succeed, each with its own address", async () => {
        const n = 8;
        const t = await clusterToken(hub, { proxmoxCluster: "race", maxUses: n });
        const answers = await Promise.all(Array.from({ length: n + 5 }, (_, i) => node(hub, t.token, `race-${i}`, "race")));
        const ok = answers.filter(a => a.status === 201);
        assert.equal(ok.length, n, answers.map(a => a.status).join(","));
        for (const a of answers.filter(x => x.status !== 201)) assertError(a, 410, "TOKEN_USES_EXHAUSTED");
        assert.equal(new Set(ok.map(a => a.body.spoke.address)).size, n);
        const now = await listed(hub, t.id);
        assert.deepEqual([now.uses, now.state, now.nodes.length], [n, "used", n]);
    });

    it("the same node registering twice at once: one spoke", async () => {
        const t = await clusterToken(hub, { proxmoxCluster: "twice", maxUses: 4 });
        const answers = await Promise.all(Array.from({ length: 4 }, () => node(hub, t.token, "twice-1", "twice")));
        assert.equal(answers.filter(a => a.status === 201).length, 1, answers.map(a => a.text).join("\n"));
        for (const a of answers.filter(x => x.status !== 201)) assertError(a, 409, "NODE_ALREADY_ENROLLED");
        const now = await listed(hub, t.id);
        assert.deepEqual([now.uses, now.usesLeft], [1, 3]);
    });
});
