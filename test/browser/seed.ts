// Fills a hub with spokes the way real ones arrive: an admin token each (over the socket),
// then a registration on the public API with a key made "on the spoke".
import { spokePublicKey, type RunningHub } from "../support/hub";

export interface SeedSpoke {
    name: string;
    os: "linux" | "macos" | "windows" | "proxmox";
    datacenter?: string;
    proxmox?: { cluster: string; node: string };
}

/** A Proxmox VE estate: datacenter → clusters → node count. */
export const PROXMOX_ESTATE: Record<string, Record<string, number>> = {
    Paris: { "pve-par-a": 4, "pve-par-b": 3 },
    Frankfurt: { "pve-fra-1": 5 },
    Montreal: { "pve-mtl": 2 },
};

export function proxmoxSpokes(): SeedSpoke[] {
    const list: SeedSpoke[] = [];
    for (const [datacenter, clusters] of Object.entries(PROXMOX_ESTATE))
        for (const [cluster, nodes] of Object.entries(clusters))
            for (let i = 1; i <= nodes; i++)
                list.push({ name: `${cluster}-n${i}`, os: "proxmox", datacenter, proxmox: { cluster, node: `${cluster}-n${i}` } });
    return list;
}

export function plainSpokes(count: number, prefix = "site"): SeedSpoke[] {
    const oses = ["linux", "linux", "linux", "windows", "macos"] as const;
    return Array.from({ length: count }, (_v, i) => ({ name: `${prefix}-${String(i).padStart(5, "0")}`, os: oses[i % oses.length] }));
}

/** Registers every spoke; returns their ids by name. */
export async function seedSpokes(hub: RunningHub, spokes: SeedSpoke[], concurrency = 8): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    let next = 0;
    async function worker(): Promise<void> {
        while (next < spokes.length) {
            const s = spokes[next++];
            const token = await hub.admin("POST", "/api/installation/token", { spokeName: s.name, ...(s.datacenter ? { datacenter: s.datacenter } : {}) });
            if (token.status !== 201) throw new Error(`token for ${s.name}: ${token.text}`);
            const body: Record<string, unknown> = { token: token.body.token.token, publicKey: spokePublicKey(), os: s.os, hostname: s.name };
            if (s.proxmox) Object.assign(body, { isProxmox: true, proxmoxClusterName: s.proxmox.cluster, proxmoxNodeName: s.proxmox.node, proxmoxVersion: "8.2.4" });
            const registered = await hub.publicRequest("POST", "/api/spoke/register", body);
            if (registered.status !== 201) throw new Error(`register ${s.name}: ${registered.text}`);
            ids.set(s.name, registered.body.spoke.id);
        }
    }
    await Promise.all(Array.from({ length: concurrency }, worker));
    return ids;
}
