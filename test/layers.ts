// The test layers of DESIGN.md and what each needs from the machine.
import fs from "node:fs";
import { execFileSync } from "node:child_process";

export interface Layer {
    name: string;
    /** Why the layer cannot run here, or null when it can. */
    missing(): string | null;
    timeoutMs: number;
}

function onPath(cmd: string): boolean {
    try {
        execFileSync("sh", ["-c", 'command -v "$1"', "sh", cmd], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

function needCommands(...cmds: string[]): string | null {
    const absent = cmds.filter(c => !(c.startsWith("/") ? fs.existsSync(c) : onPath(c)));
    return absent.length ? `missing ${absent.join(", ")} (bash .ci/run installs them)` : null;
}

function needRoot(): string | null {
    return process.getuid?.() === 0 ? null : "needs root (network namespaces, chroot)";
}

export const layers: Layer[] = [
    { name: "unit", missing: () => null, timeoutMs: 10_000 },
    { name: "api", missing: () => null, timeoutMs: 60_000 },
    { name: "scripts", missing: () => needCommands("bash", "shellcheck", "curl", "openssl"), timeoutMs: 60_000 },
    {
        name: "postgres",
        missing: () => needRoot() ?? (fs.existsSync("/usr/lib/postgresql") && fs.readdirSync("/usr/lib/postgresql").length
            ? needCommands("runuser") : "missing the PostgreSQL server (apt-get install postgresql)"),
        timeoutMs: 60_000,
    },
    {
        name: "system",
        missing: () => needRoot() ?? needCommands("wg", "wireguard-go", "ip", "wg-quick", "ping", "curl"),
        timeoutMs: 300_000,
    },
    {
        name: "browser",
        // Root: the non-admin view runs the bridge as nobody; the live view runs wireguard-go.
        missing: () => needRoot() ?? needCommands("/usr/lib/cockpit/cockpit-ws", "cockpit-bridge", "chromium", "setpriv", "wireguard-go"),
        timeoutMs: 180_000,
    },
    {
        name: "package",
        missing: () => needRoot() ?? needCommands("debootstrap", "dpkg-buildpackage", "dh", "fakeroot"),
        timeoutMs: 900_000,
    },
];
