import assert from "node:assert/strict";
import crypto from "node:crypto";
import type { TokenRow } from "../../backend/db/models";
import { HubError } from "../../backend/errors";
import { allowedIPsOf, assertUsable, effectiveState, hashToken, tokenView } from "../../backend/tokens/tokens";

const now = new Date("2026-06-01T12:00:00Z");

function row(change: Partial<TokenRow> = {}): TokenRow {
    return {
        id: crypto.randomUUID(), tokenHash: "h", tokenPrefix: "abcdef", spokeId: crypto.randomUUID(), spokeName: "web-1", purpose: "enroll",
        address: "10.0.1.2", addressV6: null, subnets: "[]", datacenter: null, state: "pending",
        expiresAt: new Date(now.getTime() + 3600_000), usedAt: null, revokedAt: null,
        createdAt: new Date(now.getTime() - 60_000), updatedAt: new Date(now.getTime() - 60_000),
        ...change,
    } as TokenRow;
}

describe("tokens: state", () => {
    it("a pending token past its time is expired; other states stay what they are", () => {
        assert.equal(effectiveState(row(), now), "pending");
        assert.equal(effectiveState(row({ expiresAt: now }), now), "expired", "expiry is inclusive");
        assert.equal(effectiveState(row({ expiresAt: new Date(now.getTime() - 1) }), now), "expired");
        assert.equal(effectiveState(row({ state: "used", expiresAt: new Date(0) }), now), "used");
        assert.equal(effectiveState(row({ state: "revoked", expiresAt: new Date(0) }), now), "revoked");
    });

    it("assertUsable throws the code the API answers with", () => {
        const codeOf = (r: TokenRow | null) => {
            try {
                assertUsable(r, now);
                return "usable";
            } catch (e) {
                assert.ok(e instanceof HubError);
                return `${e.code} ${e.status}`;
            }
        };
        assert.equal(codeOf(row()), "usable");
        assert.equal(codeOf(null), "TOKEN_NOT_FOUND 404");
        assert.equal(codeOf(row({ state: "used" })), "TOKEN_ALREADY_USED 410");
        assert.equal(codeOf(row({ expiresAt: new Date(0) })), "TOKEN_EXPIRED 410");
        assert.equal(codeOf(row({ state: "expired" })), "TOKEN_EXPIRED 410");
        assert.equal(codeOf(row({ state: "revoked" })), "TOKEN_REVOKED 410");
    });
});

describe("tokens: views and hashes", () => {
    it("the view has no secret and no hash, and lists the addresses with the routed subnets", () => {
        const view = tokenView(row({ tokenHash: "secret-hash", addressV6: "fd00::2", subnets: JSON.stringify(["192.168.5.0/24"]) }), now);
        assert.ok(!("tokenHash" in view) && !("token" in view));
        assert.ok(!JSON.stringify(view).includes("secret-hash"));
        assert.deepEqual(view.allowedIPs, ["10.0.1.2/32", "fd00::2/128", "192.168.5.0/24"]);
        assert.equal(view.state, "pending");
        assert.equal(view.used, false);
        assert.equal(view.tokenPrefix, "abcdef");
        assert.equal(tokenView(row({ state: "used", usedAt: now }), now).used, true);
        assert.equal(tokenView(row({ state: "used", usedAt: now }), now).usedAt, now.toISOString());
    });

    it("allowedIPsOf: /32, /128, then subnets", () => {
        assert.deepEqual(allowedIPsOf("10.0.1.9", null, []), ["10.0.1.9/32"]);
        assert.deepEqual(allowedIPsOf("10.0.1.9", "fd00::9", ["10.9.0.0/16"]), ["10.0.1.9/32", "fd00::9/128", "10.9.0.0/16"]);
    });

    it("hashToken is SHA-256 hex, and differs for tokens differing in one character", () => {
        // FIPS 180-2's test vector for "abc".
        assert.equal(hashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        const t = crypto.randomBytes(32).toString("base64url");
        assert.match(hashToken(t), /^[0-9a-f]{64}$/);
        assert.notEqual(hashToken(t), hashToken(`${t.slice(0, -1)}${t.endsWith("A") ? "B" : "A"}`));
    });
});
