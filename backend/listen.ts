// Listeners: the admin unix socket (0600; a stale file from a crash is replaced, a live one
// refused) and TCP listeners.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import type { Server } from "node:http";

function socketAnswers(file: string): Promise<boolean> {
    return new Promise(resolve => {
        const probe = net.connect(file);
        probe.once("connect", () => {
            probe.destroy();
            resolve(true);
        });
        probe.once("error", () => resolve(false));
    });
}

export async function listenOnSocket(server: Server, file: string): Promise<void> {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    if (fs.existsSync(file)) {
        if (await socketAnswers(file))
            throw new Error(`another wireguard-hub is already serving ${file}; stop it first (systemctl stop wireguard-hub)`);
        fs.unlinkSync(file);
    }
    const previous = process.umask(0o177);
    try {
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(file, () => {
                server.off("error", reject);
                resolve();
            });
        });
    } finally {
        process.umask(previous);
    }
    fs.chmodSync(file, 0o600);
}

export function listenOnTcp(server: net.Server, host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
        server.once("error", (err: NodeJS.ErrnoException) => {
            reject(err.code === "EADDRINUSE" ? new Error(`${host}:${port} is already in use; stop what holds it or pick another address`) : err);
        });
        server.listen(port, host, () => resolve());
    });
}
