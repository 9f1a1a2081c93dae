// GET /api/hub/status: the seed's shape (interface, key, port, peers) plus the mode,
// whether the interface is up, the last reconcile, the spoke counts and the spokes' datacenters.
import type { HubContext } from "../context";
import { loadHub } from "./hub";
import { listSpokes, spokeCounts, spokeDatacenters } from "../spokes/list";

/** The port of WGHUB_PUBLIC_URL (behind a proxy), else the one the enrollment listener binds. */
function enrollmentPort(ctx: HubContext): number {
    const url = ctx.config.publicUrl ? new URL(ctx.config.publicUrl) : null;
    if (!url) return ctx.config.publicListen.port;
    return url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

export async function hubStatus(ctx: HubContext, withPeers = true) {
    const hub = await loadHub(ctx);
    const wg = ctx.wireguard?.status() ?? null;
    const counts = hub ? await spokeCounts(ctx) : { total: 0, online: 0, offline: 0, pending: 0, disabled: 0, withAgent: 0 };
    const datacenters = hub ? await spokeDatacenters(ctx) : [];
    const spokes = hub && withPeers ? await listSpokes(ctx) : [];
    return {
        initialized: Boolean(hub),
        interfaceName: ctx.config.interfaceName,
        publicKey: hub?.publicKey ?? null,
        listenPort: hub?.listenPort ?? null,
        enrollmentPort: enrollmentPort(ctx),
        mode: wg?.mode ?? "off",
        modeReason: wg?.modeReason ?? "WireGuard is not started",
        interfaceUp: wg?.interfaceUp ?? false,
        lastReconcile: wg?.lastReconcile ?? null,
        lastError: wg?.lastError ?? null,
        reconcile: wg,
        spokes: counts,
        datacenters,
        addresses: { used: ctx.addresses.used, capacity: ctx.addresses.capacity },
        statusUpdatedAt: ctx.live.lastUpdate?.toISOString() ?? null,
        peers: !withPeers ? undefined : spokes.filter(s => s.enabled).map(s => ({
            spokeId: s.id,
            name: s.name,
            publicKey: s.publicKey,
            endpoint: s.endpoint,
            allowedIPs: s.allowedIPs,
            lastHandshake: s.lastHandshake,
            transferRx: s.rxBytes,
            transferTx: s.txBytes,
            status: s.status,
        })),
    };
}
