// A real hub (the built service) on loopback for script runs, and helpers to mint tokens
// and fetch scripts from it the way a spoke does.
import fs from "node:fs";
import { freePort, startHub, type RunningHub } from "../support/hub";
import type { Platform } from "../../backend/scripts/render";

export interface EnrollmentHub {
    hub: RunningHub;
    pin: string | null;
    stop(): Promise<void>;
    token(spokeName: string, extra?: Record<string, unknown>): Promise<MintedToken>;
}

export interface MintedToken {
    id: string;
    token: string;
    spokeId: string;
    installCommands: Record<Platform, string>;
    /** The rendered script, fetched over the public API. */
    script(platform: Platform): Promise<string>;
}

export const hubInit = {
    networkCIDR: "10.0.1.0/24",
    listenPort: 51820,
    publicEndpoint: "203.0.113.5:51820",
    privateEndpoint: "192.168.1.15:51820",
    dns: ["1.1.1.1"],
};

export async function startEnrollmentHub(opts: { tls?: boolean; init?: Record<string, unknown> } = {}): Promise<EnrollmentHub> {
    const tls = opts.tls ?? true;
    const port = await freePort();
    const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
    const hub = await startHub({
        env: { WGHUB_PUBLIC_LISTEN: `127.0.0.1:${port}`, WGHUB_PUBLIC_URL: url, WGHUB_TLS: tls ? "on" : "off" },
    });
    const init = await hub.admin("POST", "/api/hub/initialize", { ...hubInit, ...opts.init });
    if (init.status !== 201) {
        await hub.stop();
        throw new Error(`hub initialisation answered ${init.status}: ${init.text}`);
    }
    let pin: string | null = null;
    const token = async (spokeName: string, extra: Record<string, unknown> = {}): Promise<MintedToken> => {
        const answer = await hub.admin("POST", "/api/installation/token", { spokeName, ...extra });
        if (answer.status !== 201) throw new Error(`token answered ${answer.status}: ${answer.text}`);
        const t = answer.body.token;
        pin = /--pinnedpubkey '([^']+)'/.exec(t.installCommands.linux)?.[1] ?? null;
        return {
            id: t.id,
            token: t.token,
            spokeId: t.spokeId,
            installCommands: t.installCommands,
            async script(platform: Platform) {
                const res = await hub.publicRequest("GET", `/api/installation/script/${t.token}?platform=${platform}`);
                if (res.status !== 200) throw new Error(`script answered ${res.status}: ${res.text}`);
                return res.text;
            },
        };
    };
    const eh: EnrollmentHub = {
        hub,
        get pin() {
            return pin;
        },
        async stop() {
            await hub.stop();
            fs.rmSync(hub.dataDir, { recursive: true, force: true });
        },
        token,
    };
    return eh;
}
