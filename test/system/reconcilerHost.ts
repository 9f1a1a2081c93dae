// Runs createWireGuard() (the real driver, wireguard-go) inside a test namespace, with the
// desired state held in this process: loadDesired is a plain function over a Map, which is
// a real input, not a stand-in. The test drives it over stdin/stdout JSON lines:
//   {"id":1,"cmd":"setPeers","args":[[{publicKey, allowedIPs}]]} → {"id":1,"result":…}
// Commands: setPeers, trigger, runNow, settled, status, stop. Logs go to stderr.
// Started by test/system/wgSpoke.ts startReconcilerHost().
import readline from "node:readline";
import { loadConfig } from "../../backend/config";
import { createLogger } from "../../backend/log";
import { createWireGuard } from "../../backend/wireguard";
import type { DesiredPeer, PeerStatus } from "../../backend/wireguard/types";

interface HostArgs {
    env: Record<string, string>;
    privateKeyFile: string;
    listenPort: number;
    addresses: string[];
}

async function main(): Promise<void> {
    const args = JSON.parse(process.argv[2]) as HostArgs;
    const config = loadConfig({ ...process.env, ...args.env });
    const log = createLogger("debug");
    let peers: DesiredPeer[] = [];
    let statusSaves: { at: string; peers: PeerStatus[] } | null = null;
    let saveCount = 0;
    const wg = await createWireGuard({
        config,
        log,
        loadDesired: async () => ({
            iface: { name: config.interfaceName, privateKeyFile: args.privateKeyFile, listenPort: args.listenPort, addresses: args.addresses },
            peers,
            hubPeers: peers.filter(p => p.endpoint),
            routes: [],
        }),
        saveStatus: async (list, at) => {
            statusSaves = { at: at.toISOString(), peers: list };
            saveCount++;
        },
    });
    const commands: Record<string, (...a: any[]) => unknown> = {
        setPeers: (list: DesiredPeer[]) => {
            peers = list;
            return peers.length;
        },
        trigger: (reason: string) => wg.trigger(reason ?? "test"),
        runNow: () => wg.runNow(),
        settled: () => wg.settled(),
        start: () => wg.start(),
        status: () => ({ ...wg.status(), saveCount, lastSave: statusSaves }),
        stop: async () => {
            await wg.stop();
            setImmediate(() => process.exit(0));
        },
    };
    const lines = readline.createInterface({ input: process.stdin });
    lines.on("line", async line => {
        const { id, cmd, args: a } = JSON.parse(line) as { id: number; cmd: string; args?: unknown[] };
        try {
            const result = await commands[cmd](...(a ?? []));
            process.stdout.write(JSON.stringify({ id, result: result ?? null }) + "\n");
        } catch (err) {
            process.stdout.write(JSON.stringify({ id, error: err instanceof Error ? err.message : String(err) }) + "\n");
        }
    });
    process.stdout.write(JSON.stringify({ id: 0, result: "ready" }) + "\n");
}

main().catch(err => {
    process.stderr.write(`reconcilerHost: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
});
