// What the benches read of a process in /proc.
import fs from "node:fs";

/** A stat file's fields after the command name, which is in parentheses and may itself hold ") ". */
function fieldsAfterName(statFile: string): string[] {
    const stat = fs.readFileSync(statFile, "utf8");
    return stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
}

/** CPU seconds a process (or, given its stat file, one of its threads) has used, in user and in system mode. */
export function cpuSplit(pid: number, statFile = `/proc/${pid}/stat`): { user: number; system: number } {
    const fields = fieldsAfterName(statFile);
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** CPU seconds used so far by the processes of a process group that are still running. */
export function groupCpu(pgid: number): number {
    let seconds = 0;
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        let fields: string[];
        try {
            fields = fieldsAfterName(`/proc/${entry}/stat`);
        } catch {
            continue; // ended while /proc was read
        }
        if (Number(fields[2]) === pgid) seconds += (Number(fields[11]) + Number(fields[12])) / 100;
    }
    return seconds;
}

/**
 * Resolves once `cpuSeconds` grows by less than 2% of a core over two half-seconds in a row;
 * throws `what` kept using the CPU past `timeoutMs`.
 */
export async function cpuQuiet(cpuSeconds: () => number, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    let last = cpuSeconds();
    while (quiet < 2) {
        if (Date.now() > deadline) throw new Error(`${what} kept using the CPU for ${timeoutMs / 1000} s`);
        await new Promise(resolve => setTimeout(resolve, 500));
        const now = cpuSeconds();
        quiet = now - last < 0.01 ? quiet + 1 : 0;
        last = now;
    }
}
