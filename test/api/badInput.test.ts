// A table of hostile and malformed inputs across every route that takes input: each is a 4xx
// in the error shape, and the database is byte-for-byte the same after the whole table.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { dumpDatabase, request } from "../support/hub";
import { assertError, createToken, defaultInit, initialisedHub, register, spokePublicKey, type HttpAnswer, type RunningHub } from "./helpers";

type Case = { what: string; send(hub: RunningHub, ctx: Fixture): Promise<HttpAnswer>; status?: number; code?: string };
interface Fixture { token: string; clusterId: string }

const key32 = (bytes: number) => crypto.randomBytes(bytes).toString("base64");
const init = (change: Record<string, unknown>): Case["send"] => hub =>
    hub.admin("POST", "/api/hub/initialize", { ...defaultInit, force: true, ...change });
const token = (change: Record<string, unknown>): Case["send"] => hub =>
    hub.admin("POST", "/api/installation/token", { spokeName: "fine", ...change });
const reg = (change: Record<string, unknown>): Case["send"] => (hub, f) =>
    hub.publicRequest("POST", "/api/spoke/register", { token: f.token, publicKey: spokePublicKey(), os: "linux", ...change });
const putConfig = (body: unknown): Case["send"] => hub => hub.admin("PUT", "/api/hub/config", body);
const putCluster = (body: unknown, id?: string): Case["send"] => (hub, f) => hub.admin("PUT", `/api/proxmox/clusters/${id ?? f.clusterId}`, body);

const v = "VALIDATION_FAILED";
const cases: Case[] = [
    // initialise (force: a mistake here would wipe everything, so validation must stop it first)
    { what: "init: CIDR /33", send: init({ networkCIDR: "10.0.0.0/33" }), code: v },
    { what: "init: CIDR with host bits", send: init({ networkCIDR: "10.0.0.1/24" }), code: v },
    { what: "init: ::/0 as the IPv4 network", send: init({ networkCIDR: "::/0" }), code: v },
    { what: "init: ::/0 as the IPv6 network", send: init({ networkCIDRv6: "::/0" }), code: v },
    { what: "init: IPv4 network in the IPv6 field", send: init({ networkCIDRv6: "10.0.0.0/24" }), code: v },
    { what: "init: CIDR /31 (no room for spokes)", send: init({ networkCIDR: "10.0.0.0/31" }), code: v },
    { what: "init: CIDR with a shell command", send: init({ networkCIDR: "10.0.0.0/24; rm -rf /" }), code: v },
    { what: "init: CIDR as a number", send: init({ networkCIDR: 167772160 }), code: v },
    { what: "init: CIDR as an array", send: init({ networkCIDR: ["10.0.0.0/24"] }), code: v },
    { what: "init: port 0", send: init({ listenPort: 0 }), code: v },
    { what: "init: port 70000", send: init({ listenPort: 70000 }), code: v },
    { what: "init: port with a command", send: init({ listenPort: "51820; reboot" }), code: v },
    { what: "init: fractional port", send: init({ listenPort: 1.5 }), code: v },
    { what: "init: endpoint without a port", send: init({ publicEndpoint: "203.0.113.5" }), code: v },
    { what: "init: DNS name without a port", send: init({ publicEndpoint: "vpn.example.com" }), code: v },
    { what: "init: IPv6 endpoint without brackets", send: init({ publicEndpoint: "2001:db8::1:51820" }), code: v },
    { what: "init: IPv4 in brackets", send: init({ publicEndpoint: "[203.0.113.5]:51820" }), code: v },
    { what: "init: endpoint with $()", send: init({ publicEndpoint: "$(reboot):51820" }), code: v },
    { what: "init: endpoint with a space", send: init({ publicEndpoint: "a b:51820" }), code: v },
    { what: "init: private endpoint port 0", send: init({ privateEndpoint: "10.0.0.5:0" }), code: v },
    { what: "init: endpoint of 10 kB", send: init({ publicEndpoint: `${"a".repeat(10_240)}:51820` }), code: v },
    { what: "init: DNS garbage", send: init({ dns: "not-an-ip" }), code: v },
    { what: "init: DNS with a command", send: init({ dns: ["1.1.1.1", "$(reboot)"] }), code: v },
    { what: "init: DNS as an object", send: init({ dns: { primary: "1.1.1.1" } }), code: v },
    { what: "init: IPv6 network smaller than the IPv4 one", send: init({ networkCIDR: "10.0.0.0/23", networkCIDRv6: "fd00::/120" }), code: v },
    { what: "init: force as a string", send: init({ force: "yes" }), code: v },
    { what: "init: body as an array", send: hub => hub.admin("POST", "/api/hub/initialize", [defaultInit]), code: "BAD_REQUEST" },
    // token creation
    { what: "token: name with newline and [Interface]", send: token({ spokeName: "x\n[Interface]\nPostUp = reboot" }), code: v },
    { what: "token: name with $()", send: token({ spokeName: "$(reboot)" }), code: v },
    { what: "token: name with backticks", send: token({ spokeName: "`reboot`" }), code: v },
    { what: "token: name with a single quote", send: token({ spokeName: "it's" }), code: v },
    { what: "token: name with double quotes", send: token({ spokeName: "say \"hi\"" }), code: v },
    { what: "token: name with NUL", send: token({ spokeName: "nul\u0000byte" }), code: v },
    { what: "token: name of 10 kB", send: token({ spokeName: "x".repeat(10_240) }), code: v },
    { what: "token: empty name", send: token({ spokeName: "" }), code: v },
    { what: "token: name as a number", send: token({ spokeName: 42 }), code: v },
    { what: "token: name as an array", send: token({ spokeName: ["a"] }), code: v },
    { what: "token: name starting with a dash", send: token({ spokeName: "-rf" }), code: v },
    { what: "token: name with a semicolon", send: token({ spokeName: "a;b" }), code: v },
    { what: "token: name with U+2028", send: token({ spokeName: "a\u2028b" }), code: v },
    { what: "token: customIP not an address", send: token({ customIP: "10.0.1.300" }), code: v },
    { what: "token: customIP as a CIDR", send: token({ customIP: "10.0.1.5/32" }), code: v },
    { what: "token: customIP outside the network", send: token({ customIP: "192.168.1.5" }), status: 409, code: "ADDRESS_UNAVAILABLE" },
    { what: "token: customIP the hub's", send: token({ customIP: "10.0.1.1" }), status: 409, code: "ADDRESS_TAKEN" },
    { what: "token: subnet inside the hub network", send: token({ subnets: ["10.0.1.0/25"] }), code: v },
    { what: "token: subnet around the hub network", send: token({ subnets: ["10.0.0.0/8"] }), code: v },
    { what: "token: subnet holding the hub's public endpoint", send: token({ subnets: ["203.0.113.0/24"] }), code: v },
    { what: "token: subnets as a string", send: token({ subnets: "192.168.1.0/24" }), code: v },
    { what: "token: subnet with host bits", send: token({ subnets: ["192.168.1.1/24"] }), code: v },
    { what: "token: subnet 0.0.0.0/0", send: token({ subnets: ["0.0.0.0/0"] }), code: v },
    { what: "token: subnet with a command", send: token({ subnets: ["192.168.1.0/24\nPostUp=reboot"] }), code: v },
    { what: "token: datacenter with a newline", send: token({ datacenter: "fra\nPostUp=x" }), code: v },
    { what: "token: datacenter as an object", send: token({ datacenter: { name: "fra" } }), code: v },
    { what: "token: spokeId not a uuid", send: token({ spokeId: "not-a-uuid" }), code: v },
    { what: "token: spokeId path traversal", send: token({ spokeId: "../../etc/passwd" }), code: v },
    { what: "token: ttl forever", send: token({ ttl: "forever" }), code: v },
    { what: "token: negative ttl", send: token({ ttl: -5 }), code: v },
    // registration (with a valid token, which must stay pending)
    { what: "register: key too short", send: reg({ publicKey: "short" }), code: v },
    { what: "register: key of the wrong alphabet", send: reg({ publicKey: `${"!".repeat(43)}=` }), code: v },
    { what: "register: key of 31 bytes", send: reg({ publicKey: key32(31) }), code: v },
    { what: "register: key of 33 bytes", send: reg({ publicKey: key32(33) }), code: v },
    { what: "register: key in base64url", send: reg({ publicKey: `${"-_".repeat(21)}A=` }), code: v },
    { what: "register: key with a newline", send: reg({ publicKey: `${spokePublicKey()}\n` }), code: v },
    { what: "register: key as an array", send: reg({ publicKey: [spokePublicKey()] }), code: v },
    { what: "register: unknown os", send: reg({ os: "solaris" }), code: v },
    { what: "register: hostname with $()", send: reg({ hostname: "$(reboot)" }), code: v },
    { what: "register: node name with [Peer]", send: reg({ isProxmox: true, proxmoxNodeName: "pve1\n[Peer]" }), code: v },
    { what: "register: cluster nodes as a string", send: reg({ isProxmox: true, proxmoxClusterNodes: "pve1,pve2" }), code: v },
    { what: "register: cluster node with a semicolon", send: reg({ isProxmox: true, proxmoxClusterNodes: ["ok", "bad;name"] }), code: v },
    { what: "register: metadata as an array", send: reg({ metadata: ["a"] }), code: v },
    { what: "register: metadata with a bad key", send: reg({ metadata: { "bad key!": "x" } }), code: v },
    { what: "register: metadata value of 10 kB", send: reg({ metadata: { note: "x".repeat(10_240) } }), code: v },
    { what: "register: isProxmox as a string", send: reg({ isProxmox: "true" }), code: v },
    { what: "register: token as a number", send: reg({ token: 12345 }), status: 404, code: "TOKEN_NOT_FOUND" },
    { what: "register: token with a command", send: reg({ token: "$(reboot)" }), status: 404, code: "TOKEN_NOT_FOUND" },
    // hub config
    { what: "config: DNS with a command", send: putConfig({ dns: "1.1.1.1; rm -rf /" }), code: v },
    { what: "config: empty public endpoint", send: putConfig({ publicEndpoint: "" }), code: v },
    { what: "config: IPv6 without a port", send: putConfig({ privateEndpoint: "[::1]" }), code: v },
    { what: "config: nine DNS servers", send: putConfig({ dns: Array.from({ length: 9 }, (_, i) => `10.9.9.${i + 1}`) }), code: v },
    { what: "config: body as an array", send: putConfig([{ dns: ["1.1.1.1"] }]), code: "BAD_REQUEST" },
    // clusters
    { what: "cluster: datacenter of 101 characters", send: putCluster({ datacenter: "d".repeat(101) }), code: v },
    { what: "cluster: description with NUL", send: putCluster({ description: "a\u0000b" }), code: v },
    { what: "cluster: description of 10 kB", send: putCluster({ description: "x".repeat(10_240) }), code: v },
    { what: "cluster: datacenter as a number", send: putCluster({ datacenter: 5 }), code: v },
    { what: "cluster: id not a uuid", send: putCluster({ datacenter: "x" }, "1%20OR%201%3D1"), code: v },
    { what: "cluster: unknown id", send: putCluster({ datacenter: "x" }, crypto.randomUUID()), status: 404, code: "CLUSTER_NOT_FOUND" },
    { what: "cluster: body as an array", send: putCluster(["x"]), code: "BAD_REQUEST" },
    // ids in paths
    { what: "spoke delete: SQL in the id", send: hub => hub.admin("DELETE", "/api/spoke/1%27%20OR%20%271%27%3D%271"), code: v },
    { what: "public: a malformed %-escape in the token", send: hub => hub.publicRequest("GET", "/api/installation/script/%E0%A4%A"), code: "BAD_REQUEST" },
    { what: "admin: a malformed %-escape in an id", send: hub => hub.admin("POST", "/api/spoke/%ZZ/disable"), code: "BAD_REQUEST" },
    {
        what: "register: a body that claims to be compressed", code: "BAD_REQUEST",
        send: hub => hub.publicRequest("POST", "/api/spoke/register", "{}", { "content-type": "application/json", "content-encoding": "br" }),
    },
    {
        what: "token: a body in latin1", code: "BAD_REQUEST",
        send: hub => request({ socketPath: hub.socket, method: "POST", path: "/api/installation/token", headers: { "content-type": "application/json; charset=latin1" } }, "{\"spokeName\":\"x\"}"),
    },
    { what: "token revoke: uppercase uuid", send: hub => hub.admin("DELETE", `/api/installation/token/${crypto.randomUUID().toUpperCase()}`), code: v },
];

describe("api: hostile and malformed input", () => {
    let hub: RunningHub;
    const fixture: Fixture = { token: "", clusterId: "" };
    before(async () => {
        hub = await initialisedHub();
        const t = await createToken(hub, { spokeName: "pve1", datacenter: "fra" });
        assert.equal((await register(hub, t.token, { isProxmox: true, proxmoxNodeName: "pve1", proxmoxClusterName: "c1" })).status, 201);
        fixture.clusterId = (await hub.admin("GET", "/api/proxmox/clusters")).body.clusters[0].id;
        fixture.token = (await createToken(hub, { spokeName: "pending-one" })).token;
    });
    after(async () => hub?.stop());

    it(`answers each of the ${cases.length} cases with a 4xx in the error shape and changes nothing`, async () => {
        assert.ok(cases.length >= 40);
        const before = await dumpDatabase(hub);
        const failures: string[] = [];
        for (const c of cases) {
            const res = await c.send(hub, fixture);
            try {
                assertError(res, c.status ?? 400, c.code ?? v, c.what);
            } catch (err) {
                failures.push(`${c.what}: ${(err as Error).message.split("\n")[0]}`);
            }
        }
        assert.deepEqual(failures, []);
        assert.doesNotMatch(hub.output(), /^error:/m, "no bad input is an internal error");
        const after = await dumpDatabase(hub);
        assert.equal(after, before, "the database changed");
        assert.equal((await register(hub, fixture.token)).status, 201, "the token used in the table is still good");
    });
});
