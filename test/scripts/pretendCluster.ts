// A pretend Proxmox VE cluster for the cluster command: one SpokeMachine per node, each with
// the recorded pvesh / pvecm / pveversion outputs of test/fixtures/proxmox (its own name marked
// local), and an `ssh` stub that runs a command on another node in that node's environment.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, startHub, type RunningHub } from "../support/hub";
import { hubInit } from "./enrollmentHub";
import { fixturesDir, repoRoot, SpokeMachine, type RunResult } from "./spokeMachine";

export const osRelease = path.join(fixturesDir, "os-release", "proxmox-ve-8");
export const privateEndpoint = "192.168.1.15:51820";
const recordedCluster = "lab-cluster";

/** The members of the cluster3 recordings: name and the address pvesh gives. */
export const cluster3 = [
    { name: "pve1", ip: "192.0.2.11" },
    { name: "pve2", ip: "192.0.2.12" },
    { name: "pve3", ip: "192.0.2.13" },
];

export interface ClusterOptions {
    /** The cluster's name (the recordings say lab-cluster). */
    name: string;
    /** Members pvesh reports offline. */
    offline?: string[];
    /** Nodes without pvesh (pvecm only). */
    withoutPvesh?: boolean;
    /** A standalone node (the standalone recordings): one member, named `name`. */
    standalone?: boolean;
}

export class PretendCluster {
    readonly nodes = new Map<string, SpokeMachine>();
    readonly sshDir: string;

    constructor(readonly opts: ClusterOptions) {
        this.sshDir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-ssh-"));
        const members = opts.standalone ? [{ name: opts.name, ip: "192.0.2.10" }] : cluster3;
        for (const member of members) {
            const m = new SpokeMachine({ systemd: true, stubs: ["pveversion", "pvecm", "ssh", ...(opts.withoutPvesh ? [] : ["pvesh"])] });
            fs.symlinkSync(fs.realpathSync("/usr/bin/openssl"), path.join(m.bin, "openssl"));
            this.nodes.set(member.name, m);
            const env = this.envOf(member.name);
            const lines = Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
            fs.writeFileSync(path.join(this.sshDir, `${member.ip}.env`), lines);
            fs.writeFileSync(path.join(this.sshDir, `${member.name}.env`), lines);
        }
    }

    node(name: string): SpokeMachine {
        const m = this.nodes.get(name);
        if (!m) throw new Error(`no node ${name}`);
        return m;
    }

    /** The node's recordings, in its own directory: cluster renamed, this node local, some offline. */
    private recordings(name: string): string {
        const m = this.node(name);
        const dir = path.join(m.dir, "proxmox");
        fs.cpSync(path.join(fixturesDir, "proxmox", this.opts.standalone ? "standalone" : "cluster3"), dir, { recursive: true });
        if (this.opts.standalone) {
            const json = path.join(dir, "pvesh-cluster-status.json");
            fs.writeFileSync(json, fs.readFileSync(json, "utf8").replace(/pve1/g, name));
            return dir;
        }
        const edit = (file: string, change: (text: string) => string) =>
            fs.writeFileSync(path.join(dir, file), change(fs.readFileSync(path.join(dir, file), "utf8")));
        edit("pvecm-status", t => t.replace(recordedCluster, this.opts.name));
        edit("pvecm-nodes", t => t.replace(" (local)", "").replace(new RegExp(`^(\\s+\\d+\\s+\\d+ ${name})$`, "m"), "$1 (local)"));
        edit("pvesh-cluster-status.json", t => t
            .replace(`"name":"${recordedCluster}"`, `"name":"${this.opts.name}"`)
            .replace(/"local":1/, `"local":0`)
            .replace(`"local":0,"name":"${name}"`, `"local":1,"name":"${name}"`)
            .replace(/"name":"(pve\d)","nodeid":(\d+),"online":1/g, (all, node: string, id: string) =>
                this.opts.offline?.includes(node) ? `"name":"${node}","nodeid":${id},"online":0` : all));
        return dir;
    }

    /** What a node's shell has: its machine's environment and its Proxmox VE recordings. */
    envOf(name: string, extra: Record<string, string> = {}): Record<string, string> {
        return this.node(name).env({
            WGHUB_OS_RELEASE: osRelease,
            STUB_PROXMOX: this.recordings(name),
            STUB_HOSTNAME: name,
            STUB_ANSWERING: privateEndpoint,
            STUB_SSH_NODES: this.sshDir,
            ...extra,
        });
    }

    /** Runs SCRIPT on node NAME, as `curl … | bash -s -- ARGS` pasted there would. */
    run(name: string, script: string, args: string[] = [], extra: Record<string, string> = {}): Promise<RunResult> {
        for (const m of this.nodes.values()) fs.writeFileSync(m.log, "");
        const env = this.envOf(name, extra);
        return this.node(name).runScript(script, args, env);
    }

    /** Every stub call on every node, as [node, command, ...args]. */
    allCalls(): string[][] {
        return [...this.nodes.entries()].flatMap(([name, m]) => m.calls().map(c => [name, ...c]));
    }

    cleanup(): void {
        for (const m of this.nodes.values()) m.cleanup();
        fs.rmSync(this.sshDir, { recursive: true, force: true });
    }
}

export interface ClusterHub {
    hub: RunningHub;
    stop(): Promise<void>;
    /** A cluster token: its secret, its one-liner, and its script fetched as a node would. */
    clusterToken(body?: Record<string, unknown>): Promise<ClusterToken>;
}

export interface ClusterToken {
    id: string;
    token: string;
    command: string;
    script(): Promise<string>;
}

/** The built hub on loopback with TLS, rendering this checkout's templates. */
export async function startClusterHub(): Promise<ClusterHub> {
    const port = await freePort();
    const url = `https://127.0.0.1:${port}`;
    const hub = await startHub({
        env: { WGHUB_PUBLIC_LISTEN: `127.0.0.1:${port}`, WGHUB_PUBLIC_URL: url, WGHUB_TEMPLATES_DIR: path.join(repoRoot, "templates") },
    });
    const init = await hub.admin("POST", "/api/hub/initialize", hubInit);
    if (init.status !== 201) {
        await hub.stop();
        throw new Error(`hub initialisation answered ${init.status}: ${init.text}`);
    }
    return {
        hub,
        async stop() {
            await hub.stop();
            fs.rmSync(hub.dataDir, { recursive: true, force: true });
        },
        async clusterToken(body = {}) {
            const answer = await hub.admin("POST", "/api/installation/token", { maxUses: 3, ...body });
            if (answer.status !== 201) throw new Error(`token answered ${answer.status}: ${answer.text}`);
            const t = answer.body.token;
            return {
                id: t.id,
                token: t.token,
                command: t.installCommands.proxmox,
                async script() {
                    const res = await hub.publicRequest("GET", `/api/installation/script/${t.token}?platform=proxmox`);
                    if (res.status !== 200) throw new Error(`script answered ${res.status}: ${res.text}`);
                    return res.text;
                },
            };
        },
    };
}
