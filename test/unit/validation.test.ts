import assert from "node:assert/strict";
import crypto from "node:crypto";
import { HubError } from "../../backend/errors";
import * as v from "../../backend/http/validation";
import { generateKeyPair } from "../../backend/wireguard/keys";

/** Asserts a 400 VALIDATION_FAILED naming the field. */
function refuses(fn: () => unknown, field: string, what: string): void {
    assert.throws(fn, (err: unknown) => {
        assert.ok(err instanceof HubError, `${what}: ${String(err)}`);
        assert.equal(err.code, "VALIDATION_FAILED", what);
        assert.equal(err.status, 400);
        assert.equal(err.details?.field, field, what);
        assert.ok(err.message.includes(field), what);
        assert.ok(err.hint, what);
        return true;
    }, what);
}

describe("validation: names and text", () => {
    it("spoke names: letters (any script), digits, space, . _ -, 1-63, starting with a letter or digit", () => {
        for (const ok of ["web-1", "db_primary.lan", "Büro Köln", "東京-1", "a", "x".repeat(63), "1st floor"])
            assert.equal(v.spokeName({ spokeName: ok }), ok);
        for (const bad of ["", " lead", "trail ", "-x", ".x", "x".repeat(64), "a\nb", "a\tb", "$(id)", "`id`", "a;b", "a'b", "a\"b",
            "a/b", "a\\b", "a\u0000b", "a\u2028b", "a=b", "[Peer]", "admin\u202Egnp.exe", "db\u200B1", "web\u200D-1", "x\uFEFF",
            5, null, undefined, ["a"], { a: 1 }])
            refuses(() => v.spokeName({ spokeName: bad }), "spokeName", JSON.stringify(bad));
    });

    it("labels (hostnames, node names) are DNS-label-like and optional", () => {
        assert.equal(v.label({ h: "pve-1.lan" }, "h"), "pve-1.lan");
        assert.equal(v.label({ h: "" }, "h"), null);
        assert.equal(v.label({}, "h"), null);
        refuses(() => v.label({}, "h", true), "h", "required");
        for (const bad of ["pve 1", "-pve", "pve;1", "x".repeat(64), "pve\n1", 1]) refuses(() => v.label({ h: bad }, "h"), "h", String(bad));
        assert.deepEqual(v.labelList({ n: ["a", "b"] }, "n"), ["a", "b"]);
        refuses(() => v.labelList({ n: "a,b" }, "n"), "n", "string");
        refuses(() => v.labelList({ n: Array(65).fill("a") }, "n"), "n", "too many");
        refuses(() => v.labelList({ n: ["a", "b c"] }, "n"), "n", "a bad item");
    });

    it("text: no control characters, no surrounding spaces, bounded; null/\"\" mean absent", () => {
        assert.equal(v.text({ d: "Rack 4, row B — ünïcode" }, "d", { max: 100 }), "Rack 4, row B — ünïcode");
        assert.equal(v.text({ d: "" }, "d", { max: 10 }), null);
        assert.equal(v.text({ d: null }, "d", { max: 10 }), null);
        refuses(() => v.text({}, "d", { max: 10, required: true }), "d", "required");
        // Bidi overrides, zero-width and other format characters make one name read as another.
        for (const bad of ["x".repeat(11), " x", "x ", "a\nb", "a\rb", "a\u0000b", "a\u007fb", "a\u0085b", "a\u2029b",
            "dc\u202E1", "dc\u2066x", "dc\u200B", "d\u00ADc", "d\u061Cc", 7, ["x"]])
            refuses(() => v.text({ d: bad }, "d", { max: 10 }), "d", JSON.stringify(bad));
    });
});

describe("validation: network values", () => {
    it("endpoints: host:port, IPv6 in brackets, DNS names; bracketed output for IPv6", () => {
        assert.equal(v.endpoint({ e: "203.0.113.5:51820" }, "e", true), "203.0.113.5:51820");
        assert.equal(v.endpoint({ e: "vpn.example.com:51820" }, "e", true), "vpn.example.com:51820");
        assert.equal(v.endpoint({ e: "[2001:DB8::1]:51820" }, "e", true), "[2001:DB8::1]:51820");
        assert.equal(v.endpoint({ e: "" }, "e", false), null);
        assert.equal(v.endpoint({ e: " host:1\n" }, "e", true), "host:1", "surrounding whitespace is dropped, never kept");
        refuses(() => v.endpoint({ e: "" }, "e", true), "e", "required");
        for (const bad of ["203.0.113.5", "vpn.example.com", "2001:db8::1:51820", "[203.0.113.5]:51820", "[::1]", "host:0", "host:65536",
            "a b:1", "$(id):1", "-bad-.com:1", "under_score.com:1", `${"a".repeat(300)}:1`, "host:1\nPostUp=x", 51820])
            refuses(() => v.endpoint({ e: bad }, "e", true), "e", JSON.stringify(bad));
    });

    it("ports: 1-65535, numbers or digit strings; a fallback when absent", () => {
        assert.equal(v.port({ p: 51820 }, "p"), 51820);
        assert.equal(v.port({ p: "443" }, "p"), 443);
        assert.equal(v.port({}, "p", 51820), 51820);
        for (const bad of [0, 65536, 70000, -1, 1.5, "80a", "", "1e3", true, [80]]) refuses(() => v.port({ p: bad }, "p"), "p", JSON.stringify(bad));
    });

    it("DNS: a list of IPs, as an array or a comma/space separated string, at most 8", () => {
        assert.deepEqual(v.dnsList({ dns: ["1.1.1.1", "2606:4700::1111"] }), ["1.1.1.1", "2606:4700::1111"]);
        assert.deepEqual(v.dnsList({ dns: "1.1.1.1, 8.8.8.8 9.9.9.9" }), ["1.1.1.1", "8.8.8.8", "9.9.9.9"]);
        assert.deepEqual(v.dnsList({ dns: "" }), []);
        assert.deepEqual(v.dnsList({}), []);
        for (const bad of ["dns.google", ["1.1.1.1", "x"], { a: "1.1.1.1" }, Array(9).fill("1.1.1.1"), "1.1.1.1;reboot", [1]])
            refuses(() => v.dnsList({ dns: bad }), "dns", JSON.stringify(bad));
    });

    it("hub networks: IPv4 /8-/30 and IPv6 /64-/120, host bits zero, the right family", () => {
        assert.equal(v.network({ n: "10.0.0.0/8" }, "n", 4, true)!.cidr, "10.0.0.0/8");
        assert.equal(v.network({ n: "10.0.1.0/30" }, "n", 4, true)!.cidr, "10.0.1.0/30");
        assert.equal(v.network({ n: "fd00:1::/64" }, "n", 6, false)!.cidr, "fd00:1::/64");
        assert.equal(v.network({ n: "" }, "n", 6, false), null);
        refuses(() => v.network({}, "n", 4, true), "n", "required");
        for (const [bad, fam] of [["10.0.0.0/7", 4], ["10.0.0.0/31", 4], ["10.0.0.0/33", 4], ["10.0.0.1/24", 4], ["::/0", 4], ["fd00::/64", 4],
            ["10.0.0.0/24", 6], ["fd00::/63", 6], ["fd00::/121", 6], ["::/0", 6]] as [string, 4 | 6][])
            refuses(() => v.network({ n: bad }, "n", fam, true), "n", bad);
    });

    it("routed subnets: a list of networks, not wider than /8 (IPv4) or /16 (IPv6)", () => {
        assert.deepEqual(v.cidrList({ s: ["192.168.1.0/24", "fd12::/48"] }, "s").map(n => n.cidr), ["192.168.1.0/24", "fd12::/48"]);
        assert.deepEqual(v.cidrList({ s: [] }, "s"), []);
        for (const bad of [["0.0.0.0/0"], ["10.0.0.0/7"], ["::/0"], ["192.168.1.1/24"], "192.168.1.0/24", Array(33).fill("10.1.0.0/16"), [5]])
            refuses(() => v.cidrList({ s: bad }, "s"), "s", JSON.stringify(bad));
    });

    it("single IPs", () => {
        assert.equal(v.ip({ i: "10.0.1.5" }, "i"), "10.0.1.5");
        assert.equal(v.ip({ i: "" }, "i"), null);
        for (const bad of ["10.0.1.5/32", "10.0.1.256", "x", 10]) refuses(() => v.ip({ i: bad }, "i"), "i", String(bad));
    });
});

describe("validation: keys, tokens, ids and the rest", () => {
    it("WireGuard keys: 32 bytes in standard base64, exactly", () => {
        for (let i = 0; i < 50; i++) {
            const { publicKey } = generateKeyPair();
            assert.equal(v.wireguardKey({ k: publicKey }, "k"), publicKey);
        }
        const base = generateKeyPair().publicKey;
        for (const bad of [base.slice(0, 43), `${base}=`, base.replace("=", ""), `${base}\n`, ` ${base}`, base.replace(/[+/]/g, "-").replace(/^./, "-"),
            crypto.randomBytes(31).toString("base64"), crypto.randomBytes(33).toString("base64"), `${base.slice(0, 42)}B=`, "", null, 1])
            refuses(() => v.wireguardKey({ k: bad }, "k"), "k", JSON.stringify(bad));
    });

    it("installation tokens: anything but 43 base64url characters is TOKEN_NOT_FOUND, never a 400 that reveals the shape", () => {
        const t = crypto.randomBytes(32).toString("base64url");
        assert.equal(v.installToken(t), t);
        for (const bad of [t.slice(1), `${t}A`, `${t.slice(0, 42)}+`, "", null, 5, [t]])
            assert.throws(() => v.installToken(bad), (e: unknown) => e instanceof HubError && e.code === "TOKEN_NOT_FOUND" && e.status === 404);
    });

    it("ids: lowercase uuids only", () => {
        const id = crypto.randomUUID();
        assert.equal(v.uuid(id, "id"), id);
        for (const bad of [id.toUpperCase(), id.slice(1), `${id}0`, "1 OR 1=1", "../x", "", 1]) refuses(() => v.uuid(bad, "id"), "id", String(bad));
    });

    it("TTL: 5m to 30d as a duration or seconds", () => {
        assert.equal(v.ttl({ t: "5m" }, "t"), 300_000);
        assert.equal(v.ttl({ t: "30d" }, "t"), 30 * 86_400_000);
        assert.equal(v.ttl({ t: 3600 }, "t"), 3_600_000);
        assert.equal(v.ttl({}, "t"), null);
        for (const bad of ["4m", "31d", 299, 1.5, "1y", "soon", -300, true]) refuses(() => v.ttl({ t: bad }, "t"), "t", JSON.stringify(bad));
    });

    it("metadata: an object of at most 20 short values, numbers and booleans as text, null values dropped", () => {
        assert.deepEqual(v.metadata({ m: { kernel: "6.1", cores: 4, vm: false, gone: null } }, "m"), { kernel: "6.1", cores: "4", vm: "false" });
        assert.deepEqual(v.metadata({}, "m"), {});
        const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"]));
        for (const [bad, field] of [[["a"], "m"], ["text", "m"], [many, "m"], [{ "bad key": "x" }, "m.bad key"], [{ _x: "x" }, "m._x"],
            [{ k: "x".repeat(201) }, "m.k"], [{ k: "a\nb" }, "m.k"], [{ k: { nested: 1 } }, "m.k"]] as [unknown, string][])
            refuses(() => v.metadata({ m: bad }, "m"), field, JSON.stringify(bad).slice(0, 60));
    });

    it("booleans and enumerations", () => {
        assert.equal(v.bool({ b: true }, "b"), true);
        assert.equal(v.bool({}, "b"), false);
        for (const bad of ["true", 1, 0, "yes"]) refuses(() => v.bool({ b: bad }, "b"), "b", String(bad));
        assert.equal(v.oneOf({ os: "macos" }, "os", ["linux", "macos"] as const), "macos");
        assert.equal(v.oneOf({}, "os", ["linux", "macos"] as const, "linux"), "linux");
        refuses(() => v.oneOf({ os: "LINUX" }, "os", ["linux", "macos"] as const), "os", "case");
    });

    it("the body must be an object", () => {
        assert.deepEqual(v.asBody({ a: 1 }), { a: 1 });
        for (const bad of [null, [], [{}], "x", 5, undefined])
            assert.throws(() => v.asBody(bad), (e: unknown) => e instanceof HubError && e.code === "BAD_REQUEST");
    });
});
