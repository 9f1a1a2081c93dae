// The contract between the hub's domain and backend/wireguard/. The domain says what wg0
// should be (DesiredState); backend/wireguard/ makes it so and reports what it sees.
import type { Config } from "../config";
import type { Logger } from "../log";

export interface HubInterfaceSpec {
    name: string;
    /** 0600 file holding the hub's base64 private key. */
    privateKeyFile: string;
    listenPort: number;
    /** The hub's own tunnel addresses with prefix, e.g. ["10.0.1.1/24", "fd00::1/64"]. */
    addresses: string[];
}

export interface DesiredPeer {
    publicKey: string;
    /** The spoke's own /32 (and /128) plus its routed subnets; never the whole network. */
    allowedIPs: string[];
    /** Another hub's peer: where to reach it (host:port, a name allowed) and its keepalive. */
    endpoint?: string;
    keepalive?: number;
}

export interface DesiredState {
    iface: HubInterfaceSpec;
    peers: DesiredPeer[];
    /** The other hubs (also in `peers`), each with the spokes it holds: given their endpoints. */
    hubPeers?: readonly DesiredPeer[];
    /** Networks routed behind spokes: the hub's kernel sends them into the interface. */
    routes: string[];
}

/** One peer as `wg show <if> dump` reports it. */
export interface PeerStatus {
    publicKey: string;
    endpoint: string | null;
    /** Unix seconds; 0 = never. */
    latestHandshake: number;
    rxBytes: number;
    txBytes: number;
}

export type ActiveMode = "kernel" | "userspace" | "off";

export interface ReconcileReport {
    at: string;
    durationMs: number;
    /** Peers added, changed or removed on the interface. */
    changes: number;
    /** Peers found different from what this service last applied (someone edited wg0 by hand). */
    drift: { publicKey: string; kind: "missing" | "rogue" | "changed" }[];
    error: string | null;
    /** Calls that changed WireGuard or the interface during this run (0 when nothing changed). */
    writes: number;
    /** "full": read `wg show dump` (schedule, start, runNow); "fast": applied the delta from memory (trigger). */
    kind: "full" | "fast";
    /** What asked for this run (trigger reasons joined, or "schedule"). */
    reason: string;
    /** Milliseconds from the start of the run until its changes were on the interface (before the conf file and status). */
    appliedMs: number | null;
}

export interface WireGuardStatus {
    mode: ActiveMode;
    /** Why auto picked this mode (e.g. "no kernel module; wireguard-go found"). */
    modeReason: string;
    interfaceName: string;
    interfaceUp: boolean;
    listenPort: number | null;
    lastReconcile: ReconcileReport | null;
    /** The last failed apply (kept until a run succeeds). */
    lastError: string | null;
    /** The last run that found drift (kept, so a report outlives the next quiet run). */
    lastDrift: { at: string; drift: ReconcileReport["drift"] } | null;
    /** Runs since start, and calls that changed WireGuard or the interface since start. */
    runs: number;
    writes: number;
    /** Peers on the interface after the last successful run. */
    peers: number;
}

export interface WireGuardDeps {
    config: Config;
    log: Logger;
    /**
     * null while the hub is not initialised: nothing to bring up. `{ peers: false }`: the
     * interface only, with no peers, hub peers or routes (listing 100,000 peers is not free).
     */
    loadDesired(options?: { peers: boolean }): Promise<DesiredState | null>;
    /** Called with the dump of every scheduled run, to store live status. */
    saveStatus(peers: PeerStatus[], at: Date): Promise<void>;
}

export interface WireGuard {
    readonly status: () => WireGuardStatus;
    /**
     * Ask for a reconcile soon (debounced; one follow-up when a run is in progress). The
     * promise, which callers may ignore, resolves once the change is on the interface; it
     * never rejects (a failure is in report.error, the status and the log).
     */
    trigger(reason: string): Promise<ReconcileReport>;
    /** Reconcile now and wait for it (also refreshes status). Never rejects, like trigger(). */
    runNow(): Promise<ReconcileReport>;
    /**
     * Where spokes were last seen (the database's record, at start or after a restore): a peer
     * put on the interface then gets its endpoint, so the hub starts the handshake instead of
     * waiting for the spoke to notice its session is gone (up to 15 s, or 2 min when idle).
     */
    rememberEndpoints(endpoints: ReadonlyMap<string, string>): void;
    /** Start the node-cron schedule and ask for a first full run at once. */
    start(): void;
    /** Resolves when no run is queued or running (e.g. after trigger(), in tests and benchmarks). */
    settled(): Promise<void>;
    stop(): Promise<void>;
}
