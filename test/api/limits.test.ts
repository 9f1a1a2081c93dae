// Rate limits and the optional TCP admin listener: the public enrollment routes per source
// address, token creation on the TCP admin listener (10/hour) but not on the root-only socket,
// and the bearer token that listener demands.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { freePort, request } from "../support/hub";
import { assertError, createToken, initialisedHub, register, type RunningHub } from "./helpers";

describe("api: rate limit on the public listener", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await initialisedHub({ env: { WGHUB_RATE_LIMIT: "5/min", WGHUB_TOKEN_TTL: "2h" } });
    });
    after(async () => hub?.stop());

    it("(this hub also has WGHUB_TOKEN_TTL=2h: tokens without a ttl get it)", async () => {
        const t = await createToken(hub);
        const listed = (await hub.admin("GET", "/api/installation/tokens")).body.tokens.find((x: { id: string }) => x.id === t.id);
        assert.equal(Date.parse(listed.expiresAt) - Date.parse(listed.createdAt), 2 * 3600_000);
    });

    it("the 6th registration attempt in a minute is 429 RATE_LIMITED with Retry-After; health is not limited", async () => {
        const guesses = [];
        for (let i = 0; i < 5; i++) guesses.push(await register(hub, `${"A".repeat(42)}${i}`));
        assert.deepEqual(guesses.map(g => g.status), [404, 404, 404, 404, 404]);
        const limited = await register(hub, "B".repeat(43));
        assertError(limited, 429, "RATE_LIMITED");
        const retry = Number(limited.headers["retry-after"]);
        assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After: ${limited.headers["retry-after"]}`);
        // a real token is refused too while limited: guessing cannot go faster than the limit
        const t = await createToken(hub);
        assertError(await register(hub, t.token), 429, "RATE_LIMITED");
        for (let i = 0; i < 10; i++) assert.equal((await hub.publicRequest("GET", "/healthz")).status, 200);
    });

    it("X-Forwarded-For from a client does not evade the limit (no trust proxy configured), nor fill the log", async () => {
        for (let i = 0; i < 3; i++) {
            const res = await hub.publicRequest("POST", "/api/spoke/register", { token: "C".repeat(43), publicKey: "k" }, { "x-forwarded-for": `198.51.100.${i}` });
            assertError(res, 429, "RATE_LIMITED");
        }
        assert.doesNotMatch(hub.output(), /ValidationError|\n\s+at /);
    });

    it("the script route is limited per address as well", async () => {
        const t = await createToken(hub);
        let status = 0;
        for (let i = 0; i < 8 && status !== 429; i++)
            status = (await hub.publicRequest("GET", `/api/installation/script/${t.token}?platform=linux`)).status;
        assert.equal(status, 429);
    });

    it("the admin socket is not limited by it", async () => {
        for (let i = 0; i < 10; i++) assert.equal((await hub.admin("GET", "/api/installation/tokens")).status, 200);
    });
});

describe("api: the optional TCP admin listener", () => {
    let hub: RunningHub;
    let port: number;
    let apiToken: string;
    const tcp = (method: string, p: string, body?: unknown, auth?: string) =>
        request({ host: "127.0.0.1", port, method, path: p, headers: auth === undefined ? {} : { authorization: auth } }, body);

    before(async () => {
        port = await freePort();
        hub = await initialisedHub({ env: { WGHUB_ADMIN_LISTEN: `127.0.0.1:${port}` } });
        const file = path.join(hub.dataDir, "admin-api.token");
        assert.equal(fs.statSync(file).mode & 0o777, 0o600);
        apiToken = fs.readFileSync(file, "utf8").trim();
    });
    after(async () => hub?.stop());

    it("refuses requests without the bearer token or with a wrong one (401 UNAUTHORIZED)", async () => {
        assertError(await tcp("GET", "/api/hub/config"), 401, "UNAUTHORIZED");
        assertError(await tcp("GET", "/api/hub/config", undefined, "Bearer wrong"), 401, "UNAUTHORIZED");
        assertError(await tcp("GET", "/api/hub/config", undefined, `Bearer ${apiToken}x`), 401, "UNAUTHORIZED");
        assertError(await tcp("GET", "/api/hub/config", undefined, apiToken), 401, "UNAUTHORIZED");
        assertError(await tcp("GET", "/api/hub/config", undefined, `Basic ${apiToken}`), 401, "UNAUTHORIZED");
        assertError(await tcp("POST", "/api/installation/token", { spokeName: "sneaky" }), 401, "UNAUTHORIZED");
        assertError(await tcp("GET", "/api/nothing"), 401, "UNAUTHORIZED", "unknown paths do not reveal themselves before auth");
        assert.deepEqual((await hub.admin("GET", "/api/installation/tokens")).body.tokens, []);
    });

    it("accepts the token from <dataDir>/admin-api.token; the audit log names the client's address", async () => {
        const res = await tcp("GET", "/api/hub/config", undefined, `Bearer ${apiToken}`);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.networkCIDR, "10.0.1.0/24");
        const made = await tcp("POST", "/api/installation/token", { spokeName: "remote" }, `Bearer ${apiToken}`);
        assert.equal(made.status, 201, made.text);
        const event = (await hub.admin("GET", "/api/audit")).body.events.find((e: { subject: string; action: string }) => e.subject === "remote" && e.action === "token.created");
        assert.equal(event.actor, "api-token");
        assert.equal(event.source, "127.0.0.1");
        assert.ok(!hub.output().includes(apiToken), "the API token is not logged");
    });

    it("limits token creation to 10 per hour there (429 with Retry-After), while the socket creates 30", async () => {
        const statuses: number[] = [];
        let limited;
        for (let i = 0; i < 12; i++) {
            const res = await tcp("POST", "/api/installation/token", { spokeName: `tcp-${i}` }, `Bearer ${apiToken}`);
            statuses.push(res.status);
            if (res.status === 429) limited = res;
        }
        // one was made in the previous test
        assert.deepEqual(statuses, [...Array(9).fill(201), 429, 429, 429]);
        assertError(limited!, 429, "RATE_LIMITED");
        assert.ok(Number(limited!.headers["retry-after"]) > 3000, `Retry-After ${limited!.headers["retry-after"]}`);
        assert.equal((await tcp("GET", "/api/installation/tokens", undefined, `Bearer ${apiToken}`)).status, 200, "other routes still work");
        const viaSocket = await Promise.all(Array.from({ length: 30 }, (_, i) => hub.admin("POST", "/api/installation/token", { spokeName: `sock-${i}` })));
        assert.deepEqual(viaSocket.map(r => r.status), Array(30).fill(201));
    });
});
