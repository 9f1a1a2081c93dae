// What the benches read of a process in /proc.
import fs from "node:fs";

/** CPU seconds a process (or, given its stat file, one of its threads) has used, in user and in system mode. */
export function cpuSplit(pid: number, statFile = `/proc/${pid}/stat`): { user: number; system: number } {
    const stat = fs.readFileSync(statFile, "utf8");
    // The command name, in parentheses, may itself hold ") ": the fields start after the last one.
    const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** CPU seconds used so far by the processes of a process group that are still running. */
export function groupCpu(pgid: number): number {
    let seconds = 0;
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
            if (Number(fields[2]) === pgid) seconds += (Number(fields[11]) + Number(fields[12])) / 100;
        } catch {
            // Ended while the list was read.
        }
    }
    return seconds;
}
