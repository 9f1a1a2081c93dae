// The hub service as the system tests run it: wireguard-go in the lab's hub namespace,
// enrolling over its own pinned TLS, initialised; and a way to paste a one-liner on a spoke
// as its admin would (a root shell where `sudo` just runs the command: this machine has none).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { ExecResult, Host, Lab } from "../support/netns";
import { waitFor } from "../support/netns";
import { startHub, tempDirUntilExit, type RunningHub } from "../support/hub";

export interface LabHub {
    hub: RunningHub;
    /** Runs COMMAND in a root shell on HOST, as pasted from the page. */
    paste(host: Host, command: string): Promise<ExecResult>;
    stop(): Promise<void>;
}

/** Where a lab hub runs: the lab's hub namespace by default, or another host of the lab (a second hub). */
export interface LabHubPlace {
    host: Host;
    interfaceName: string;
    /** A data directory to start from (a hub that comes back). */
    dataDir?: string;
}

/** Starts the hub in the lab's hub namespace and initialises it with `init` (null: leave it uninitialised). */
export async function startLabHub(lab: Lab, init: Record<string, unknown> | null, schedule = "*/5 * * * * *",
    env: Record<string, string> = {}, place: LabHubPlace = { host: lab.hub, interfaceName: lab.hubInterface }): Promise<LabHub> {
    // Removed by stop(), or at exit for a hub a test leaves running.
    const shims = tempDirUntilExit("wghub-lab-shims-");
    fs.writeFileSync(path.join(shims, "sudo"), '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
    const lan = place.host.lanAddress;
    const hub = await startHub({
        netns: place.host.ns,
        dataDir: place.dataDir,
        env: {
            WGHUB_WG_MODE: "userspace",
            WGHUB_INTERFACE: place.interfaceName,
            WGHUB_PUBLIC_LISTEN: `${lan}:51821`,
            WGHUB_PUBLIC_URL: `https://${lan}:51821`,
            WGHUB_RECONCILE_SCHEDULE: schedule,
            ...env,
        },
    });
    if (init) {
        const answer = await hub.admin("POST", "/api/hub/initialize", { listenPort: 51820, publicEndpoint: `${lan}:51820`, ...init });
        assert.equal(answer.status, 201, answer.text);
        await waitFor("the hub's WireGuard interface", async () => (await place.host.exec("wg", ["show", place.interfaceName])).code === 0, 15_000);
    }
    return {
        hub,
        paste: (host, command) => host.exec("sh", ["-c", `PATH=${shims}:$PATH; ${command}`], { timeoutMs: 120_000 }),
        async stop() {
            await hub.stop();
            fs.rmSync(hub.dataDir, { recursive: true, force: true });
            fs.rmSync(shims, { recursive: true, force: true });
        },
    };
}
