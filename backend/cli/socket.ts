// Which admin socket to talk to: --socket, else WGHUB_API_SOCKET, else the service's own
// setting in /etc/wireguard-hub/hub.env, else the packaged default.
import fs from "node:fs";

export const defaultSocket = "/run/wireguard-hub/api.sock";
export const serviceEnvFile = "/etc/wireguard-hub/hub.env";

/** The value of one VAR=value line of a systemd EnvironmentFile, or null. */
export function readEnvFileValue(file: string, name: string): string | null {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        return null;
    }
    let found: string | null = null;
    for (const raw of text.split("\n")) {
        const line = raw.trim();
        if (!line || line.startsWith("#") || line.startsWith(";")) continue;
        const eq = line.indexOf("=");
        if (eq < 0 || line.slice(0, eq).trim() !== name) continue;
        found = line.slice(eq + 1).trim().replace(/^(["'])(.*)\1$/, "$2");
    }
    return found || null;
}

export function resolveSocket(flag: string | undefined, env: NodeJS.ProcessEnv = process.env,
    envFile = serviceEnvFile): string {
    return flag || env.WGHUB_API_SOCKET || readEnvFileValue(envFile, "WGHUB_API_SOCKET") || defaultSocket;
}
