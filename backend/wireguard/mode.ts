// Which driver runs the interface: WGHUB_WG_MODE, or for `auto` what this machine offers.
import type { WgMode } from "../config";
import type { WgHost } from "./host";
import type { ActiveMode } from "./types";

export interface ModeChoice {
    mode: ActiveMode;
    reason: string;
}

const probeName = "wghub-probe";

export async function chooseMode(wanted: WgMode, iface: string, host: WgHost): Promise<ModeChoice> {
    if (wanted !== "auto") return { mode: wanted, reason: `WGHUB_WG_MODE=${wanted}` };
    if (process.getuid?.() !== 0) return { mode: "off", reason: "not running as root: rendering the config file only" };

    const existing = await host.link(iface);
    if (existing?.kind === "wireguard") return { mode: "kernel", reason: `${iface} already exists as a kernel WireGuard interface` };
    if (existing?.kind === "tun") return { mode: "userspace", reason: `${iface} already exists, run by wireguard-go` };

    let kernelError: string;
    try {
        await host.addKernelLink(probeName);
        await host.deleteLink(probeName);
        return { mode: "kernel", reason: "the kernel supports WireGuard" };
    } catch (err) {
        kernelError = err instanceof Error ? err.message : String(err);
    }
    if (host.onPath("wireguard-go")) return { mode: "userspace", reason: `no kernel WireGuard (${kernelError}); using wireguard-go` };
    return { mode: "off", reason: `no kernel WireGuard (${kernelError}) and no wireguard-go on PATH: rendering the config file only` };
}
