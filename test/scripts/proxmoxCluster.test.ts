// The Proxmox VE cluster command against a real hub: one command on a node enrolls every node
// of its cluster (members from the recorded pvesh output, else pvecm), the others over the
// cluster's root SSH (a stub that runs the command in that node's own pretend machine).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { renderInstallScript } from "../../backend/scripts/render";
import { baseContext, canaryPayloads } from "./scriptContexts";
import { PretendCluster, startClusterHub, type ClusterHub, type ClusterToken } from "./pretendCluster";
import type { RunResult } from "./spokeMachine";

function explain(r: RunResult): string {
    return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** The ssh calls node pve1 made, without the stub's name. */
function sshCalls(cluster: PretendCluster): string[][] {
    return cluster.allCalls().filter(c => c[1] === "ssh").map(c => c.slice(2));
}

describe("Proxmox VE cluster command against a real hub", function () {
    let ch: ClusterHub;
    const clusters: PretendCluster[] = [];
    const pretend = (opts: ConstructorParameters<typeof PretendCluster>[0]) => {
        const c = new PretendCluster(opts);
        clusters.push(c);
        return c;
    };

    before(async () => {
        ch = await startClusterHub();
    });
    after(async () => {
        await ch?.stop();
        for (const c of clusters) c.cleanup();
    });

    async function clusterNamed(name: string): Promise<Record<string, any> | undefined> {
        const answer = await ch.hub.admin("GET", "/api/proxmox/clusters");
        assert.equal(answer.status, 200);
        return (answer.body.clusters as Record<string, any>[]).find(c => c.clusterName === name);
    }

    async function tokenRow(t: ClusterToken): Promise<Record<string, any>> {
        const list = await ch.hub.admin("GET", "/api/installation/tokens");
        return (list.body.tokens as Record<string, any>[]).find(x => x.id === t.id)!;
    }

    function assertTokenNeverShown(cluster: PretendCluster, r: RunResult, t: ClusterToken): void {
        assert.ok(!r.stdout.includes(t.token) && !r.stderr.includes(t.token), "the token is never printed");
        for (const call of cluster.allCalls()) assert.ok(!call.join(" ").includes(t.token), `the token in the arguments of ${call.join(" ")}`);
    }

    it("one command on pve1 enrolls pve1, then pve2 and pve3 over the cluster's SSH, each with its own keys and address", async () => {
        const cluster = pretend({ name: "lab-a" });
        const t = await ch.clusterToken();
        const r = await cluster.run("pve1", await t.script());
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, /^Proxmox VE cluster 'lab-a' \(pvesh\): pve1 \(this node\), pve2 \(192\.0\.2\.12\), pve3 \(192\.0\.2\.13\)$/m);
        assert.match(r.stdout, /^\[1\/3\] pve1: enrolled \(10\.0\.1\.\d+\/24\)$/m);
        assert.match(r.stdout, /^\[2\/3\] pve2: enrolled \(10\.0\.1\.\d+\/24\)$/m);
        assert.match(r.stdout, /^\[3\/3\] pve3: enrolled \(10\.0\.1\.\d+\/24\)$/m);
        assert.match(r.stdout, /^Cluster 'lab-a': 3 enrolled now, 0 already enrolled, 0 offline, 0 failed \(of 3 nodes\)\.$/m);
        assert.match(r.stdout, /^ {2}pve2 \| Done: this machine is spoke 'pve2' of the WireGuard hub\.$/m, "each node's own output, under its name");
        assert.deepEqual(sshCalls(cluster), [
            ["-e", "none", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "HostKeyAlias=pve2", "root@192.0.2.12", "bash", "-s"],
            ["-e", "none", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "HostKeyAlias=pve3", "root@192.0.2.13", "bash", "-s"],
        ]);
        assertTokenNeverShown(cluster, r, t);

        const confs = ["pve1", "pve2", "pve3"].map(n => cluster.node(n).readFile("etc/wireguard/wg0.conf"));
        const addresses = confs.map(c => /^Address = (.+)$/m.exec(c)![1]);
        assert.equal(new Set(addresses).size, 3, `one address each: ${addresses.join(", ")}`);
        const keys = confs.map(c => /^PrivateKey = (.+)$/m.exec(c)![1]);
        assert.equal(new Set(keys).size, 3, "one key pair each, made on the node");
        for (const [i, n] of ["pve1", "pve2", "pve3"].entries())
            assert.match(confs[i]!, new RegExp(`^# Managed by wireguard-hub \\(spoke ${n}\\)`), "the conf names the node's spoke");

        const lab = await clusterNamed("lab-a");
        assert.equal(lab?.nodeCount, 3);
        assert.deepEqual(lab!.nodes.map((n: any) => n.nodeName).sort(), ["pve1", "pve2", "pve3"]);
        assert.deepEqual(lab!.nodes.map((n: any) => `${n.address}/24`).sort(), [...addresses].sort());
        const row = await tokenRow(t);
        assert.equal(row.uses, 3);
        assert.equal(row.proxmoxCluster, "lab-a");
    });

    it("a node whose SSH is refused is reported with the command to run there; the others enroll; a re-run enrolls only it", async () => {
        const cluster = pretend({ name: "lab-b" });
        const t = await ch.clusterToken({ maxUses: 5 });
        const r = await cluster.run("pve1", await t.script(), [], { STUB_SSH_REFUSE: "192.0.2.12" });
        assert.equal(r.code, 1, explain(r));
        assert.match(r.stdout, /^\[1\/3\] pve1: enrolled /m);
        assert.match(r.stdout, /^\[2\/3\] pve2: SSH refused: root@192\.0\.2\.12: Permission denied \(publickey\)\.$/m);
        assert.match(r.stdout, /^\[3\/3\] pve3: enrolled /m);
        assert.match(r.stdout, /^Cluster 'lab-b': 2 enrolled now, 0 already enrolled, 0 offline, 1 failed \(of 3 nodes\)\.$/m);
        const later = r.stdout.slice(r.stdout.indexOf("To enroll the others later"));
        assert.match(later, /^ {2}on pve2 \(SSH refused: .*\):$/m);
        const command = / {4}(printf .*)$/m.exec(later)?.[1];
        assert.equal(command, t.command.replace(t.token, "…").replace(/\| bash$/, "| bash -s -- --this-node-only"),
            "the pasted command, token elided, for this node only");
        assert.equal(cluster.node("pve2").exists("etc/wireguard/wg0.conf"), false);
        assertTokenNeverShown(cluster, r, t);

        // The same command again: the hub's list says pve1 and pve3 are spokes; only pve2 is tried.
        const again = await cluster.run("pve1", await t.script());
        assert.equal(again.code, 0, explain(again));
        assert.match(again.stdout, /^\[1\/3\] pve1: already enrolled$/m);
        assert.match(again.stdout, /^\[2\/3\] pve2: enrolled /m);
        assert.match(again.stdout, /^\[3\/3\] pve3: already enrolled$/m);
        assert.match(again.stdout, /2 already enrolled/);
        assert.deepEqual(sshCalls(cluster).map(c => c.at(-3)), ["root@192.0.2.12"], "SSH to pve2 only");
        assert.deepEqual(cluster.allCalls().filter(c => c[0] === "pve1" && c[1] === "systemctl"), [], "nothing done again on pve1");
        assert.equal((await clusterNamed("lab-b"))?.nodeCount, 3);
        assert.equal((await tokenRow(t)).uses, 3);
    });

    it("an offline node is skipped and reported with its command; the exit status stays 0", async () => {
        const cluster = pretend({ name: "lab-c", offline: ["pve3"] });
        const t = await ch.clusterToken();
        const r = await cluster.run("pve1", await t.script());
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, /pve3 \(192\.0\.2\.13, offline\)/);
        assert.match(r.stdout, /^\[3\/3\] pve3: offline: skipped$/m);
        assert.match(r.stdout, /^ {2}on pve3 \(offline: skipped\):$/m);
        assert.deepEqual(sshCalls(cluster).map(c => c.at(-3)), ["root@192.0.2.12"]);
        assert.equal((await clusterNamed("lab-c"))?.nodeCount, 2);
    });

    it("without pvesh, reads the members from pvecm and reaches them by name", async () => {
        const cluster = pretend({ name: "lab-d", withoutPvesh: true });
        const t = await ch.clusterToken();
        const r = await cluster.run("pve1", await t.script());
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, /^Proxmox VE cluster 'lab-d' \(pvecm\): pve1 \(this node\), pve2 \(by name\), pve3 \(by name\)$/m);
        assert.deepEqual(sshCalls(cluster).map(c => c.slice(-4, -2)), [["HostKeyAlias=pve2", "root@pve2"], ["HostKeyAlias=pve3", "root@pve3"]]);
        assert.equal((await clusterNamed("lab-d"))?.nodeCount, 3);
    });

    it("a standalone node is a cluster of one named after it", async () => {
        const cluster = pretend({ name: "pve-solo", standalone: true });
        const t = await ch.clusterToken({ maxUses: 1 });
        const r = await cluster.run("pve-solo", await t.script());
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, /^Proxmox VE node pve-solo is not in a cluster: enrolled as a cluster of one named 'pve-solo'\.$/m);
        assert.match(r.stdout, /^\[1\/1\] pve-solo: enrolled /m);
        assert.deepEqual(sshCalls(cluster), []);
        const solo = await clusterNamed("pve-solo");
        assert.equal(solo?.nodeCount, 1);
        assert.equal(solo!.nodes[0].proxmoxVersion, "8.1.3");
    });

    it("a token for another cluster is refused before anything is done", async () => {
        const cluster = pretend({ name: "lab-e" });
        const t = await ch.clusterToken({ proxmoxCluster: "lab-elsewhere" });
        const r = await cluster.run("pve1", await t.script());
        assert.equal(r.code, 1, explain(r));
        assert.match(r.stderr, /^ERROR: this command is for the Proxmox VE cluster 'lab-elsewhere', and this node is in 'lab-e'\.$/m);
        assert.match(r.stderr, /Nothing was changed/);
        assert.deepEqual(sshCalls(cluster), []);
        assert.deepEqual(cluster.allCalls().filter(c => ["apt-get", "systemctl", "wg", "wg-quick"].includes(c[1]!)), []);
        assert.equal(cluster.node("pve1").exists("etc/wireguard"), false);
        assert.equal((await tokenRow(t)).uses, 0);
    });

    it("nodes beyond the token's uses are told to ask for a new command; the others enroll", async () => {
        const cluster = pretend({ name: "lab-f" });
        const t = await ch.clusterToken({ maxUses: 2 });
        const r = await cluster.run("pve1", await t.script());
        assert.equal(r.code, 1, explain(r));
        assert.match(r.stderr, /this command can enroll 2 more node\(s\), and 3 are to be enrolled/);
        assert.match(r.stdout, /^\[2\/3\] pve2: enrolled /m);
        assert.match(r.stdout, /^\[3\/3\] pve3: not enrolled: curl: \(22\) .*410$/m);
        assert.match(r.stdout, /^Not enrolled because this command's token is used up, expired or revoked: pve3\.$/m);
        assert.match(r.stdout, /^For them, ask the hub admin for a new cluster command/m);
        assert.doesNotMatch(r.stdout, /on pve3 \(/, "no command that cannot work");
        assertTokenNeverShown(cluster, r, t);
    });

    it("a node the hub already has under a node token is reported as already enrolled, and its use given back", async () => {
        const cluster = pretend({ name: "lab-g" });
        const nodeToken = await ch.hub.admin("POST", "/api/installation/token", { spokeName: "pve2-first" });
        assert.equal(nodeToken.status, 201, nodeToken.text);
        const nodeScript = await ch.hub.publicRequest("GET", `/api/installation/script/${nodeToken.body.token.token}?platform=proxmox`);
        const one = await cluster.run("pve2", nodeScript.text);
        assert.equal(one.code, 0, explain(one));
        // A new cluster token knows no cluster yet, so its script cannot skip pve2: the hub refuses it.
        const t = await ch.clusterToken();
        const r = await cluster.run("pve2", await t.script());
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, /^\[1\/3\] pve2: already enrolled$/m);
        assert.match(r.stdout, /^ {2}pve2 \| {7}The node pve2 of lab-g is already a spoke of this hub: nothing to do\.$/m);
        assert.match(r.stdout, /^\[2\/3\] pve1: enrolled /m);
        assert.match(r.stdout, /^\[3\/3\] pve3: enrolled /m);
        assert.equal((await tokenRow(t)).uses, 2);
        assert.equal((await clusterNamed("lab-g"))?.nodeCount, 3);
    });

    it("with a token that knows no cluster yet, this node's own record of its enrollment skips it", async () => {
        const cluster = pretend({ name: "lab-h" });
        const first = await ch.clusterToken({ maxUses: 1 });
        const one = await cluster.run("pve1", await first.script(), ["--this-node-only"]);
        assert.equal(one.code, 0, explain(one));
        assert.match(cluster.node("pve1").readFile("etc/wireguard/wg0.wireguard-hub"), /^enrolled_with=https:\/\/127\.0\.0\.1:\d+$/m);
        const t = await ch.clusterToken();
        const r = await cluster.run("pve1", await t.script());
        assert.equal(r.code, 0, explain(r));
        assert.match(r.stdout, /^\[1\/3\] pve1: already enrolled$/m);
        assert.doesNotMatch(r.stdout, /^--- pve1/m, "nothing run on pve1");
        assert.match(r.stdout, /^\[2\/3\] pve2: enrolled /m);
        assert.equal((await tokenRow(t)).uses, 2);
    });
});

describe("Proxmox VE cluster command: values from the hub", () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-cluster-render-"));
    after(() => fs.rmSync(work, { recursive: true, force: true }));
    const clusterContext = { ...baseContext, addresses: [], spokeName: "" };

    it("passes bash -n and shellcheck, and takes the tunnel network from the hub's address", () => {
        const body = renderInstallScript("proxmox", { ...clusterContext, cluster: { name: "lab", maxUses: 3, usesLeft: 3, enrolledNodes: ["pve1"] } }).body;
        const file = path.join(work, "cluster.sh");
        fs.writeFileSync(file, body);
        execFileSync("bash", ["-n", file]);
        execFileSync("shellcheck", ["--shell=bash", "--severity=style", file]);
        assert.match(body, /^CLUSTER_TOKEN='1'$/m);
        assert.match(body, /^CLUSTER_ENROLLED_NODES=\('pve1'\)$/m);
        assert.match(body, /^TUNNEL_NETWORK='10\.0\.1\.0\/24'$/m);
        assert.match(body, /^TUNNEL_ADDRESSES=\(\)$/m);
    });

    it("a node's token renders as before: not a cluster token", () => {
        const body = renderInstallScript("proxmox", baseContext).body;
        assert.match(body, /^CLUSTER_TOKEN='0'$/m);
        assert.match(body, /^CLUSTER_ENROLLED_NODES=\(\)$/m);
    });

    it("a hostile cluster name and node names stay data", () => {
        const canary = path.join(work, "canary");
        for (const [i, payload] of canaryPayloads(canary).entries()) {
            const body = renderInstallScript("proxmox", {
                ...clusterContext, cluster: { name: `lab ${payload}`, maxUses: 2, usesLeft: 2, enrolledNodes: [payload, "pve1"] },
            }).body;
            const file = path.join(work, `hostile-${i}.sh`);
            fs.writeFileSync(file, body);
            execFileSync("bash", ["-n", file]);
            if (i === 0) execFileSync("shellcheck", ["--shell=bash", "--severity=style", file]);
            // --help reads the values and prints; a check that runs them would have touched the canary.
            execFileSync("bash", [file, "--help"], { env: { PATH: process.env.PATH ?? "", WGHUB_ROOT_PREFIX: work } });
            const values = execFileSync("bash", ["-c", `eval "$(sed -n '/^CLUSTER_NAME=/p;/^CLUSTER_ENROLLED_NODES=/p' "$1")"; printf '%s\\n' "$CLUSTER_NAME" "\${CLUSTER_ENROLLED_NODES[@]}"`, "bash", file], { encoding: "utf8" });
            assert.equal(values, `lab ${payload}\n${payload}\npve1\n`);
            assert.equal(fs.existsSync(canary), false, payload);
        }
    });
});
