// `npm run bench [-- --json]`: prints each benchmark's figures; with --json, one JSON object
// holding every figure (later benchmarks add their keys).
import { benchHub, benchHubAtScale } from "./hub";

const json = process.argv.includes("--json");
const log = (line: string) => (json ? process.stderr : process.stdout).write(line + "\n");

async function main(): Promise<void> {
    const figures: Record<string, number> = {};
    const scale = Number(process.env.WGHUB_BENCH_SCALE ?? 10_000);
    Object.assign(figures, scale === 10_000 ? await benchHub(log) : await benchHubAtScale(log, scale));
    // The Cockpit page at that scale in Chromium (about 6 minutes, mostly seeding; WGHUB_BENCH_PAGE=0 skips it).
    if (scale !== 10_000) {
        if (process.env.WGHUB_BENCH_PAGE === "0") log("page benchmark skipped (WGHUB_BENCH_PAGE=0)");
        else {
            const { benchPage } = await import("./page");
            // The same page with 1,000 spokes first: what Cockpit's shell and the page cost whatever the hub holds.
            Object.assign(figures, await benchPage(log, 1000), await benchPage(log, scale));
        }
    }
    if (process.getuid?.() === 0) {
        const { benchWireGuard } = await import("./wireguard");
        Object.assign(figures, await benchWireGuard());
        // Two hubs on one PostgreSQL database (about 2 minutes; WGHUB_BENCH_MULTIHUB=0 skips it).
        const { postgresBinDir } = await import("../support/postgres");
        if (process.env.WGHUB_BENCH_MULTIHUB === "0") log("multi-hub benchmark skipped (WGHUB_BENCH_MULTIHUB=0)");
        else if (!postgresBinDir()) log("multi-hub benchmark skipped: PostgreSQL server binaries are missing (apt-get install postgresql)");
        else Object.assign(figures, await (await import("./multihub")).benchMultiHub(log));
    } else {
        log("WireGuard and multi-hub benchmarks skipped: they need root (network namespaces, wireguard-go)");
    }
    if (json) process.stdout.write(JSON.stringify(figures) + "\n");
    else for (const [k, v] of Object.entries(figures)) log(`${k} = ${v}`);
}

main().catch(err => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
});
