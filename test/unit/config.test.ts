import assert from "node:assert/strict";
import path from "node:path";
import { ConfigError, loadConfig, parseDuration, parseHostPort } from "../../backend/config";

describe("config: parseDuration", () => {
    it("reads seconds, minutes, hours and days", () => {
        assert.equal(parseDuration("90s"), 90_000);
        assert.equal(parseDuration("15m"), 900_000);
        assert.equal(parseDuration("15min"), 900_000);
        assert.equal(parseDuration("24h"), 86_400_000);
        assert.equal(parseDuration("7d"), 604_800_000);
        assert.equal(parseDuration(" 5m "), 300_000);
    });
    it("refuses zero, negatives, bare numbers and unknown units", () => {
        for (const bad of ["0s", "0h", "-5m", "5", "1y", "1.5h", "h", "", "24 hours", "1e3s"]) assert.equal(parseDuration(bad), null, bad);
    });
});

describe("config: parseHostPort", () => {
    it("reads host:port with IPv6 in brackets", () => {
        assert.deepEqual(parseHostPort("0.0.0.0:51821"), { host: "0.0.0.0", port: 51821 });
        assert.deepEqual(parseHostPort("[::1]:8080"), { host: "::1", port: 8080 });
        assert.deepEqual(parseHostPort("[2001:db8::5]:51820"), { host: "2001:db8::5", port: 51820 });
        assert.deepEqual(parseHostPort("vpn.example.com:1"), { host: "vpn.example.com", port: 1 });
        assert.deepEqual(parseHostPort("h:65535"), { host: "h", port: 65535 });
    });
    it("refuses missing or out-of-range ports and bare IPv6", () => {
        for (const bad of ["127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:123456", "::1:80", "[::1]", "[::1]80",
            ":80", "a b:80", "host:80:81", "[not-v6]:80", ""])
            assert.equal(parseHostPort(bad), null, bad);
    });
});

describe("config: loadConfig", () => {
    const cwd = "/srv/hub";
    it("has the documented defaults, with paths under the data dir", () => {
        const c = loadConfig({}, cwd);
        assert.equal(c.dataDir, "/srv/hub/.data");
        assert.equal(c.databaseUrl, "sqlite:/srv/hub/.data/hub.sqlite");
        assert.equal(c.apiSocket, "/srv/hub/.data/api.sock");
        assert.deepEqual(c.publicListen, { host: "127.0.0.1", port: 51821 });
        assert.equal(c.publicUrl, null);
        assert.equal(c.tls, true);
        assert.equal(c.wgMode, "auto");
        assert.equal(c.interfaceName, "wg0");
        assert.equal(c.wgConfDir, "/srv/hub/.data/wireguard");
        assert.equal(c.reconcileSchedule, "*/30 * * * * *");
        assert.equal(c.tokenTtlMs, 86_400_000);
        assert.deepEqual(c.rateLimit, { max: 60, windowMs: 60_000 });
        assert.equal(c.adminListen, null);
        assert.equal(c.adminTokenFile, null);
        assert.equal(c.trustProxy, null);
        assert.equal(c.logLevel, "info");
    });

    it("reads every variable, resolving relative paths against the working directory", () => {
        const c = loadConfig({
            WGHUB_DATA_DIR: "var", WGHUB_API_SOCKET: "/run/wghub/api.sock", WGHUB_PUBLIC_LISTEN: "[::]:8443",
            WGHUB_PUBLIC_URL: "https://hub.example.com:8443/", WGHUB_TLS: "off", WGHUB_WG_MODE: "off", WGHUB_INTERFACE: "wg-hub",
            WGHUB_WG_CONF_DIR: "/etc/wireguard", WGHUB_RECONCILE_SCHEDULE: "*/5 * * * * *", WGHUB_TOKEN_TTL: "2h",
            WGHUB_RATE_LIMIT: "10/s", WGHUB_ADMIN_LISTEN: "127.0.0.1:51822", WGHUB_TRUST_PROXY: "loopback, 10.0.0.0/8",
            WGHUB_LOG_LEVEL: "debug", WGHUB_DATABASE_URL: "postgres://hub:pw@db/hub",
        }, cwd);
        assert.equal(c.dataDir, "/srv/hub/var");
        assert.equal(c.databaseUrl, "postgres://hub:pw@db/hub");
        assert.deepEqual(c.publicListen, { host: "::", port: 8443 });
        assert.equal(c.publicUrl, "https://hub.example.com:8443", "trailing slash dropped");
        assert.equal(c.tls, false);
        assert.equal(c.interfaceName, "wg-hub");
        assert.equal(c.tokenTtlMs, 7_200_000);
        assert.deepEqual(c.rateLimit, { max: 10, windowMs: 1000 });
        assert.deepEqual(c.adminListen, { host: "127.0.0.1", port: 51822 });
        assert.equal(c.adminTokenFile, path.join("/srv/hub/var", "admin-api.token"));
        assert.equal(c.trustProxy, "loopback, 10.0.0.0/8");
        assert.equal(c.logLevel, "debug");
    });

    it("treats an empty variable as unset, and WGHUB_RATE_LIMIT=off as no limit", () => {
        const c = loadConfig({ WGHUB_TLS: "", WGHUB_TOKEN_TTL: "", WGHUB_RATE_LIMIT: "off" }, cwd);
        assert.equal(c.tls, true);
        assert.equal(c.tokenTtlMs, 86_400_000);
        assert.equal(c.rateLimit, null);
    });

    const bad: [string, Record<string, string>][] = [
        ["WGHUB_DATABASE_URL", { WGHUB_DATABASE_URL: "mysql://x" }],
        ["WGHUB_DATABASE_URL", { WGHUB_DATABASE_URL: "postgres://hub@db1:5432,db2:5432/hub?target_session_attrs=read-write" }],
        ["WGHUB_HUB_NAME", { WGHUB_HUB_NAME: "Hub_A" }],
        ["WGHUB_HUB_NAME", { WGHUB_HUB_NAME: "-a" }],
        ["WGHUB_PUBLIC_LISTEN", { WGHUB_PUBLIC_LISTEN: "51821" }],
        ["WGHUB_PUBLIC_URL", { WGHUB_PUBLIC_URL: "hub.example.com" }],
        ["WGHUB_PUBLIC_URL", { WGHUB_PUBLIC_URL: "https://hub example.com" }],
        ["WGHUB_PUBLIC_URL", { WGHUB_PUBLIC_URL: "https://hub.example.com/'x'" }],
        ["WGHUB_TLS", { WGHUB_TLS: "yes" }],
        ["WGHUB_TLS_KEY", { WGHUB_TLS_CERT: "/c.pem" }],
        ["WGHUB_TLS_CERT", { WGHUB_TLS_KEY: "/k.pem" }],
        ["WGHUB_WG_MODE", { WGHUB_WG_MODE: "KERNEL" }],
        ["WGHUB_INTERFACE", { WGHUB_INTERFACE: "wg0 up" }],
        ["WGHUB_INTERFACE", { WGHUB_INTERFACE: "a".repeat(16) }],
        ["WGHUB_RECONCILE_SCHEDULE", { WGHUB_RECONCILE_SCHEDULE: "*/30 *" }],
        ["WGHUB_TOKEN_TTL", { WGHUB_TOKEN_TTL: "forever" }],
        ["WGHUB_RATE_LIMIT", { WGHUB_RATE_LIMIT: "60" }],
        ["WGHUB_RATE_LIMIT", { WGHUB_RATE_LIMIT: "0/min" }],
        ["WGHUB_RATE_LIMIT", { WGHUB_RATE_LIMIT: "5/fortnight" }],
        ["WGHUB_ADMIN_LISTEN", { WGHUB_ADMIN_LISTEN: "51822" }],
        ["WGHUB_TRUST_PROXY", { WGHUB_TRUST_PROXY: "true" }],
        ["WGHUB_TRUST_PROXY", { WGHUB_TRUST_PROXY: "10.0.0.0/33" }],
        ["WGHUB_TRUST_PROXY", { WGHUB_TRUST_PROXY: "loopback,everyone" }],
        ["WGHUB_LOG_LEVEL", { WGHUB_LOG_LEVEL: "trace" }],
    ];
    for (const [variable, env] of bad) {
        it(`${JSON.stringify(env)} is a ConfigError naming ${variable}`, () => {
            assert.throws(() => loadConfig(env, cwd), (err: unknown) => {
                assert.ok(err instanceof ConfigError, String(err));
                assert.equal(err.variable, variable);
                assert.ok(err.message.startsWith(`${variable}=`), err.message);
                assert.ok(!err.message.includes("\n"), "one line");
                return true;
            });
        });
    }
});
