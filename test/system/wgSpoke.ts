// Helpers for system tests: a spoke's side of WireGuard configured with wg/ip directly
// (the install script has its own tests), ping, and the reconciler run in a namespace.
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import type { Host } from "../support/netns";

/** Makes the spoke's key pair on the spoke (`wg genkey`); the private key stays in its private /etc/wireguard. */
export async function makeSpokeKey(host: Host): Promise<string> {
    const privateKey = (await host.run("wg", ["genkey"])).trim();
    await host.run("sh", ["-c", 'umask 077 && cat > /etc/wireguard/spoke.key'], { input: privateKey + "\n" });
    return (await host.run("wg", ["pubkey"], { input: privateKey + "\n" })).trim();
}

export interface SpokeTunnel {
    /** The spoke's tunnel address with the network's prefix, e.g. "10.0.1.2/24". */
    address: string;
    hubPublicKey: string;
    hubEndpoint: string;
    /** What the spoke routes through the hub: the network. */
    allowedIPs: string;
}

export async function bringUpSpoke(host: Host, t: SpokeTunnel, iface = "wg0"): Promise<void> {
    if ((await host.exec("wg", ["show", iface])).code !== 0) await host.startWireGuardGo(iface);
    await host.run("wg", ["set", iface, "private-key", "/etc/wireguard/spoke.key",
        "peer", t.hubPublicKey, "endpoint", t.hubEndpoint, "allowed-ips", t.allowedIPs, "persistent-keepalive", "25"]);
    await host.run("ip", ["address", "replace", t.address, "dev", iface]);
    await host.run("ip", ["link", "set", "dev", iface, "up"]);
}

export async function handshakeWithHub(host: Host, hubPublicKey: string, iface = "wg0"): Promise<number> {
    const out = await host.run("wg", ["show", iface, "latest-handshakes"]);
    const line = out.split("\n").find(l => l.startsWith(hubPublicKey));
    return line ? Number(line.split("\t")[1]) : 0;
}

/** Bytes the host has sent to the hub through its tunnel. */
export async function bytesSentToHub(host: Host, hubPublicKey: string, iface = "wg0"): Promise<number> {
    const out = await host.run("wg", ["show", iface, "transfer"]);
    const line = out.split("\n").find(l => l.startsWith(hubPublicKey));
    return line ? Number(line.split("\t")[2]) : 0;
}

export async function ping(host: Host, address: string, count = 1, waitSeconds = 2): Promise<boolean> {
    return (await host.exec("ping", ["-n", "-q", "-c", String(count), "-W", String(waitSeconds), address])).code === 0;
}

/** ping -i interval -c count: {sent, received} from ping's summary line. */
export function parsePingSummary(stdout: string): { sent: number; received: number } {
    const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(stdout);
    if (!m) throw new Error(`no ping summary in: ${stdout.slice(-300)}`);
    return { sent: Number(m[1]), received: Number(m[2]) };
}

/** Peers of a hub interface as `wg show IF dump` reports them: publicKey → {allowedIPs, latestHandshake}. */
export async function hubPeers(host: Host, iface: string): Promise<Map<string, { allowedIPs: string; latestHandshake: number }>> {
    const out = await host.run("wg", ["show", iface, "dump"]);
    const peers = new Map<string, { allowedIPs: string; latestHandshake: number }>();
    for (const line of out.split("\n").slice(1).filter(Boolean)) {
        const f = line.split("\t");
        peers.set(f[0], { allowedIPs: f[3], latestHandshake: Number(f[4]) });
    }
    return peers;
}

export class ReconcilerHost {
    private nextId = 1;
    private readonly pending = new Map<number, { resolve(v: any): void; reject(e: Error): void }>();
    stderr = "";

    constructor(readonly child: ChildProcess) {
        child.stderr!.on("data", d => (this.stderr += d));
        readline.createInterface({ input: child.stdout! }).on("line", line => {
            const msg = JSON.parse(line) as { id: number; result?: unknown; error?: string };
            const p = this.pending.get(msg.id);
            this.pending.delete(msg.id);
            if (msg.error !== undefined) p?.reject(new Error(msg.error));
            else p?.resolve(msg.result);
        });
        child.on("exit", code => {
            for (const p of this.pending.values()) p.reject(new Error(`reconcilerHost exited (${code}): ${this.stderr.slice(-2000)}`));
            this.pending.clear();
        });
    }

    call<T = any>(cmd: string, ...args: unknown[]): Promise<T> {
        const id = this.nextId++;
        return new Promise<T>((resolve, reject) => {
            this.pending.set(id, { resolve, reject });
            this.child.stdin!.write(JSON.stringify({ id, cmd, args }) + "\n");
        });
    }

    ready(): Promise<void> {
        return new Promise((resolve, reject) => {
            this.pending.set(0, { resolve: () => resolve(), reject });
        });
    }
}

const root = path.resolve(__dirname, "..", "..");

export async function startReconcilerHost(host: Host, args: { env: Record<string, string>; privateKeyFile: string; listenPort: number; addresses: string[] }): Promise<ReconcilerHost> {
    const child = host.spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "reconcilerHost.ts"), JSON.stringify(args)], {
        cwd: root, stdio: ["pipe", "pipe", "pipe"],
    });
    const rh = new ReconcilerHost(child);
    await rh.ready();
    return rh;
}
