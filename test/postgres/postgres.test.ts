// The same service on PostgreSQL: schema made by the migrations, the whole enrollment flow,
// and the rules that the database must enforce (one use per token, unique addresses).
import assert from "node:assert/strict";
import { startHub, spokePublicKey, defaultInit, type RunningHub } from "../support/hub";
import { startPostgres, type RunningPostgres } from "../support/postgres";

describe("PostgreSQL backend", function () {
    let pg: RunningPostgres;
    let hub: RunningHub;

    before(async function () {
        pg = await startPostgres();
        hub = await startHub({ env: { WGHUB_DATABASE_URL: pg.url, WGHUB_TLS: "off" } });
    });

    after(async function () {
        await hub?.stop();
        await pg?.stop();
    });

    it("initialises, enrolls a spoke and lists it", async function () {
        assert.equal((await hub.admin("GET", "/api/hub/config")).status, 404);
        const init = await hub.admin("POST", "/api/hub/initialize", { ...defaultInit, networkCIDR: "10.9.0.0/24" });
        assert.equal(init.status, 201, init.text);
        const tok = await hub.admin("POST", "/api/installation/token", { spokeName: "pg-spoke", subnets: ["192.168.77.0/24"] });
        assert.equal(tok.status, 201, tok.text);
        assert.deepEqual(tok.body.token.allowedIPs, ["10.9.0.2/32", "192.168.77.0/24"]);
        const reg = await hub.publicRequest("POST", "/api/spoke/register", {
            token: tok.body.token.token, publicKey: spokePublicKey(), os: "proxmox", isProxmox: true,
            proxmoxNodeName: "pve1", proxmoxClusterName: "lab", proxmoxVersion: "8.1.3",
        });
        assert.equal(reg.status, 201, reg.text);
        const list = await hub.admin("GET", "/api/spoke/list");
        assert.equal(list.body.spokes.length, 1);
        assert.equal(list.body.spokes[0].proxmoxClusterName, "lab");
        assert.equal(list.body.spokes[0].status, "pending");
        const clusters = await hub.admin("GET", "/api/proxmox/clusters");
        assert.equal(clusters.body.clusters[0].nodes[0].nodeName, "pve1");
    });

    it("lets exactly one of 50 concurrent registrations with one token through", async function () {
        const tok = await hub.admin("POST", "/api/installation/token", { spokeName: "race" });
        const answers = await Promise.all(Array.from({ length: 50 }, () =>
            hub.publicRequest("POST", "/api/spoke/register", { token: tok.body.token.token, publicKey: spokePublicKey(), os: "linux" })));
        const statuses = answers.map(a => a.status).sort();
        assert.equal(statuses.filter(s => s === 201).length, 1);
        assert.equal(statuses.filter(s => s === 410).length, 49);
    });

    it("hands out distinct addresses to 100 concurrent token creations", async function () {
        const answers = await Promise.all(Array.from({ length: 100 }, (_, i) =>
            hub.admin("POST", "/api/installation/token", { spokeName: `bulk-${i}` })));
        assert.ok(answers.every(a => a.status === 201), answers.find(a => a.status !== 201)?.text);
        const addresses = new Set(answers.map(a => a.body.token.allowedIPs[0]));
        assert.equal(addresses.size, 100);
    });

    it("keeps its data across a restart and migrates nothing twice", async function () {
        const before = (await hub.admin("GET", "/api/installation/tokens")).body.tokens.length;
        await hub.stop();
        hub = await startHub({ env: { WGHUB_DATABASE_URL: pg.url, WGHUB_TLS: "off" } });
        assert.equal((await hub.admin("GET", "/api/installation/tokens")).body.tokens.length, before);
        assert.doesNotMatch(hub.output(), /database migrated/);
    });
});
