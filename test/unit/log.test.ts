import assert from "node:assert/strict";
import crypto from "node:crypto";
import { createLogger, redact } from "../../backend/log";
import { generateKeyPair } from "../../backend/wireguard/keys";

const newToken = () => crypto.randomBytes(32).toString("base64url");

describe("log: redact", () => {
    it("masks installation tokens wherever they sit: free text, URL paths, queries, JSON", () => {
        for (let i = 0; i < 200; i++) {
            const t = newToken();
            for (const text of [t, `token ${t} used`, `/api/installation/script/${t}?platform=linux`, `/api/installation/script/${t}/`,
                JSON.stringify({ token: t }), `token=${t}&x=1`, `"${t}"`]) {
                const out = redact(text);
                assert.ok(!out.includes(t), `${text} → ${out}`);
                assert.ok(out.includes(`${t.slice(0, 6)}…[redacted]`), out);
            }
        }
    });

    it("leaves WireGuard keys, uuids, hashes and short words alone", () => {
        for (let i = 0; i < 200; i++) {
            const { publicKey, privateKey } = generateKeyPair();
            for (const key of [publicKey, privateKey]) {
                assert.equal(redact(key), key);
                assert.equal(redact(`PublicKey = ${key}`), `PublicKey = ${key}`);
                assert.equal(redact(`peer=${JSON.stringify(key)}`), `peer=${JSON.stringify(key)}`);
            }
        }
        const id = crypto.randomUUID();
        assert.equal(redact(`spoke ${id}`), `spoke ${id}`);
        const sha = crypto.createHash("sha256").update("x").digest("hex");
        assert.equal(redact(sha), sha);
        assert.equal(redact("hub initialised network=10.0.1.0/24"), "hub initialised network=10.0.1.0/24");
    });
});

describe("log: createLogger", () => {
    it("writes one redacted line per call, with fields, at or above its level", () => {
        const lines: string[] = [];
        const log = createLogger("info", l => lines.push(l));
        const t = newToken();
        log.debug("hidden", { a: 1 });
        log.info("request", { path: `/api/installation/script/${t}`, status: 200 });
        log.warn("multi\nline?", { why: "x" });
        log.error("boom", { error: `bad token ${t}` });
        assert.equal(lines.length, 3);
        assert.ok(lines.every(l => !l.includes(t)));
        assert.match(lines[0], /^info: request path="\/api\/installation\/script\/[A-Za-z0-9_-]{6}…\[redacted\]" status=200$/);
        assert.match(lines[2], /^error: boom error="bad token /);
    });
    it("error level drops everything but errors", () => {
        const lines: string[] = [];
        const log = createLogger("error", l => lines.push(l));
        log.info("a");
        log.warn("b");
        log.error("c");
        assert.deepEqual(lines, ["error: c"]);
    });
});
