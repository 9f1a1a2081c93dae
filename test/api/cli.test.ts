// The wireguard-hub command (dist/backend/cli.js) against the real service on its admin
// socket: human tables, --json, id prefixes and names, errors and exit codes.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFile } from "node:child_process";
import { root } from "../support/hub";
import { cli, cliJs, type CliRun, register, spokePublicKey, startHub, type RunningHub } from "./helpers";

describe("api: the wireguard-hub command", function () {
    this.timeout(60_000);
    let hub: RunningHub;
    const on = (...args: string[]) => cli(["--socket", hub.socket, ...args]);

    before(async () => {
        hub = await startHub({ env: { WGHUB_WG_MODE: "off", WGHUB_TLS: "off" } });
    });
    after(async () => hub?.stop());

    it("says how to start the service and exits 2 when nothing listens", async () => {
        const missing = path.join(os.tmpdir(), `wghub-no-such-${process.pid}.sock`);
        const r = await cli(["--socket", missing, "status"]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /^error: the wireguard-hub service is not running: no admin socket at .*wghub-no-such/m);
        assert.match(r.stderr, /^hint: .*systemctl start wireguard-hub/m);
        assert.equal(r.stdout, "");

        // A socket file left behind by a dead service: connection refused.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-cli-"));
        const stale = path.join(dir, "api.sock");
        const net = await import("node:net");
        const srv = net.createServer();
        await new Promise<void>(resolve => srv.listen(stale, resolve));
        await new Promise<void>(resolve => {
            // close() unlinks the socket; keep a file there that nobody answers on
            srv.close(() => resolve());
        });
        fs.writeFileSync(stale, "");
        const refused = await cli(["--socket", stale, "spoke", "list"]);
        assert.equal(refused.code, 2, refused.stderr);
        assert.match(refused.stderr, /systemctl start wireguard-hub/);
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("prints its version and help without a service", async () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
        const version = await cli(["--version"]);
        assert.equal(version.code, 0);
        assert.equal(version.stdout.trim(), pkg.version);
        const help = await cli(["token", "create", "--help"]);
        assert.equal(help.code, 0);
        assert.match(help.stdout, /--subnet <cidr>/);
    });

    it("tells a user who is not root to use sudo, exit 2", async function () {
        if (process.getuid?.() !== 0) this.skip();
        // The service's data dir (and so its socket) is closed to other users, as /run/wireguard-hub is.
        assert.equal(fs.statSync(path.dirname(hub.socket)).mode & 0o077, 0);
        // The checkout may be closed to other users (cloned into /root, 0700): run a copy of the
        // CLI from a directory nobody can read.
        const staged = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-cli-"));
        fs.chmodSync(staged, 0o755);
        fs.copyFileSync(cliJs, path.join(staged, "cli.js"));
        fs.chmodSync(path.join(staged, "cli.js"), 0o644);
        const r = await new Promise<CliRun>(resolve => {
            execFile("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, path.join(staged, "cli.js"), "--socket", hub.socket, "status"],
                { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }));
        });
        fs.rmSync(staged, { recursive: true, force: true });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /^error: permission denied on the admin socket/m);
        assert.match(r.stderr, /^hint: .*sudo/m);
    });

    it("finds the socket in WGHUB_API_SOCKET when --socket is not given", async () => {
        const r = await cli(["status"], { WGHUB_API_SOCKET: hub.socket });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /not initialised/);
    });

    it("rejects bad input with the service's error and hint, exit 1, changing nothing", async () => {
        const r = await on("init", "--network", "10.0.1.0/33", "--public-endpoint", "203.0.113.5:51820");
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^error: .*networkCIDR/m);
        assert.match(r.stderr, /^hint: /m);
        const status = await on("--json", "status");
        assert.equal(JSON.parse(status.stdout).initialized, false);

        const usage = await on("init", "--network", "10.0.1.0/24");
        assert.notEqual(usage.code, 0);
        assert.match(usage.stderr, /--public-endpoint/);
    });

    it("initialises the hub, then refuses a second init without --force", async () => {
        const r = await on("init", "--network", "10.0.1.0/24", "--port", "51820", "--public-endpoint", "203.0.113.5:51820",
            "--private-endpoint", "192.168.1.15:51820", "--dns", "1.1.1.1, 9.9.9.9");
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /Interface address:\s+10\.0\.1\.1/);
        const config = await hub.admin("GET", "/api/hub/config");
        assert.equal(config.body.networkCIDR, "10.0.1.0/24");
        assert.equal(config.body.privateEndpoint, "192.168.1.15:51820");
        assert.deepEqual(config.body.dns, ["1.1.1.1", "9.9.9.9"]);

        const again = await on("init", "--network", "10.9.0.0/24", "--public-endpoint", "203.0.113.5:51820");
        assert.equal(again.code, 1);
        assert.match(again.stderr, /^error: /m);
        assert.equal((await hub.admin("GET", "/api/hub/config")).body.networkCIDR, "10.0.1.0/24");

        const status = await on("status");
        assert.equal(status.code, 0, status.stderr);
        assert.match(status.stdout, /^Interface:\s+wg0/m);
        assert.match(status.stdout, /^Listen port:\s+51820$/m);
        assert.match(status.stdout, /^Mode:\s+off/m);
    });

    it("shows and changes the hub's settings", async () => {
        const show = await on("config");
        assert.equal(show.code, 0, show.stderr);
        assert.match(show.stdout, /^Private endpoint:\s+192\.168\.1\.15:51820$/m);
        assert.match(show.stdout, /^DNS:\s+1\.1\.1\.1, 9\.9\.9\.9$/m);

        const set = await on("config", "set", "--public-endpoint", "vpn.example.net:51820", "--no-private-endpoint", "--dns", "");
        assert.equal(set.code, 0, set.stderr);
        assert.match(set.stdout, /^Public endpoint:\s+vpn\.example\.net:51820$/m);
        const config = (await hub.admin("GET", "/api/hub/config")).body;
        assert.equal(config.publicEndpoint, "vpn.example.net:51820");
        assert.equal(config.privateEndpoint, null);
        assert.deepEqual(config.dns, []);

        const nothing = await on("config", "set");
        assert.equal(nothing.code, 1);
        assert.match(nothing.stderr, /^error: nothing to change/m);
        const bad = await on("config", "set", "--public-endpoint", "no port");
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /^error: .*publicEndpoint/m);
        assert.equal((await hub.admin("GET", "/api/hub/config")).body.publicEndpoint, "vpn.example.net:51820");
    });

    it("creates a token, prints the install commands once, and never lists the secret", async () => {
        const r = await on("token", "create", "web-1", "--datacenter", "fra1", "--subnet", "192.168.50.0/24", "--ttl", "2h");
        assert.equal(r.code, 0, r.stderr);
        const linux = /^ {2}(printf 'url = .* \| curl .* -K - \| sudo bash)$/m.exec(r.stdout)?.[1];
        assert.ok(linux, r.stdout);
        const secret = /\/api\/installation\/script\/([A-Za-z0-9_-]{43})\?platform=linux/.exec(linux)![1];
        for (const title of ["Linux", "Proxmox VE", "macOS", "Windows"]) assert.match(r.stdout, new RegExp(`^${title}.*:$`, "m"));
        assert.match(r.stdout, /10\.0\.1\.2\/32, 192\.168\.50\.0\/24/);
        assert.match(r.stdout, /valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in [12] h\), one use/);

        const json = await on("token", "create", "web-2", "--json");
        const created = JSON.parse(json.stdout).token;
        assert.match(created.token, /^[A-Za-z0-9_-]{43}$/);
        assert.equal(created.spokeName, "web-2");

        const list = await on("token", "list");
        assert.equal(list.code, 0, list.stderr);
        assert.match(list.stdout, /^ID\s+SPOKE\s+ADDRESS\s+STATE\s+EXPIRES$/m);
        assert.match(list.stdout, new RegExp(`^${created.id.slice(0, 8)}\\s+web-2\\s+10\\.0\\.1\\.3/32\\s+pending`, "m"));
        assert.ok(!list.stdout.includes(secret) && !list.stdout.includes(created.token), "token list shows no secret");
        const listJson = JSON.parse((await on("--json", "token", "list")).stdout);
        assert.ok(!JSON.stringify(listJson).includes(created.token));
    });

    it("revokes a token by its spoke name or an id prefix", async () => {
        const byName = await on("token", "revoke", "web-1");
        assert.equal(byName.code, 0, byName.stderr);
        assert.match(byName.stdout, /revoked/);
        const tokens = (await hub.admin("GET", "/api/installation/tokens")).body.tokens as { id: string; spokeName: string; state: string }[];
        assert.equal(tokens.find(t => t.spokeName === "web-1")!.state, "revoked");

        const web2 = tokens.find(t => t.spokeName === "web-2")!;
        const byPrefix = await on("token", "revoke", web2.id.slice(0, 8));
        assert.equal(byPrefix.code, 0, byPrefix.stderr);
        assert.match(byPrefix.stdout, new RegExp(web2.id));

        const none = await on("token", "revoke", "no-such-spoke");
        assert.equal(none.code, 1);
        assert.match(none.stderr, /^error: no token matches "no-such-spoke"/m);
        assert.match(none.stderr, /^hint: .*wireguard-hub token list/m);
    });

    it("makes a Proxmox VE cluster token: one command for any node, uses shown in the list, revoked by its cluster", async () => {
        const r = await on("token", "create-cluster", "pve-lab", "--nodes", "3", "--datacenter", "fra1");
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^Cluster token for pve-lab, up to 3 nodes/m);
        assert.match(r.stdout, /^ {2}.*platform=proxmox.* \| bash$/m);
        assert.doesNotMatch(r.stdout, /platform=linux/);
        const bad = await on("token", "create-cluster", "--nodes", "three");
        assert.equal(bad.code, 1);
        assert.match(bad.stderr, /--nodes takes a whole number/);
        const list = await on("token", "list");
        assert.match(list.stdout, /cluster pve-lab: 0\/3 nodes\s+-\s+pending/);
        const revoked = await on("token", "revoke", (JSON.parse((await on("--json", "token", "list")).stdout).tokens as { id: string; proxmoxCluster: string | null }[])
            .find(t => t.proxmoxCluster === "pve-lab")!.id.slice(0, 8));
        assert.equal(revoked.code, 0, revoked.stderr);
    });

    it("lists, disables, enables and removes spokes by name", async () => {
        const empty = await on("spoke", "list");
        assert.match(empty.stdout, /No spokes yet/);

        const created = JSON.parse((await on("--json", "token", "create", "db-1")).stdout).token;
        const reg = await register(hub, created.token, { publicKey: spokePublicKey(), os: "linux", hostname: "db-1.example" });
        assert.equal(reg.status, 201, reg.text);

        const list = await on("spoke", "list");
        assert.equal(list.code, 0, list.stderr);
        assert.match(list.stdout, /^ID\s+NAME\s+ADDRESS\s+STATE\s+OS/m);
        assert.match(list.stdout, new RegExp(`^${created.spokeId.slice(0, 8)}\\s+db-1\\s+10\\.0\\.1\\.\\d+/32\\s+pending\\s+linux`, "m"));
        const json = JSON.parse((await on("spoke", "list", "--json")).stdout);
        assert.equal(json.spokes[0].id, created.spokeId);

        const disable = await on("spoke", "disable", "db-1");
        assert.equal(disable.code, 0, disable.stderr);
        assert.match((await on("spoke", "list")).stdout, /db-1\s+\S+\s+disabled/);
        const enable = await on("spoke", "enable", created.spokeId);
        assert.equal(enable.code, 0, enable.stderr);
        assert.match((await on("spoke", "list")).stdout, /db-1\s+\S+\s+pending/);

        const edit = await on("spoke", "edit", "db-1", "--name", "db-main", "--datacenter", "Paris", "--subnets", "192.168.40.0/24");
        assert.equal(edit.code, 0, edit.stderr);
        const edited = (await hub.admin("GET", "/api/spoke/list")).body.spokes[0];
        assert.deepEqual([edited.name, edited.datacenter, edited.subnets], ["db-main", "Paris", ["192.168.40.0/24"]]);
        assert.deepEqual(edited.allowedIPs, [`${edited.address}/32`, "192.168.40.0/24"], "the hub's peer routes the subnet");
        const nothing = await on("spoke", "edit", "db-main");
        assert.equal(nothing.code, 1);
        assert.match(nothing.stderr, /nothing to change/);
        assert.match((await on("spoke", "list")).stdout, /db-main\s.*\snone$/m, "no agent has spoken yet");
        assert.equal((await on("spoke", "rotate-key", "db-main")).code, 0);
        assert.match((await on("spoke", "list")).stdout, /rotate-key pending$/m);

        const remove = await on("spoke", "remove", created.spokeId.slice(0, 6));
        assert.equal(remove.code, 0, remove.stderr);
        assert.deepEqual((await hub.admin("GET", "/api/spoke/list")).body.spokes, []);

        const gone = await on("spoke", "remove", created.spokeId);
        assert.equal(gone.code, 1);
        assert.match(gone.stderr, /^error: /m);
        assert.match(gone.stderr, /^hint: /m);
    });

    it("lists Proxmox VE clusters with their nodes", async () => {
        for (const node of ["pve1", "pve2"]) {
            const t = JSON.parse((await on("--json", "token", "create", node, "--datacenter", "ams")).stdout).token;
            const reg = await register(hub, t.token, {
                os: "linux", isProxmox: true, proxmoxNodeName: node, proxmoxClusterName: "prod-cluster",
                proxmoxVersion: "8.2.4", proxmoxClusterNodes: ["pve1", "pve2"],
            });
            assert.equal(reg.status, 201, reg.text);
        }
        const r = await on("cluster", "list");
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^ID\s+CLUSTER\s+DATACENTER\s+ONLINE\s+NODES$/m);
        assert.match(r.stdout, /prod-cluster\s+\S+\s+0\/2\s+pve1, pve2/);

        const set = await on("cluster", "set", "prod-cluster", "--datacenter", "ams2", "--description", "rack 4");
        assert.equal(set.code, 0, set.stderr);
        const cluster = (await hub.admin("GET", "/api/proxmox/clusters")).body.clusters[0];
        assert.equal(cluster.datacenter, "ams2");
        assert.equal(cluster.description, "rack 4");
        assert.match((await on("cluster", "list")).stdout, /prod-cluster\s+ams2\s+0\/2/);
    });

    it("shows the audit log, newest first", async () => {
        const r = await on("audit", "--limit", "5");
        assert.equal(r.code, 0, r.stderr);
        const lines = r.stdout.trim().split("\n");
        assert.match(lines[0], /^TIME\s+ACTOR\s+ACTION\s+SUBJECT\s+SOURCE$/);
        assert.equal(lines.length, 6);
        const json = JSON.parse((await on("--json", "audit")).stdout);
        assert.ok(json.events.some((e: { action: string }) => /token/.test(e.action)), JSON.stringify(json.events.slice(0, 3)));
        assert.ok(json.events.some((e: { action: string }) => /init/.test(e.action)));
    });
});
