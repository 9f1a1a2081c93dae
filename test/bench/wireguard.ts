// WireGuard benchmarks at 10,000 peers on wireguard-go (run as root: it makes namespaces).
// test/bench/run.ts calls benchWireGuard() and merges its keys; run alone with
// `node --import tsx test/bench/wireguard.ts [peers]`.
import path from "node:path";
import { createLab } from "../support/netns";
import { benchDriftRepair } from "./driftRepair";
import { benchWireGuardService } from "./wireguardService";

/**
 * Every WireGuard figure: the reconciler and driver at 10,000 peers, a spoke's way back after
 * drift repair, then the hub service
 * itself holding 10,000 spokes (seeded through its API: about 5 minutes here; skipped with
 * WGHUB_BENCH_SERVICE=0).
 */
export async function benchWireGuard(peers = 10_000): Promise<Record<string, number>> {
    const figures = await benchReconciler(peers);
    Object.assign(figures, await benchDriftRepair());
    if (process.env.WGHUB_BENCH_SERVICE !== "0") Object.assign(figures, await benchWireGuardService(peers));
    return figures;
}

export async function benchReconciler(peers = 10_000): Promise<Record<string, number>> {
    const lab = await createLab();
    try {
        const root = path.resolve(__dirname, "..", "..");
        const child = lab.hub.spawn(process.execPath, ["--expose-gc", "--import", "tsx", path.join(__dirname, "wireguardWorker.ts"), lab.hubInterface, String(peers)], {
            cwd: root, stdio: ["ignore", "pipe", "inherit"],
        });
        let out = "";
        child.stdout!.on("data", d => (out += d));
        const code = await new Promise<number | null>(resolve => child.on("exit", resolve));
        if (code !== 0) throw new Error(`the WireGuard benchmark failed (exit ${code})`);
        const figures = JSON.parse(out.trim().split("\n").pop()!) as Record<string, number>;
        const wgGo = await wireguardGoRssMb(lab.hub.ns);
        if (wgGo !== null) {
            figures.wireguard_go_rss_10k_mb = wgGo;
            console.error(`RSS of wireguard-go holding ${peers} peers: ${wgGo} MB`);
        }
        return figures;
    } finally {
        await lab.destroy();
    }
}

async function wireguardGoRssMb(ns: string): Promise<number | null> {
    const { execFileSync } = await import("node:child_process");
    const fs = await import("node:fs");
    for (const pid of execFileSync("ip", ["netns", "pids", ns]).toString().split(/\s+/).filter(Boolean)) {
        try {
            if (fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "wireguard-go") continue;
            const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
            return Math.round(kb / 1024);
        } catch {
            continue;
        }
    }
    return null;
}

if (require.main === module) {
    benchWireGuard(Number(process.argv[2] ?? 10_000)).then(f => console.log(JSON.stringify(f, null, 2)), err => {
        console.error(err);
        process.exit(1);
    });
}
