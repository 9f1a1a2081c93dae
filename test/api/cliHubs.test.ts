// wireguard-hub hub list | hub remove | join and token create --hub on a SQLite hub: one hub, listed alone;
// joining (a PostgreSQL matter) is refused with the service's reason. The PostgreSQL side is in
// test/postgres/hubs.test.ts.
import assert from "node:assert/strict";
import { cli, enrolledSpoke, initialisedHub, type RunningHub } from "./helpers";

describe("api: the wireguard-hub command with one hub on SQLite", function () {
    this.timeout(60_000);
    let hub: RunningHub;
    const on = (...args: string[]) => cli(["--socket", hub.socket, ...args]);

    before(async () => {
        hub = await initialisedHub({ env: { WGHUB_WG_MODE: "off", WGHUB_HUB_NAME: "hub-solo" } });
    });
    after(async () => hub?.stop());

    it("hub list shows this hub alone, marked as this one and healthy", async () => {
        const r = await on("hub", "list");
        assert.equal(r.code, 0, r.stderr);
        const lines = r.stdout.trim().split("\n");
        assert.match(lines[0], /^NAME\s+ADDRESS\s+PUBLIC ENDPOINT\s+PRIVATE ENDPOINT\s+HEALTH\s+HEARTBEAT\s+SPOKES$/);
        assert.match(lines[1], /^hub-solo \*\s+10\.0\.1\.1\s+203\.0\.113\.5:51820\s+-\s+healthy\s+-\s+0$/);
        assert.equal(lines.filter(l => /healthy|down/.test(l)).length, 1, "one hub");
        assert.match(r.stdout, /^\* this hub$/m);
        assert.match(r.stdout, /SQLite.*wireguard-hub join/);

        const json = JSON.parse((await on("--json", "hub", "list")).stdout);
        assert.equal(json.shared, false);
        assert.deepEqual(json.hubs.map((h: { name: string; self: boolean }) => [h.name, h.self]), [["hub-solo", true]]);
    });

    it("hub list counts the hub's spokes", async () => {
        await enrolledSpoke(hub, { spokeName: "counted-1" });
        await enrolledSpoke(hub, { spokeName: "counted-2" });
        const r = await on("hub", "list");
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^hub-solo \*.*healthy\s+-\s+2$/m);
    });

    it("join on SQLite fails with the service's reason and hint, exit 1, and changes nothing", async () => {
        const r = await on("join", "--public-endpoint", "198.51.100.7:51820", "--listen-port", "51821");
        assert.equal(r.code, 1, r.stdout);
        assert.match(r.stderr, /^error: Joining other hubs needs a shared PostgreSQL database/m);
        assert.match(r.stderr, /^hint: .*WGHUB_DATABASE_URL=postgres:/m);
        assert.equal(r.stdout, "");
        const list = await hub.admin("GET", "/api/hub/list");
        assert.equal(list.body.hubs.length, 1);
        assert.equal(list.body.hubs[0].publicEndpoint, "203.0.113.5:51820");
    });

    it("join checks its options before asking the service", async () => {
        const port = await on("join", "--public-endpoint", "198.51.100.7:51820", "--listen-port", "70000");
        assert.equal(port.code, 1);
        assert.match(port.stderr, /^error: --listen-port 70000 is not a port number/m);
        const missing = await on("join");
        assert.notEqual(missing.code, 0);
        assert.match(missing.stderr, /--public-endpoint/);
        const bad = await on("join", "--public-endpoint", "not an endpoint");
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /^error: .*publicEndpoint/m);
    });

    it("hub remove has no other hub to remove on SQLite", async () => {
        const r = await on("hub", "remove", "hub-other");
        assert.equal(r.code, 1, r.stdout);
        assert.match(r.stderr, /^error: No hub named hub-other/m);
        assert.match(r.stderr, /^hint: .*hub list/m);
    });

    it("token create --hub names a hub of the database: an unknown one is refused", async () => {
        const r = await on("token", "create", "elsewhere", "--hub", "hub-nowhere");
        assert.equal(r.code, 1, r.stdout);
        assert.match(r.stderr, /^error: .*hub-nowhere/m);
        assert.match(r.stderr, /^hint: /m);
        const tokens = (await hub.admin("GET", "/api/installation/tokens")).body.tokens as { spokeName: string }[];
        assert.ok(!tokens.some(t => t.spokeName === "elsewhere"));
    });

    it("help lists the hub commands", async () => {
        const top = await cli(["--help"]);
        assert.match(top.stdout, /^\s+hub\s+the hubs sharing/m);
        assert.match(top.stdout, /^\s+join \[options\]\s+join the hubs/m);
        const create = await cli(["token", "create", "--help"]);
        assert.match(create.stdout, /--hub <name>/);
    });
});
