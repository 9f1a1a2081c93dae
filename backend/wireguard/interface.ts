// Bring-up of the hub interface: create it if missing, forwarding for spoke-to-spoke
// traffic, addresses, link up. Idempotent: each step writes only when something differs.
import { canonicalCidr } from "./cidr";
import { forwardingSysctls } from "./confFile";
import type { WgHost } from "./host";
import type { ActiveMode, HubInterfaceSpec } from "./types";

export async function createInterface(host: WgHost, mode: Exclude<ActiveMode, "off">, name: string): Promise<void> {
    if (mode === "kernel") await host.addKernelLink(name);
    else await host.startWireguardGo(name);
}

/** Forwarding is set before the interface carries traffic, so no redirect is ever sent. */
export function enableForwarding(host: WgHost, spec: HubInterfaceSpec): void {
    for (const setting of forwardingSysctls(spec.addresses)) {
        const [name, value] = setting.split("=");
        host.setSysctl(name, value);
    }
}

export interface InterfaceState {
    addresses: string[];
    up: boolean;
}

export async function readInterfaceState(host: WgHost, name: string): Promise<InterfaceState> {
    const [addresses, link] = await Promise.all([host.addresses(name), host.link(name)]);
    return { addresses, up: link?.up ?? false };
}

/** Addresses exactly as configured (extra ones removed), then the link up. Returns whether it is up. */
export async function ensureAddressesAndUp(host: WgHost, spec: HubInterfaceSpec, state: InterfaceState): Promise<boolean> {
    const current = state.addresses;
    const same = (a: string, b: string) => {
        const [addrA, prefixA] = a.split("/");
        const [addrB, prefixB] = b.split("/");
        return prefixA === prefixB && canonicalCidr(addrA) === canonicalCidr(addrB);
    };
    for (const want of spec.addresses)
        if (!current.some(have => same(have, want))) await host.addAddress(spec.name, want);
    for (const have of current)
        if (!spec.addresses.some(want => same(have, want))) await host.removeAddress(spec.name, have);
    if (!state.up) await host.setUp(spec.name);
    return true;
}
