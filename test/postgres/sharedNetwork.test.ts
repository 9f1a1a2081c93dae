// What two hubs on one PostgreSQL database keep true between them (no WireGuard: each hub's
// wg-quick file shows what its interface would hold): one address pool under concurrent
// tokens on both, routes that follow a registration on the other hub, the refusals that keep
// the network whole, and the takeover of a stopped hub's spokes.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { startPostgres, type RunningPostgres } from "../support/postgres";
import { assertError, createToken, defaultInit, enrolledSpoke, register, spokePublicKey, startHub, waitUntil, type RunningHub } from "../api/helpers";

describe("PostgreSQL: two hubs share one network", function () {
    this.timeout(180_000);
    let pg: RunningPostgres | null = null;
    let a: RunningHub;
    let b: RunningHub;
    const env = (name: string) => ({ WGHUB_TLS: "off", WGHUB_WG_MODE: "off", WGHUB_DATABASE_URL: pg!.url, WGHUB_HUB_NAME: name });

    before(async () => {
        pg = await startPostgres();
        a = await startHub({ env: env("hub-a") });
        b = await startHub({ env: env("hub-b") });
        assert.equal((await a.admin("POST", "/api/hub/initialize", defaultInit)).status, 201);
        const joined = await b.admin("POST", "/api/hub/join", { publicEndpoint: "198.51.100.7:51820" });
        assert.equal(joined.status, 201, joined.text);
    });

    after(async () => {
        await b?.stop();
        await a?.stop();
        await pg?.stop();
    });

    const confOf = (hub: RunningHub) => {
        const file = path.join(hub.dataDir, "wireguard", "wg0.conf");
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    };
    /** The AllowedIPs of the [Peer] with `publicKey` in a hub's wg-quick file. */
    const allowedIn = (conf: string, publicKey: string) =>
        /AllowedIPs = (.*)/.exec(conf.split("[Peer]").find(block => block.includes(`PublicKey = ${publicKey}`)) ?? "")?.[1].split(", ") ?? [];
    const keyOf = async (hub: RunningHub) => (await hub.admin("GET", "/api/hub/config")).body.publicKey as string;

    it("refuses what would break the network: a second join, a re-initialisation, a token for a hub that is not there", async () => {
        assertError(await b.admin("POST", "/api/hub/join", { publicEndpoint: "198.51.100.7:51820" }), 409, "HUB_ALREADY_JOINED");
        assertError(await a.admin("POST", "/api/hub/initialize", { ...defaultInit, force: true }), 409, "HUB_HAS_OTHER_HUBS");
        assertError(await a.admin("POST", "/api/installation/token", { spokeName: "lost", hub: "hub-nowhere" }), 404, "HUB_MEMBER_NOT_FOUND");
    });

    it("keeps one address pool: 40 tokens made at once on each hub get 80 distinct addresses, none a hub's", async () => {
        const hubs = (await a.admin("GET", "/api/hub/list")).body.hubs as { address: string }[];
        const made = await Promise.all([a, b].flatMap(hub => Array.from({ length: 40 }, (_, i) =>
            hub.admin("POST", "/api/installation/token", { spokeName: `pool-${i}` }))));
        assert.deepEqual([...new Set(made.map(m => m.status))], [201], made.find(m => m.status !== 201)?.text);
        const addresses = made.map(m => m.body.token.allowedIPs[0] as string);
        assert.equal(new Set(addresses).size, 80);
        for (const hub of hubs) assert.ok(!addresses.includes(`${hub.address}/32`), `${hub.address} is a hub's`);
    });

    it("a spoke registered on one hub is routed by the other through it, and listed by both", async () => {
        const spoke = await enrolledSpoke(a, { spokeName: "on-a" });
        const keyOfA = await keyOf(a);
        await waitUntil(async () => allowedIn(confOf(b), keyOfA).includes(`${spoke.address}/32`), 20_000, "hub B to route the spoke through hub A");
        assert.ok(!confOf(b).includes(`PublicKey = ${spoke.publicKey}`), "hub B holds no peer of hub A's spoke");
        await waitUntil(async () => ((await b.admin("GET", "/api/spoke/list")).body.spokes as { name: string; hub: string }[])
            .some(s => s.name === "on-a" && s.hub === "hub-a"), 20_000, "hub B to list the spoke on hub A");
    });

    it("a re-enroll token naming the other hub moves its spoke there", async () => {
        const spoke = await enrolledSpoke(a, { spokeName: "moves" });
        const token = await createToken(a, { spokeId: spoke.id, hub: "hub-b" });
        assert.equal(token.hub, "hub-b");
        const moved = await register(a, token.token, { publicKey: spokePublicKey() });
        assert.equal(moved.status, 201, moved.text);
        assert.equal(moved.body.config.hubPublicKey, await keyOf(b), "its one-liner writes hub B's peer");
        const listed = ((await a.admin("GET", "/api/spoke/list")).body.spokes as { id: string; hub: string }[]).find(s => s.id === spoke.id);
        assert.equal(listed?.hub, "hub-b");
    });

    it("when hub A stops, hub B takes its spokes and lists A down", async () => {
        a.kill9();
        await a.exited;
        await waitUntil(async () => ((await b.admin("GET", "/api/hub/list")).body.hubs as { name: string; healthy: boolean }[])
            .some(h => h.name === "hub-a" && !h.healthy), 30_000, "hub B to see hub A down");
        await waitUntil(async () => ((await b.admin("GET", "/api/spoke/list")).body.spokes as { name: string; hub: string }[])
            .some(s => s.name === "on-a" && s.hub === "hub-b"), 30_000, "hub B to take hub A's spoke");
        const spoke = ((await b.admin("GET", "/api/spoke/list")).body.spokes as { name: string; publicKey: string; address: string }[]).find(s => s.name === "on-a")!;
        await waitUntil(async () => allowedIn(confOf(b), spoke.publicKey).includes(`${spoke.address}/32`), 20_000, "hub B to hold the spoke's own peer");
    });

    it("a stopped hub is taken out for good: its peer goes from the others, and the audit log says who took its spokes", async () => {
        assertError(await b.admin("DELETE", "/api/hub/member/hub-b"), 409, "HUB_STILL_RUNNING");
        assertError(await b.admin("DELETE", "/api/hub/member/hub-nowhere"), 404, "HUB_MEMBER_NOT_FOUND");
        const gone = (await b.admin("GET", "/api/hub/list")).body.hubs.find((h: { name: string }) => h.name === "hub-a") as { address: string; publicKey: string };
        const removed = await b.admin("DELETE", "/api/hub/member/hub-a");
        assert.equal(removed.status, 200, removed.text);
        assert.deepEqual(((await b.admin("GET", "/api/hub/list")).body.hubs as { name: string }[]).map(h => h.name), ["hub-b"]);
        await waitUntil(async () => !confOf(b).includes(`PublicKey = ${gone.publicKey}`), 20_000, "hub B to drop hub A's peer");
        const audit = (await b.admin("GET", "/api/audit?subject=hub-a")).body.events as { action: string }[];
        assert.ok(audit.some(e => e.action === "hub.took_over") && audit.some(e => e.action === "hub.removed"), JSON.stringify(audit));
    });
});
