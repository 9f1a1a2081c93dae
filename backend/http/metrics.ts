// Prometheus metrics for GET /metrics (admin API only).
import client from "prom-client";
import type { HubContext } from "../context";
import { spokeCounts } from "../spokes/list";

export function createMetrics(ctx: HubContext): client.Registry {
    const registry = new client.Registry();
    // prom-client names already start with process_ / nodejs_: "wghub_" makes wghub_process_cpu_…
    client.collectDefaultMetrics({ register: registry, prefix: "wghub_" });
    new client.Gauge({
        name: "wghub_spokes", help: "Spokes by state", labelNames: ["state"], registers: [registry],
        async collect() {
            const { online, offline, pending, disabled } = await spokeCounts(ctx);
            for (const [state, n] of Object.entries({ online, offline, pending, disabled })) this.set({ state }, n);
        },
    });
    new client.Gauge({
        name: "wghub_spokes_with_agent", help: "Spokes whose agent has reported", registers: [registry],
        async collect() { this.set((await spokeCounts(ctx)).withAgent); },
    });
    new client.Gauge({
        name: "wghub_addresses_used", help: "Addresses held by spokes and pending tokens", registers: [registry],
        collect() { this.set(ctx.addresses.used); },
    });
    new client.Gauge({
        name: "wghub_reconcile_duration_seconds", help: "Duration of the last reconcile", registers: [registry],
        collect() { this.set((ctx.wireguard?.status().lastReconcile?.durationMs ?? 0) / 1000); },
    });
    new client.Gauge({
        name: "wghub_reconcile_changes", help: "Peers changed by the last reconcile", registers: [registry],
        collect() { this.set(ctx.wireguard?.status().lastReconcile?.changes ?? 0); },
    });
    new client.Gauge({
        name: "wghub_reconcile_failing", help: "1 while the last apply failed", registers: [registry],
        collect() { this.set(ctx.wireguard?.status().lastError ? 1 : 0); },
    });
    return registry;
}
