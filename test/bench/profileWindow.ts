// Where the service's main thread spent the agents' steady minute: reads the CPU profile that
// WGHUB_PROFILE_DIR makes the service write and the steady-window.json the agents bench writes
// beside it, and prints the busy time with the functions that took it (self and with callees).
// Run: node --import tsx test/bench/profileWindow.ts DIR [rows]
import fs from "node:fs";
import path from "node:path";

interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
}

interface CpuProfile {
    nodes: ProfileNode[];
    startTime: number;
    samples: number[];
    timeDeltas: number[];
}

function frameName(node: ProfileNode): string {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName || "(anonymous)";
    return url ? `${name} ${url.split("/").slice(-2).join("/")}:${lineNumber + 1}` : name;
}

function top(times: Map<string, number>, rows: number): string {
    return [...times].sort((a, b) => b[1] - a[1]).slice(0, rows)
        .map(([name, us]) => `${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`).join("\n");
}

function main(): void {
    const [dir, rowsText] = process.argv.slice(2);
    if (!dir) throw new Error("usage: profileWindow.ts DIR [rows] (DIR: the WGHUB_PROFILE_DIR of an agents bench run)");
    const window = JSON.parse(fs.readFileSync(path.join(dir, "steady-window.json"), "utf8")) as { pid: number; steadyFromUs: number; steadyToUs: number };
    // The main thread's profile is the one whose name carries the service's pid and thread 0.
    const file = fs.readdirSync(dir).find(f => f.endsWith(".cpuprofile") && f.includes(`.${window.pid}.0.`));
    if (!file) throw new Error(`no CPU profile of process ${window.pid} in ${dir}: it is written when the service stops`);
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as CpuProfile;
    const byId = new Map(profile.nodes.map(n => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);

    const self = new Map<string, number>(), inclusive = new Map<string, number>();
    let busy = 0, at = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
        at += profile.timeDeltas[i]!;
        if (at < window.steadyFromUs || at > window.steadyToUs) continue;
        const spent = profile.timeDeltas[i + 1] ?? 0;
        const leaf = byId.get(profile.samples[i]!)!;
        if (leaf.callFrame.functionName === "(idle)") continue;
        busy += spent;
        self.set(frameName(leaf), (self.get(frameName(leaf)) ?? 0) + spent);
        const seen = new Set<string>();
        for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
            const name = frameName(byId.get(id)!);
            if (seen.has(name)) continue;
            seen.add(name);
            inclusive.set(name, (inclusive.get(name) ?? 0) + spent);
        }
    }
    const rows = Number(rowsText ?? 30);
    console.log(`main thread busy ${(busy / 1000).toFixed(0)} ms in the steady minute (${file})`);
    console.log(`\nself:\n${top(self, rows)}`);
    console.log(`\nwith callees:\n${top(inclusive, rows)}`);
}

main();
