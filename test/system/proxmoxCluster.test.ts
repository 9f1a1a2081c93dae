// A Proxmox VE cluster enrolled for real with one command: three nodes as network namespaces
// (stub pvesh / pvecm / pveversion / hostname from the cluster3 recordings, with the lab's
// addresses), the hub service on wireguard-go, and an `ssh` stub that runs the command inside
// the target node's namespaces. The cluster command pasted on node 1 brings up all three
// tunnels, and the hub lists them under one cluster.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLab, waitFor, type Host, type Lab } from "../support/netns";
import type { RunningHub } from "../support/hub";
import { startLabHub, type LabHub } from "./labHub";
import { hubPeers, ping } from "./wgSpoke";

const root = path.resolve(__dirname, "..", "..");
const stubsDir = path.join(root, "test", "support", "stubs");
const recordings = path.join(root, "test", "fixtures", "proxmox", "cluster3");
const clusterName = "ns-cluster";
const hubTunnelAddress = "10.0.1.1";

interface Node {
    name: string;
    host: Host;
    env: Record<string, string>;
}

/** The cluster3 recordings as NAME sees them in this lab: renamed cluster, lab addresses, NAME local. */
function nodeRecordings(dir: string, name: string, addresses: Map<string, string>): void {
    fs.cpSync(recordings, dir, { recursive: true });
    const edit = (file: string, change: (text: string) => string) =>
        fs.writeFileSync(path.join(dir, file), change(fs.readFileSync(path.join(dir, file), "utf8")));
    edit("pvecm-status", t => t.replace("lab-cluster", clusterName));
    edit("pvecm-nodes", t => t.replace(" (local)", "").replace(new RegExp(`^(\\s+\\d+\\s+\\d+ ${name})$`, "m"), "$1 (local)"));
    edit("pvesh-cluster-status.json", t => {
        let json = t.replace(`"name":"lab-cluster"`, `"name":"${clusterName}"`).replace(`"local":1`, `"local":0`)
            .replace(`"local":0,"name":"${name}"`, `"local":1,"name":"${name}"`);
        for (const [node, ip] of addresses) json = json.replace(new RegExp(`"ip":"[^"]*"(,"level":"","local":\\d,"name":"${node}")`), `"ip":"${ip}"$1`);
        return json;
    });
}

describe("a Proxmox VE cluster enrolled with one command, in network namespaces", function () {
    this.timeout(240_000);
    let lab: Lab;
    let labHub: LabHub | undefined;
    let hub: RunningHub;
    let work: string;
    const nodes: Node[] = [];

    before(async () => {
        lab = await createLab({ spokes: 3, subnet: 47 });
        work = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-pve-lab-"));
        labHub = await startLabHub(lab, { networkCIDR: "10.0.1.0/24" }, "*/2 * * * * *", { WGHUB_TEMPLATES_DIR: path.join(root, "templates") });
        hub = labHub.hub;

        const names = ["pve1", "pve2", "pve3"];
        const addresses = new Map(names.map((n, i) => [n, lab.spokes[i]!.lanAddress]));
        const sshDir = path.join(work, "ssh");
        fs.mkdirSync(sshDir);
        for (const [i, name] of names.entries()) {
            const dir = path.join(work, name);
            const bin = path.join(dir, "bin");
            fs.mkdirSync(path.join(dir, "state"), { recursive: true });
            fs.mkdirSync(bin);
            for (const stub of ["pveversion", "pvecm", "pvesh", "hostname", "ssh"]) fs.symlinkSync(path.join(stubsDir, stub), path.join(bin, stub));
            nodeRecordings(path.join(dir, "proxmox"), name, addresses);
            const host = lab.spokes[i]!;
            const env = {
                PATH: `${bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
                HOME: dir,
                LANG: "C.UTF-8",
                STUB_DIR: stubsDir,
                STUB_LOG: path.join(dir, "calls.log"),
                STUB_STATE: path.join(dir, "state"),
                STUB_PROXMOX: path.join(dir, "proxmox"),
                STUB_HOSTNAME: name,
                STUB_SSH_NODES: sshDir,
                WGHUB_OS_RELEASE: path.join(root, "test", "fixtures", "os-release", "proxmox-ve-8"),
            };
            nodes.push({ name, host, env });
            // What node 1's ssh reaches at this node's address: its namespaces and its shell's environment.
            fs.writeFileSync(path.join(sshDir, `${host.lanAddress}.env`), Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(""));
            fs.writeFileSync(path.join(sshDir, `${host.lanAddress}.pid`), String(host.holderPid));
        }
    });

    after(async () => {
        await labHub?.stop();
        await lab?.destroy();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("one command on node 1: every node has a handshake with the hub and the hub lists them under one cluster", async () => {
        const answer = await hub.admin("POST", "/api/installation/token", { maxUses: 3 });
        assert.equal(answer.status, 201, answer.text);
        const { token, installCommands } = answer.body.token as { token: string; installCommands: Record<string, string> };
        assert.deepEqual(Object.keys(installCommands), ["proxmox"]);

        const [first] = nodes;
        // Node 1's root shell, with the command pasted as the page shows it.
        const r = await first!.host.exec("sh", ["-c", `PATH=${first!.env.PATH}; ${installCommands.proxmox}`], { env: first!.env, timeoutMs: 180_000 });
        assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
        assert.ok(!r.stdout.includes(token) && !r.stderr.includes(token), "the token is never printed");
        for (const [i, node] of nodes.entries())
            assert.match(r.stdout, new RegExp(`^\\[${i + 1}/3\\] ${node.name}: enrolled \\(10\\.0\\.1\\.\\d+/24\\)$`, "m"));
        assert.match(r.stdout, /^Cluster 'ns-cluster': 3 enrolled now, 0 already enrolled, 0 offline, 0 failed \(of 3 nodes\)\.$/m);

        const keys = await Promise.all(nodes.map(async n => (await n.host.run("wg", ["show", "wg0", "public-key"])).trim()));
        assert.equal(new Set(keys).size, 3, "each node its own key");
        await waitFor("a handshake of every node with the hub", async () => {
            const peers = await hubPeers(lab.hub, lab.hubInterface);
            return keys.every(k => (peers.get(k)?.latestHandshake ?? 0) > 0);
        }, 30_000);
        for (const node of nodes) assert.ok(await ping(node.host, hubTunnelAddress, 3), `${node.name} pings the hub through its tunnel`);

        const cluster = await waitFor("the cluster with three online nodes", async () => {
            const list = await hub.admin("GET", "/api/proxmox/clusters");
            const found = (list.body.clusters as Record<string, any>[]).find(c => c.clusterName === clusterName);
            return found?.nodeCount === 3 && found.onlineCount === 3 ? found : null;
        }, 30_000);
        assert.deepEqual(cluster.nodes.map((n: any) => n.nodeName).sort(), ["pve1", "pve2", "pve3"]);
        const ssh = fs.readFileSync(first!.env.STUB_LOG!, "utf8").split("\n").filter(l => l.startsWith("ssh\t"));
        assert.equal(ssh.length, 2, ssh.join("\n"));
        assert.ok(!ssh.join("\n").includes(token), "the token is in no ssh argument");
    });
});
