// The hub's own routes: initialise, config, status; the error shape of unknown routes, bad
// JSON and big bodies; the public listener serving only enrollment; the private key's file.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
    assertError, assertNowhere, createToken, databaseBytes, defaultInit, enrolledSpoke, initialisedHub, mode, register,
    startHub, waitUntil, type RunningHub,
} from "./helpers";

describe("api: before initialisation", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await initialisedHub({ init: false });
    });
    after(async () => hub?.stop());

    it("GET /api/hub/config is 404 HUB_NOT_INITIALIZED", async () => {
        assertError(await hub.admin("GET", "/api/hub/config"), 404, "HUB_NOT_INITIALIZED");
    });
    it("PUT /api/hub/config is 404 HUB_NOT_INITIALIZED", async () => {
        assertError(await hub.admin("PUT", "/api/hub/config", { dns: ["9.9.9.9"] }), 404, "HUB_NOT_INITIALIZED");
    });
    it("token creation is 404 HUB_NOT_INITIALIZED", async () => {
        assertError(await hub.admin("POST", "/api/installation/token", { spokeName: "early" }), 404, "HUB_NOT_INITIALIZED");
    });
    it("registration is 404 HUB_NOT_INITIALIZED", async () => {
        assertError(await register(hub, "A".repeat(43)), 404, "HUB_NOT_INITIALIZED");
    });
    it("status and health say not initialised; lists are empty", async () => {
        const status = await hub.admin("GET", "/api/hub/status");
        assert.equal(status.status, 200);
        assert.equal(status.body.initialized, false);
        assert.equal(status.body.publicKey, null);
        const health = await hub.publicRequest("GET", "/healthz");
        assert.deepEqual(health.body, { status: "ok", initialized: false });
        assert.deepEqual((await hub.admin("GET", "/api/spoke/list")).body, { spokes: [] });
        assert.deepEqual((await hub.admin("GET", "/api/installation/tokens")).body, { tokens: [] });
        assert.deepEqual((await hub.admin("GET", "/api/proxmox/clusters")).body, { clusters: [] });
    });
    it("the data dir is 0700 and the admin socket 0600", () => {
        assert.equal(mode(hub.dataDir), 0o700);
        assert.equal(mode(hub.socket), 0o600);
        assert.ok(fs.statSync(hub.socket).isSocket());
    });
});

describe("api: initialise and configure the hub", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await initialisedHub({ init: false });
    });
    after(async () => hub?.stop());

    it("initialises with the seed's body (privateEndpoint \"\" is absent) and takes the first host address", async () => {
        const res = await hub.admin("POST", "/api/hub/initialize", defaultInit);
        assert.equal(res.status, 201, res.text);
        const c = res.body.config;
        assert.equal(c.networkCIDR, "10.0.1.0/24");
        assert.equal(c.interfaceAddress, "10.0.1.1/24");
        assert.equal(c.listenPort, 51820);
        assert.equal(c.publicEndpoint, "203.0.113.5:51820");
        assert.equal(c.privateEndpoint, null);
        assert.deepEqual(c.dns, ["1.1.1.1", "8.8.8.8"]);
        assert.match(c.publicKey, /^[A-Za-z0-9+/]{43}=$/);
        assert.equal(c.tlsPin, null, "plain HTTP has no pin");
        const again = await hub.admin("GET", "/api/hub/config");
        assert.equal(again.status, 200);
        assert.deepEqual(again.body, c);
    });

    it("the private key is a 0600 file whose content is in no answer, no log and not in the database", async () => {
        const keyFile = path.join(hub.dataDir, "hub.key");
        assert.equal(mode(keyFile), 0o600);
        const privateKey = fs.readFileSync(keyFile, "utf8").trim();
        assert.match(privateKey, /^[A-Za-z0-9+/]{43}=$/);
        const config = await hub.admin("GET", "/api/hub/config");
        const status = await hub.admin("GET", "/api/hub/status");
        assertNowhere(config.text, privateKey, "GET /api/hub/config");
        assertNowhere(status.text, privateKey, "GET /api/hub/status");
        assertNowhere(hub.output(), privateKey, "the service's log");
        assertNowhere(databaseBytes(hub), privateKey, "the SQLite file");
        assertNowhere(databaseBytes(hub), Buffer.from(privateKey, "base64").toString("hex"), "the SQLite file (hex)");
        assert.equal(Buffer.from(privateKey, "base64").length, 32);
        assert.equal(databaseBytes(hub).indexOf(Buffer.from(privateKey, "base64")), -1, "raw key bytes in the SQLite file");
        assert.equal(mode(path.join(hub.dataDir, "hub.sqlite")) & 0o077, 0, "database readable by others");
    });

    it("a second initialise is 409 HUB_ALREADY_INITIALIZED and changes nothing", async () => {
        const before = await hub.admin("GET", "/api/hub/config");
        const res = await hub.admin("POST", "/api/hub/initialize", { ...defaultInit, networkCIDR: "10.9.0.0/24" });
        assertError(res, 409, "HUB_ALREADY_INITIALIZED");
        assert.match(res.body.hint, /force/);
        assert.deepEqual((await hub.admin("GET", "/api/hub/config")).body, before.body);
    });

    it("status reports the hub, mode off and address use", async () => {
        await createToken(hub, { spokeName: "counted" });
        const s = (await hub.admin("GET", "/api/hub/status")).body;
        assert.equal(s.initialized, true);
        assert.equal(s.interfaceName, "wg0");
        assert.equal(s.mode, "off");
        assert.equal(s.listenPort, 51820);
        assert.deepEqual(s.addresses, { used: 1, capacity: 253 });
        assert.ok(Array.isArray(s.peers));
    });

    it("PUT /api/hub/config changes endpoints and DNS, and the audit log says so", async () => {
        const res = await hub.admin("PUT", "/api/hub/config", {
            publicEndpoint: "vpn.example.com:51820", privateEndpoint: "[2001:db8::5]:51820", dns: ["9.9.9.9"],
        });
        assert.equal(res.status, 200, res.text);
        const c = (await hub.admin("GET", "/api/hub/config")).body;
        assert.equal(c.publicEndpoint, "vpn.example.com:51820");
        assert.equal(c.privateEndpoint, "[2001:db8::5]:51820");
        assert.deepEqual(c.dns, ["9.9.9.9"]);
        assert.equal(c.networkCIDR, "10.0.1.0/24", "the network is not changed by PUT");
        const cleared = await hub.admin("PUT", "/api/hub/config", { privateEndpoint: "" });
        assert.equal(cleared.status, 200);
        assert.equal(cleared.body.config.privateEndpoint, null);
        assert.equal(cleared.body.config.publicEndpoint, "vpn.example.com:51820", "fields not sent stay");
        const audit = (await hub.admin("GET", "/api/audit")).body.events;
        assert.ok(audit.some((e: { action: string }) => e.action === "hub.config_changed"));
    });

    it("force re-initialise removes spokes and says they must re-enroll; new key, new network", async () => {
        const before = (await hub.admin("GET", "/api/hub/config")).body;
        const spoke = await enrolledSpoke(hub);
        const res = await hub.admin("POST", "/api/hub/initialize", {
            ...defaultInit, networkCIDR: "10.20.0.0/16", networkCIDRv6: "fd00:20::/64", force: true,
        });
        assert.equal(res.status, 201, res.text);
        assert.equal(res.body.removedSpokes, 1);
        assert.match(res.body.message, /re-enroll/);
        assert.notEqual(res.body.config.publicKey, before.publicKey);
        assert.equal(res.body.config.interfaceAddress, "10.20.0.1/16");
        assert.equal(res.body.config.interfaceAddressV6, "fd00:20::1/64");
        assert.deepEqual((await hub.admin("GET", "/api/spoke/list")).body.spokes, []);
        assert.deepEqual((await hub.admin("GET", "/api/installation/tokens")).body.tokens, []);
        assertError(await hub.admin("DELETE", `/api/spoke/${spoke.id}`), 404, "SPOKE_NOT_FOUND");
        const token = await createToken(hub, { spokeName: "dual" });
        assert.deepEqual(token.allowedIPs, ["10.20.0.2/32", "fd00:20::2/128"], "addresses start again at the lowest");
        const reg = await register(hub, token.token);
        assert.equal(reg.status, 201, reg.text);
        assert.deepEqual(reg.body.config.addresses, ["10.20.0.2/16", "fd00:20::2/64"]);
        assert.deepEqual(reg.body.config.allowedIPs, ["10.20.0.0/16", "fd00:20::/64"]);
        assert.equal(reg.body.config.hubPublicKey, res.body.config.publicKey);
        const audit = (await hub.admin("GET", "/api/audit")).body.events;
        assert.ok(audit.some((e: { action: string }) => e.action === "hub.reinitialized"));
    });
});

describe("api: error shape, body limits and the two listeners", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await initialisedHub();
    });
    after(async () => hub?.stop());

    it("an unknown route is 404 NOT_FOUND in the JSON shape, on both listeners", async () => {
        assertError(await hub.admin("GET", "/api/nothing/here"), 404, "NOT_FOUND");
        assertError(await hub.admin("PATCH", "/api/hub/config", {}), 404, "NOT_FOUND");
        assertError(await hub.publicRequest("GET", "/"), 404, "NOT_FOUND");
        assertError(await hub.publicRequest("GET", "/api/nothing"), 404, "NOT_FOUND");
    });

    it("malformed JSON is 400 INVALID_JSON on both listeners", async () => {
        const bad = '{"spokeName": "x",';
        assertError(await hub.admin("POST", "/api/installation/token", bad), 400, "INVALID_JSON");
        assertError(await hub.publicRequest("POST", "/api/spoke/register", bad), 400, "INVALID_JSON");
        assertError(await hub.admin("POST", "/api/hub/initialize", "nope"), 400, "INVALID_JSON");
    });

    it("a JSON body that is not an object is 400 BAD_REQUEST", async () => {
        assertError(await hub.admin("POST", "/api/installation/token", "[1,2]"), 400, "BAD_REQUEST");
        assertError(await hub.publicRequest("POST", "/api/spoke/register", "[{\"token\": \"x\"}]"), 400, "BAD_REQUEST");
    });

    it("a body over 16 kB is 413 PAYLOAD_TOO_LARGE on both listeners", async () => {
        const big = { spokeName: "big", datacenter: "x".repeat(17 * 1024) };
        assertError(await hub.admin("POST", "/api/installation/token", big), 413, "PAYLOAD_TOO_LARGE");
        assertError(await hub.publicRequest("POST", "/api/spoke/register", { token: "t", publicKey: "k", metadata: { a: "y".repeat(20_000) } }),
            413, "PAYLOAD_TOO_LARGE");
    });

    it("every admin path is 404 NOT_FOUND on the public listener", async () => {
        const id = "00000000-0000-4000-8000-000000000000";
        const adminPaths: [string, string][] = [
            ["POST", "/api/hub/initialize"], ["GET", "/api/hub/config"], ["PUT", "/api/hub/config"], ["GET", "/api/hub/status"],
            ["POST", "/api/installation/token"], ["GET", "/api/installation/tokens"], ["DELETE", `/api/installation/token/${id}`],
            ["GET", "/api/spoke/list"], ["DELETE", `/api/spoke/${id}`], ["POST", `/api/spoke/${id}/disable`], ["POST", `/api/spoke/${id}/enable`],
            ["GET", "/api/proxmox/clusters"], ["PUT", `/api/proxmox/clusters/${id}`], ["GET", "/api/audit"], ["GET", "/api/openapi.json"],
            ["GET", "/metrics"], ["GET", "/api/traffic"],
        ];
        for (const [method, p] of adminPaths)
            assertError(await hub.publicRequest(method, p, method === "GET" || method === "DELETE" ? undefined : { spokeName: "x" }), 404, "NOT_FOUND", `${method} ${p}`);
        // and nothing was created through them
        assert.deepEqual((await hub.admin("GET", "/api/installation/tokens")).body.tokens, []);
    });

    it("GET /metrics answers Prometheus text with the hub's gauges", async () => {
        await enrolledSpoke(hub);
        await createToken(hub);
        const res = await hub.admin("GET", "/metrics");
        assert.equal(res.status, 200);
        assert.match(String(res.headers["content-type"]), /^text\/plain/);
        assert.match(res.text, /^# HELP wghub_spokes /m);
        assert.match(res.text, /^# TYPE wghub_spokes gauge$/m);
        assert.match(res.text, /^wghub_spokes\{state="pending"\} 1$/m);
        assert.match(res.text, /^wghub_addresses_used 2$/m);
        assert.match(res.text, /^wghub_process_cpu_user_seconds_total /m);
        assert.doesNotMatch(res.text, /process_process/);
        for (const line of res.text.split("\n").filter(l => l && !l.startsWith("#")))
            assert.match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+-]+|NaN$/, line);
    });

    it("GET /api/traffic answers points for the hub and 404 for an unknown spoke", async () => {
        const res = await hub.admin("GET", "/api/traffic?minutes=5");
        assert.equal(res.status, 200, res.text);
        assert.equal(typeof res.body.intervalSeconds, "number");
        assert.ok(Array.isArray(res.body.points));
        assertError(await hub.admin("GET", "/api/traffic?spokeId=00000000-0000-4000-8000-000000000000"), 404, "SPOKE_NOT_FOUND");
        assertError(await hub.admin("GET", "/api/traffic?minutes=61"), 400, "VALIDATION_FAILED");
    });

    it("GET /api/audit pages with limit and before, and refuses bad values", async () => {
        const all = (await hub.admin("GET", "/api/audit?limit=1000")).body.events as { id: number }[];
        assert.ok(all.length >= 3);
        const first = (await hub.admin("GET", "/api/audit?limit=2")).body.events as { id: number }[];
        assert.deepEqual(first.map(e => e.id), all.slice(0, 2).map(e => e.id));
        const next = (await hub.admin("GET", `/api/audit?limit=2&before=${first[1].id}`)).body.events as { id: number }[];
        assert.deepEqual(next.map(e => e.id), all.slice(2, 4).map(e => e.id));
        assertError(await hub.admin("GET", "/api/audit?limit=0"), 400, "VALIDATION_FAILED");
        assertError(await hub.admin("GET", "/api/audit?limit=abc"), 400, "VALIDATION_FAILED");
        assertError(await hub.admin("GET", "/api/audit?before=-3"), 400, "VALIDATION_FAILED");
    });
});

describe("api: with WireGuard off the conf file is still rendered", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await startHub({ env: { WGHUB_TLS: "off", WGHUB_RECONCILE_SCHEDULE: "*/1 * * * * *" } });
        await hub.admin("POST", "/api/hub/initialize", defaultInit);
    });
    after(async () => hub?.stop());

    it("wg0.conf holds the registered peer and is 0600", async () => {
        const spoke = await enrolledSpoke(hub);
        const conf = path.join(hub.dataDir, "wireguard", "wg0.conf");
        await waitUntil(async () => fs.existsSync(conf) && fs.readFileSync(conf, "utf8").includes(spoke.publicKey), 10_000, "wg0.conf with the peer");
        assert.equal(mode(conf), 0o600);
        assert.match(fs.readFileSync(conf, "utf8"), /AllowedIPs = 10\.0\.1\.2\/32/);
    });
});
