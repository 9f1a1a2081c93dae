// The hub's dependencies, passed to every domain function: a test builds the real thing
// on a temp dir instead of mocking modules.
import type { Config } from "./config";
import type { Database } from "./db/connect";
import type { Logger } from "./log";
import type { AddressBook } from "./ipam/addresses";
import type { LiveStatus } from "./spokes/live";
import type { DesiredPeers } from "./spokes/desired";
import type { TrafficSamples } from "./traffic/samples";
import type { WireGuard } from "./wireguard/types";
import type { TlsMaterial } from "./hub/tls";
import type { HubMesh } from "./hubs/mesh";

export interface HubContext {
    config: Config;
    db: Database;
    log: Logger;
    now(): Date;
    addresses: AddressBook;
    live: LiveStatus;
    desired: DesiredPeers;
    traffic: TrafficSamples;
    /** Set once WireGuard is up; domain code calls peersChanged() instead of touching it. */
    wireguard: WireGuard | null;
    /** The hubs sharing this PostgreSQL database (null on SQLite: one hub). */
    mesh: HubMesh | null;
    /** The public listener's certificate (null when WGHUB_TLS=off). */
    tls: TlsMaterial | null;
    /** Re-issue the certificate for new endpoint names (after initialise or a config change). */
    refreshTls(): Promise<void>;
}

/** Who did something, for the audit log. */
export interface Actor {
    name: string;
    source: string | null;
}

export function peersChanged(ctx: HubContext, reason: string): void {
    ctx.wireguard?.trigger(reason);
}
