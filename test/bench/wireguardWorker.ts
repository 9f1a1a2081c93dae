// The WireGuard benchmark body, run inside a namespace by test/bench/wireguard.ts: the real
// reconciler and driver on wireguard-go, the desired state a plain in-memory list.
// Prints human lines on stderr and one JSON object as its last stdout line.
import { execFileSync, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../backend/config";
import { createLogger } from "../../backend/log";
import { createWireGuard } from "../../backend/wireguard";
import { renderConf } from "../../backend/wireguard/confFile";
import { generateKeyPair } from "../../backend/wireguard/keys";
import type { DesiredPeer, DesiredState } from "../../backend/wireguard/types";

const iface = process.argv[2];
const peerCount = Number(process.argv[3] ?? 10_000);
const say = (line: string) => process.stderr.write(line + "\n");

function percentile(sorted: number[], p: number): number {
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function peerCountInDump(): number {
    return execFileSync("wg", ["show", iface, "dump"], { maxBuffer: 1 << 28 }).toString().trim().split("\n").length - 1;
}

async function main(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-bench-"));
    const hubKey = generateKeyPair();
    const keyFile = path.join(dir, "hub.key");
    fs.writeFileSync(keyFile, hubKey.privateKey + "\n", { mode: 0o600 });
    const config = loadConfig({ WGHUB_DATA_DIR: dir, WGHUB_WG_MODE: "userspace", WGHUB_INTERFACE: iface, WGHUB_RECONCILE_SCHEDULE: "0 0 1 1 *" });
    const addressOf = (i: number) => `10.${16 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`;
    const randomKey = () => crypto.randomBytes(32).toString("base64");
    let peers: DesiredPeer[] = Array.from({ length: peerCount }, (_, i) => ({ publicKey: randomKey(), allowedIPs: [addressOf(i + 2)] }));
    const spec = { name: iface, privateKeyFile: keyFile, listenPort: 51820, addresses: ["10.16.0.1/12"] };
    const desired = (): DesiredState => ({ iface: spec, peers, routes: [] });
    const live = new Map<string, number>();
    const heapBefore = heapAfterGc();
    const wg = await createWireGuard({
        config,
        log: createLogger("warn"),
        loadDesired: async () => desired(),
        saveStatus: async list => {
            for (const p of list) live.set(p.publicKey, p.latestHandshake);
        },
    });

    const coldStarted = performance.now();
    const cold = await wg.runNow();
    const coldMs = performance.now() - coldStarted;
    if (cold.error) throw new Error(cold.error);
    const applied = peerCountInDump();
    if (applied !== peerCount) throw new Error(`cold start left ${applied} peers, expected ${peerCount}`);
    say(`cold start to ${peerCount} peers (wireguard-go started, key, port, peers in batched wg set calls): ${coldMs.toFixed(0)} ms`);

    // Registration → peer live: the desired list grows by one, trigger() resolves once
    // `wg set` has returned, i.e. wireguard-go has taken the peer (checked in the dump below).
    const samples: number[] = [];
    const added: string[] = [];
    for (let i = 0; i < 100; i++) {
        const key = randomKey();
        peers = [...peers, { publicKey: key, allowedIPs: [addressOf(peerCount + 10 + i)] }];
        added.push(key);
        const t = performance.now();
        const report = await wg.trigger("bench add");
        samples.push(performance.now() - t);
        if (report.error || report.changes !== 1) throw new Error(`unexpected run: ${JSON.stringify(report)}`);
        await wg.settled(); // the conf file write, outside the measured part
    }
    const dumpText = execFileSync("wg", ["show", iface, "dump"], { maxBuffer: 1 << 28 }).toString();
    for (const key of added) if (!dumpText.includes(key)) throw new Error("a benchmarked peer is missing from the dump");
    for (let i = 0; i < 100; i++) {
        const key = added[i];
        peers = peers.filter(p => p.publicKey !== key);
        const t = performance.now();
        const report = await wg.trigger("bench remove");
        samples.push(performance.now() - t);
        if (report.error || report.changes !== 1) throw new Error(`unexpected run: ${JSON.stringify(report)}`);
        await wg.settled(); // the conf file write, outside the measured part
    }
    if (peerCountInDump() !== peerCount) throw new Error("removals did not apply");
    samples.sort((a, b) => a - b);
    const p50 = percentile(samples, 50), p99 = percentile(samples, 99);
    say(`one registration or removal → applied on wg0 at ${peerCount} peers: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (${samples.length} samples, debounce 5 ms included)`);

    // One scheduled run with nothing to do: dump read, parsed, compared, status stored.
    const idle: number[] = [];
    let idleWrites = 0;
    for (let i = 0; i < 10; i++) {
        const before = wg.status().writes;
        const t = performance.now();
        const r = await wg.runNow();
        idle.push(performance.now() - t);
        idleWrites += wg.status().writes - before;
        if (r.changes !== 0 || r.error) throw new Error(`idle run changed something: ${JSON.stringify(r)}`);
    }
    idle.sort((a, b) => a - b);
    const idleMs = percentile(idle, 50);
    say(`scheduled run with nothing to do at ${peerCount} peers: ${idleMs.toFixed(1)} ms (median of 10), ${idleWrites} writes, ${live.size} statuses stored`);

    // The same one-peer change done the way wg-easy does it: rewrite the whole file and
    // `wg syncconf IF <(wg-quick strip FILE)` through bash.
    // wg-quick takes the interface name from the file name: keep it short and valid.
    const wgEasyDir = fs.mkdtempSync(path.join(dir, "wgeasy-"));
    const wgEasyFile = path.join(wgEasyDir, "wg0.conf");
    const wgEasy: number[] = [];
    for (let i = 0; i < 3; i++) {
        const key = randomKey();
        const t = performance.now();
        fs.writeFileSync(wgEasyFile, renderConf({ iface: spec, peers: [...peers, { publicKey: key, allowedIPs: [addressOf(peerCount + 500 + i)] }] }, hubKey.privateKey), { mode: 0o600 });
        // stdin from /dev/null: bash then reads no ~/.bashrc, so only the work itself is timed.
        const r = spawnSync("bash", ["-c", 'set -o pipefail; wg syncconf "$1" <(wg-quick strip "$2")', "bash", iface, wgEasyFile], {
            encoding: "utf8", stdio: ["ignore", "pipe", "pipe"],
        });
        wgEasy.push(performance.now() - t);
        if (r.status !== 0) throw new Error(`wg syncconf failed: ${r.stderr}`);
        const after = execFileSync("wg", ["show", iface, "dump"], { maxBuffer: 1 << 28 }).toString();
        if (!after.includes(key) || after.trim().split("\n").length - 1 !== peerCount + 1)
            throw new Error("the wg-easy way did not leave the expected peers: the measurement would be meaningless");
    }
    wgEasy.sort((a, b) => a - b);
    const wgEasyMs = percentile(wgEasy, 50);
    say(`the same change the wg-easy way (rewrite file + wg syncconf <(wg-quick strip)): ${wgEasyMs.toFixed(0)} ms (median of 3) → ours is ${(wgEasyMs / p50).toFixed(0)}× faster at p50`);

    const rssMb = process.memoryUsage().rss / 1024 / 1024;
    say(`RSS of this process (node + tsx + reconciler holding ${peerCount} peers): ${rssMb.toFixed(0)} MB`);
    // What the reconciler keeps: heap after a full collection, now and before it existed.
    const reconcilerHeapMb = (heapAfterGc() - heapBefore) / 1024 / 1024;
    say(`heap the reconciler keeps for ${peerCount} peers (tables, caches, last conf text): ${reconcilerHeapMb.toFixed(1)} MB`);
    await wg.stop();
    fs.rmSync(dir, { recursive: true, force: true });

    process.stdout.write(JSON.stringify({
        apply_one_p50_ms: round(p50), apply_one_p99_ms: round(p99), idle_run_ms: round(idleMs), idle_run_writes: idleWrites,
        cold_start_10k_ms: round(coldMs), wgeasy_way_ms: round(wgEasyMs), speedup_vs_wgeasy: round(wgEasyMs / p50),
        reconciler_rss_10k_mb: round(rssMb), reconciler_heap_10k_mb: round(reconcilerHeapMb),
    }) + "\n");
}

function heapAfterGc(): number {
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage().heapUsed;
}

const round = (n: number) => Math.round(n * 10) / 10;

main().catch(err => {
    process.stderr.write(`wireguard bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
});
