// The contract's field schemas (backend/contract/api.ts) as the service applies them: each
// gives the clean value or a 400 that names the field and says what it accepts.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { z } from "zod";
import { HubError } from "../../backend/errors";
import * as c from "../../backend/contract/api";
import { parseWith } from "../../backend/http/routes";
import { generateKeyPair } from "../../backend/wireguard/keys";

const { field: f } = c;

/** The clean value of `value` given as field "x" of a body. */
function accept(schema: z.ZodType, value: unknown): any {
    return parseWith(z.object({ x: schema }), value === undefined ? {} : { x: value }, "body").x;
}

/** Asserts a 400 VALIDATION_FAILED naming the field (x, or x.key inside a record). */
function refuses(schema: z.ZodType, value: unknown, what = JSON.stringify(value), field = "x"): void {
    assert.throws(() => accept(schema, value), (err: unknown) => {
        assert.ok(err instanceof HubError, `${what}: ${String(err)}`);
        assert.equal(err.code, "VALIDATION_FAILED", what);
        assert.equal(err.status, 400);
        assert.equal(err.details?.field, field, what);
        assert.ok(err.message.startsWith(`${field} is not valid: expected `), what);
        assert.ok(err.hint, what);
        return true;
    }, what);
}

describe("validation: names and text", () => {
    it("spoke names: letters (any script), digits, space, . _ -, 1-63, starting with a letter or digit", () => {
        for (const ok of ["web-1", "db_primary.lan", "Büro Köln", "東京-1", "a", "x".repeat(63), "1st floor"])
            assert.equal(accept(f.spokeName, ok), ok);
        for (const bad of ["", " lead", "trail ", "-x", ".x", "x".repeat(64), "a\nb", "a\tb", "$(id)", "`id`", "a;b", "a'b", "a\"b",
            "a/b", "a\\b", "a\u0000b", "a\u2028b", "a=b", "[Peer]", "admin\u202Egnp.exe", "db\u200B1", "web\u200D-1", "x\uFEFF",
            5, null, undefined, ["a"], { a: 1 }])
            refuses(f.spokeName, bad);
    });

    it("labels (hostnames, node names) are DNS-label-like and optional", () => {
        assert.equal(accept(f.label, "pve-1.lan"), "pve-1.lan");
        assert.equal(accept(f.optional(f.label), ""), undefined);
        assert.equal(accept(f.optional(f.label), undefined), undefined);
        refuses(f.label, undefined, "required");
        for (const bad of ["pve 1", "-pve", "pve;1", "x".repeat(64), "pve\n1", 1]) refuses(f.label, bad);
        assert.equal(accept(f.hostname, "pve1.example.com."), "pve1.example.com");
    });

    it("text: no control or format characters, no surrounding spaces, bounded; null/\"\" mean absent", () => {
        assert.equal(accept(f.text(100), "Rack 4, row B — ünïcode"), "Rack 4, row B — ünïcode");
        assert.equal(accept(f.optional(f.text(10)), ""), undefined);
        assert.equal(accept(f.optional(f.text(10)), null), undefined);
        refuses(f.text(10), undefined, "required");
        // Bidi overrides, zero-width and other format characters make one name read as another.
        for (const bad of ["x".repeat(11), " x", "x ", "a\nb", "a\rb", "a\u0000b", "a\u007fb", "a\u0085b", "a\u2029b",
            "dc\u202E1", "dc\u2066x", "dc\u200B", "d\u00ADc", "d\u061Cc", 7, ["x"]])
            refuses(f.text(10), bad);
    });
});

describe("validation: network values", () => {
    it("endpoints: host:port, IPv6 in brackets, DNS names; bracketed output for IPv6", () => {
        assert.equal(accept(f.endpoint, "203.0.113.5:51820"), "203.0.113.5:51820");
        assert.equal(accept(f.endpoint, "vpn.example.com:51820"), "vpn.example.com:51820");
        assert.equal(accept(f.endpoint, "[2001:DB8::1]:51820"), "[2001:DB8::1]:51820");
        assert.equal(accept(f.optional(f.endpoint), ""), undefined);
        assert.equal(accept(f.endpoint, " host:1\n"), "host:1", "surrounding whitespace is dropped, never kept");
        refuses(f.endpoint, "", "empty");
        for (const bad of ["203.0.113.5", "vpn.example.com", "2001:db8::1:51820", "[203.0.113.5]:51820", "[::1]", "host:0", "host:65536",
            "a b:1", "$(id):1", "-bad-.com:1", "under_score.com:1", "999.1.1.1:51820", `${"a".repeat(300)}:1`, "host:1\nPostUp=x", 51820])
            refuses(f.endpoint, bad);
    });

    it("ports: 1-65535, numbers or digit strings", () => {
        assert.equal(accept(f.port, 51820), 51820);
        assert.equal(accept(f.port, "443"), 443);
        assert.equal(accept(f.optional(f.port), undefined), undefined);
        for (const bad of [0, 65536, 70000, -1, 1.5, "80a", "1e3", true, [80]]) refuses(f.port, bad);
    });

    it("DNS: a list of IPs, as an array or a comma/space separated string, at most 8", () => {
        assert.deepEqual(accept(f.dnsList, ["1.1.1.1", "2606:4700::1111"]), ["1.1.1.1", "2606:4700::1111"]);
        assert.deepEqual(accept(f.dnsList, "1.1.1.1, 8.8.8.8 9.9.9.9"), ["1.1.1.1", "8.8.8.8", "9.9.9.9"]);
        assert.equal(accept(f.optional(f.dnsList), ""), undefined);
        for (const bad of ["dns.google", ["1.1.1.1", "x"], { a: "1.1.1.1" }, Array(9).fill("1.1.1.1"), "1.1.1.1;reboot", [1]])
            refuses(f.dnsList, bad);
    });

    it("hub networks: IPv4 /8-/30 and IPv6 /64-/120, host bits zero, the right family", () => {
        assert.equal(accept(f.hubNetwork(4), "10.0.0.0/8").cidr, "10.0.0.0/8");
        assert.equal(accept(f.hubNetwork(4), "10.0.1.0/30").cidr, "10.0.1.0/30");
        assert.equal(accept(f.hubNetwork(6), "fd00:1::/64").cidr, "fd00:1::/64");
        assert.equal(accept(f.optional(f.hubNetwork(6)), ""), undefined);
        refuses(f.hubNetwork(4), undefined, "required");
        for (const [bad, fam] of [["10.0.0.0/7", 4], ["10.0.0.0/31", 4], ["10.0.0.0/33", 4], ["10.0.0.1/24", 4], ["::/0", 4], ["fd00::/64", 4],
            ["10.0.0.0/24", 6], ["fd00::/63", 6], ["fd00::/121", 6], ["::/0", 6]] as [string, 4 | 6][])
            refuses(f.hubNetwork(fam), bad);
    });

    it("routed subnets: a list of networks, not wider than /8 (IPv4) or /16 (IPv6)", () => {
        assert.deepEqual(accept(f.subnets, ["192.168.1.0/24", "fd12::/48"]).map((n: { cidr: string }) => n.cidr), ["192.168.1.0/24", "fd12::/48"]);
        assert.deepEqual(accept(f.subnets, []), []);
        for (const bad of [["0.0.0.0/0"], ["10.0.0.0/7"], ["::/0"], ["192.168.1.1/24"], "192.168.1.0/24", Array(33).fill("10.1.0.0/16"), [5]])
            refuses(f.subnets, bad, JSON.stringify(bad).slice(0, 40));
    });

    it("single IPs", () => {
        assert.equal(accept(f.ip, "10.0.1.5"), "10.0.1.5");
        assert.equal(accept(f.optional(f.ip), ""), undefined);
        for (const bad of ["10.0.1.5/32", "10.0.1.256", "x", 10]) refuses(f.ip, bad);
    });
});

describe("validation: keys, tokens, ids and the rest", () => {
    it("WireGuard keys: 32 bytes in standard base64, exactly", () => {
        for (let i = 0; i < 50; i++) {
            const { publicKey } = generateKeyPair();
            assert.equal(accept(f.wireguardKey, publicKey), publicKey);
        }
        const base = generateKeyPair().publicKey;
        for (const bad of [base.slice(0, 43), `${base}=`, base.replace("=", ""), `${base}\n`, ` ${base}`, base.replace(/[+/]/g, "-").replace(/^./, "-"),
            crypto.randomBytes(31).toString("base64"), crypto.randomBytes(33).toString("base64"), `${base.slice(0, 42)}B=`, "", null, 1])
            refuses(f.wireguardKey, bad);
    });

    it("installation tokens: anything but 43 base64url characters is TOKEN_NOT_FOUND, never a 400 that reveals the shape", () => {
        const t = crypto.randomBytes(32).toString("base64url");
        assert.equal(c.installToken(t), t);
        for (const bad of [t.slice(1), `${t}A`, `${t.slice(0, 42)}+`, "", null, 5, [t]])
            assert.throws(() => c.installToken(bad), (e: unknown) => e instanceof HubError && e.code === "TOKEN_NOT_FOUND" && e.status === 404);
    });

    it("ids: lowercase uuids only", () => {
        const id = crypto.randomUUID();
        assert.equal(accept(f.id, id), id);
        for (const bad of [id.toUpperCase(), id.slice(1), `${id}0`, "1 OR 1=1", "../x", "", 1]) refuses(f.id, bad);
        assert.equal(parseWith(c.IdParams, { id }, "params").id, id);
    });

    it("TTL: 5m to 30d as a duration or seconds", () => {
        assert.equal(accept(f.ttl, "5m"), 300_000);
        assert.equal(accept(f.ttl, "30d"), 30 * 86_400_000);
        assert.equal(accept(f.ttl, 3600), 3_600_000);
        assert.equal(accept(f.optional(f.ttl), undefined), undefined);
        for (const bad of ["4m", "31d", 299, 1.5, "1y", "soon", -300, true]) refuses(f.ttl, bad);
    });

    it("metadata: an object of at most 20 short values, numbers and booleans as text, null values dropped", () => {
        assert.deepEqual(accept(f.metadata, { kernel: "6.1", cores: 4, vm: false, gone: null }), { kernel: "6.1", cores: "4", vm: "false" });
        const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"]));
        for (const [bad, field] of [[["a"], "x"], ["text", "x"], [many, "x"], [{ "bad key": "x" }, "x.bad key"], [{ _x: "x" }, "x._x"],
            [{ k: "x".repeat(201) }, "x.k"], [{ k: "a\nb" }, "x.k"], [{ k: { nested: 1 } }, "x.k"]] as [unknown, string][])
            refuses(f.metadata, bad, JSON.stringify(bad).slice(0, 60), field);
    });

    it("booleans and enumerations", () => {
        assert.equal(accept(f.bool, true), true);
        assert.equal(accept(f.optional(f.bool), undefined), undefined);
        for (const bad of ["true", 1, 0, "yes"]) refuses(f.bool, bad);
        const body = (os: unknown) => parseWith(c.RegisterBody, { token: "t", publicKey: generateKeyPair().publicKey, os }, "body");
        assert.equal(body("macos").os, "macos");
        assert.equal(body(undefined).os, undefined);
        assert.throws(() => body("LINUX"), (e: unknown) => e instanceof HubError && e.details?.field === "os");
    });

    it("the body must be an object", () => {
        for (const bad of [null, [], [{}], "x", 5, undefined])
            assert.throws(() => parseWith(c.TokenBody, bad, "body"), (e: unknown) => e instanceof HubError && e.code === "BAD_REQUEST");
    });
});
