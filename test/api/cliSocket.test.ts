// Which socket the wireguard-hub command talks to: --socket, $WGHUB_API_SOCKET, the
// service's hub.env, the packaged default, in that order.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defaultSocket, readEnvFileValue, resolveSocket } from "../../backend/cli/socket";

describe("api: the wireguard-hub command's socket", () => {
    let dir: string;
    let envFile: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-cli-env-"));
        envFile = path.join(dir, "hub.env");
        fs.writeFileSync(envFile, [
            "# WGHUB_API_SOCKET=/commented/out.sock",
            "WGHUB_DATA_DIR=/var/lib/wireguard-hub",
            "WGHUB_API_SOCKET=/first.sock",
            "  WGHUB_API_SOCKET = \"/srv/hub/api.sock\"  ",
            "WGHUB_RECONCILE_SCHEDULE=*/30 * * * * *",
        ].join("\n"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads the last assignment of hub.env, unquoted, ignoring comments", () => {
        assert.equal(readEnvFileValue(envFile, "WGHUB_API_SOCKET"), "/srv/hub/api.sock");
        assert.equal(readEnvFileValue(envFile, "WGHUB_RECONCILE_SCHEDULE"), "*/30 * * * * *");
        assert.equal(readEnvFileValue(envFile, "WGHUB_TLS"), null);
        assert.equal(readEnvFileValue(path.join(dir, "missing.env"), "WGHUB_API_SOCKET"), null);
    });

    it("prefers --socket, then the environment, then hub.env, then the default", () => {
        assert.equal(resolveSocket("/flag.sock", { WGHUB_API_SOCKET: "/env.sock" }, envFile), "/flag.sock");
        assert.equal(resolveSocket(undefined, { WGHUB_API_SOCKET: "/env.sock" }, envFile), "/env.sock");
        assert.equal(resolveSocket(undefined, {}, envFile), "/srv/hub/api.sock");
        assert.equal(resolveSocket(undefined, {}, path.join(dir, "missing.env")), defaultSocket);
        assert.equal(defaultSocket, "/run/wireguard-hub/api.sock");
    });
});
