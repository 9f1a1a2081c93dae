// Two hub services on one PostgreSQL database (no WireGuard, own data dirs and ports): the
// second joins with `wireguard-hub join`, `hub list` on either shows both, and a token made on
// one for the other (`token create --hub`) enrolls a spoke both list on the second; a stopped
// hub is listed down, and `hub remove` takes it out.
import assert from "node:assert/strict";
import { startPostgres, type RunningPostgres } from "../support/postgres";
import { cli, defaultInit, register, startHub, waitUntil, type RunningHub } from "../api/helpers";

interface Listed {
    name: string;
    address: string;
    healthy: boolean;
    self: boolean;
    spokes: number;
}

describe("PostgreSQL: two hubs, joined with the wireguard-hub command", function () {
    this.timeout(120_000);
    let pg: RunningPostgres | null = null;
    const hubs: RunningHub[] = [];
    const [first, second] = [() => hubs[0]!, () => hubs[1]!];
    const on = (hub: RunningHub, ...args: string[]) => cli(["--socket", hub.socket, ...args]);
    const listed = async (hub: RunningHub) => (await hub.admin("GET", "/api/hub/list")).body as { shared: boolean; hubs: Listed[] };

    before(async () => {
        pg = await startPostgres();
        for (const name of ["hub-east", "hub-west"])
            hubs.push(await startHub({ env: { WGHUB_TLS: "off", WGHUB_WG_MODE: "off", WGHUB_DATABASE_URL: pg.url, WGHUB_HUB_NAME: name } }));
    });

    after(async () => {
        for (const hub of hubs.reverse()) await hub.stop();
        await pg?.stop();
    });

    it("the first hub initialises; before the second joins, the list has the first alone", async () => {
        const init = await first().admin("POST", "/api/hub/initialize", defaultInit);
        assert.equal(init.status, 201, init.text);
        const list = await listed(first());
        assert.equal(list.shared, true);
        assert.deepEqual(list.hubs.map(h => [h.name, h.self]), [["hub-east", true]]);
    });

    it("the second joins with wireguard-hub join, and a second join is refused", async () => {
        const r = await on(second(), "join", "--public-endpoint", "198.51.100.7:51820", "--private-endpoint", "192.168.7.2:51820", "--listen-port", "51821");
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^Joined the network as hub-west$/m);
        assert.match(r.stdout, /^Tunnel address:\s+10\.0\.1\.\d+$/m);
        assert.match(r.stdout, /^Listen port:\s+51821$/m);
        assert.match(r.stdout, /^Private endpoint:\s+192\.168\.7\.2:51820$/m);

        const again = await on(second(), "join", "--public-endpoint", "198.51.100.7:51820");
        assert.equal(again.code, 1);
        assert.match(again.stderr, /^error: This hub is already hub-west/m);
        assert.match(again.stderr, /^hint: /m);
    });

    it("hub list on either hub shows both healthy, on distinct addresses, each marking itself", async () => {
        for (const hub of hubs)
            await waitUntil(async () => {
                const list = await listed(hub);
                return list.hubs.length === 2 && list.hubs.every(h => h.healthy);
            }, 60_000, `both hubs healthy in ${hub.env.WGHUB_HUB_NAME}'s list`);
        const east = await listed(first());
        const addresses = new Map(east.hubs.map(h => [h.name, h.address]));
        assert.equal(addresses.get("hub-east"), "10.0.1.1");
        assert.notEqual(addresses.get("hub-west"), addresses.get("hub-east"));

        for (const [hub, self] of [[first(), "hub-east"], [second(), "hub-west"]] as const) {
            const r = await on(hub, "hub", "list");
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, new RegExp(`^${self} \\*\\s`, "m"), r.stdout);
            assert.match(r.stdout, /^hub-east(?: \*)?\s+10\.0\.1\.1\s+203\.0\.113\.5:51820\s.*\shealthy\s/m);
            assert.match(r.stdout, new RegExp(`^hub-west(?: \\*)?\\s+${addresses.get("hub-west")!.replace(/\./g, "\\.")}\\s+198\\.51\\.100\\.7:51820\\s+192\\.168\\.7\\.2:51820\\s+healthy\\s`, "m"));
            assert.doesNotMatch(r.stdout, /SQLite/);
            assert.equal((r.stdout.match(/ \*\s/g) ?? []).length, 1, "one hub is this one");
        }
    });

    it("a token made on the first hub with --hub for the second enrolls a spoke both hubs list on the second", async () => {
        const made = await on(first(), "token", "create", "branch-west", "--hub", "hub-west");
        assert.equal(made.code, 0, made.stderr);
        assert.match(made.stdout, /^Token for branch-west \(10\.0\.1\.\d+\/32\) on hub hub-west,/m);
        const tokens = JSON.parse((await on(first(), "--json", "token", "list")).stdout).tokens as { id: string; spokeName: string; hub: string | null }[];
        const token = tokens.find(t => t.spokeName === "branch-west")!;
        assert.equal(token.hub, "hub-west");
        const secret = /\/api\/installation\/script\/([A-Za-z0-9_-]{43})\?platform=linux/.exec(made.stdout)![1];

        const registered = await register(second(), secret);
        assert.equal(registered.status, 201, registered.text);
        const id = registered.body.spoke.id as string;
        for (const hub of hubs)
            await waitUntil(async () => {
                const spokes = (await hub.admin("GET", "/api/spoke/list")).body.spokes as { id: string; hub: string | null }[];
                return spokes.find(s => s.id === id)?.hub === "hub-west";
            }, 60_000, `branch-west on hub-west in ${hub.env.WGHUB_HUB_NAME}'s spoke list`);

        const list = await on(first(), "spoke", "list");
        assert.match(list.stdout, /^ID\s+NAME\s+HUB\s+ADDRESS\s/m);
        assert.match(list.stdout, new RegExp(`^${id.slice(0, 8)}\\s+branch-west\\s+hub-west\\s`, "m"));
        await waitUntil(async () => (await listed(first())).hubs.find(h => h.name === "hub-west")?.spokes === 1, 60_000, "hub-west counted with one spoke");
        assert.match((await on(first(), "hub", "list")).stdout, /^hub-west\s.*\s1$/m);
    });

    it("hub list shows a stopped hub as down", async () => {
        await second().stop();
        await waitUntil(async () => (await listed(first())).hubs.find(h => h.name === "hub-west")?.healthy === false, 60_000, "hub-west down in hub-east's list");
        const r = await on(first(), "hub", "list");
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^hub-west\s.*\sdown\s+\d+ (?:s|min) ago\s+\d+$/m);
        assert.match(r.stdout, /^hub-east \*\s.*\shealthy\s/m);
    });

    it("hub remove takes the stopped hub out, its spoke to this hub; this hub itself is refused", async () => {
        const self = await on(first(), "hub", "remove", "hub-east");
        assert.equal(self.code, 1);
        assert.match(self.stderr, /^error: A hub cannot remove itself/m);
        assert.match(self.stderr, /^hint: /m);

        const r = await on(first(), "hub", "remove", "hub-west");
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /hub-west removed/);
        const list = await on(first(), "hub", "list");
        assert.doesNotMatch(list.stdout, /hub-west/);
        const spokes = (await first().admin("GET", "/api/spoke/list")).body.spokes as { name: string; hub: string | null }[];
        assert.equal(spokes.find(s => s.name === "branch-west")?.hub, "hub-east");

        const again = await on(first(), "hub", "remove", "hub-west");
        assert.equal(again.code, 1);
        assert.match(again.stderr, /^error: No hub named hub-west/m);
    });
});
