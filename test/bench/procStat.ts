// What the benches read of a process in /proc.
import fs from "node:fs";

/** CPU seconds a process (or, given its stat file, one of its threads) has used, in user and in system mode. */
export function cpuSplit(pid: number, statFile = `/proc/${pid}/stat`): { user: number; system: number } {
    const stat = fs.readFileSync(statFile, "utf8");
    // The command name, in parentheses, may itself hold ") ": the fields start after the last one.
    const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}
