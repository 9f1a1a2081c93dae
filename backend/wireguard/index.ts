// The hub's WireGuard: picks the driver, keeps the interface equal to the database
// (reconciler.ts) and reports what it sees. server.ts calls createWireGuard() and nothing
// else from this folder.
import cron from "node-cron";
import { WgHost } from "./host";
import { chooseMode } from "./mode";
import { Reconciler, type ConfTiming } from "./reconciler";
import type { WireGuard, WireGuardDeps } from "./types";

export type { WireGuard, WireGuardDeps, WireGuardStatus, DesiredState, DesiredPeer, PeerStatus, ReconcileReport } from "./types";

export interface WireGuardOptions {
    /** Debounce after trigger(); a few ms lets a burst of registrations share one apply. */
    debounceMs?: number;
    /** The host command runner; tests and benchmarks read its write counter. */
    host?: WgHost;
    /** When the conf file is written after changes (tests shorten or lengthen it). */
    confTiming?: ConfTiming;
}

export async function createWireGuard(deps: WireGuardDeps, options: WireGuardOptions = {}): Promise<WireGuard> {
    const host = options.host ?? new WgHost();
    const choice = await chooseMode(deps.config.wgMode, deps.config.interfaceName, host);
    deps.log.info("wireguard: driver chosen", { mode: choice.mode, reason: choice.reason, interface: deps.config.interfaceName });
    const reconciler = new Reconciler(deps, host, choice, options.confTiming);
    let task: cron.ScheduledTask | null = null;
    const debounce = options.debounceMs ?? 5;

    return {
        status: () => reconciler.status(),
        trigger: (reason: string) => reconciler.request({ full: false, withStatus: false, confNow: false }, reason, debounce),
        runNow: () => reconciler.request({ full: true, withStatus: true, confNow: true }, "runNow", 0),
        rememberEndpoints: endpoints => reconciler.seedEndpoints(endpoints),
        start() {
            if (task) return;
            task = cron.schedule(deps.config.reconcileSchedule, () => {
                void reconciler.request({ full: true, withStatus: true, confNow: false }, "schedule", 0);
            });
            void reconciler.request({ full: true, withStatus: true, confNow: true }, "start", 0);
        },
        settled: () => reconciler.settled(),
        async stop() {
            task?.stop();
            task = null;
            await reconciler.stop();
        },
    };
}
