// Keeps the interface equal to the desired state. Two kinds of run:
// - fast (after trigger()): the delta between desired and what this service last applied,
//   without reading the interface; this is what makes a registration live in milliseconds
//   at 10,000 peers, where `wg show dump` alone costs ~100 ms.
// - full (schedule, start, runNow, after an error): reads `wg show dump` once, reports and
//   corrects drift, refreshes live status.
// Either applies its delta in one batched `wg set` (split only past the argv limit), and
// issues no write at all when nothing differs. One run at a time; requests arriving during
// a run are merged into exactly one follow-up.
import fs from "node:fs";
import path from "node:path";
import { ConfFile, ConfRenderer, type RenderedConf } from "./confFile";
import { parseDump, type Dump } from "./dump";
import type { WgHost } from "./host";
import { createInterface, enableForwarding, ensureAddressesAndUp, readInterfaceState, type InterfaceState } from "./interface";
import { publicKeyOf } from "./keys";
import {
    addconfText, deltaSize, desiredTableInTurns, diffPeers, findDrift, peerTable, tunnelAddressOf, validPeersInTurns, wgSetBatches, withHubEndpoints, withLastEndpoints,
    type PeerTable,
} from "./plan";
import type { ActiveMode, DesiredPeer, DesiredState, PeerStatus, ReconcileReport, WireGuardDeps, WireGuardStatus } from "./types";
import type { ModeChoice } from "./mode";

/**
 * When a fast run's conf file is written: once no change came for `quietMs`, so that a
 * burst of registrations is written once, after it. At 100,000 peers a render takes about
 * 250 ms of the event loop in slices, which made every registration it overlapped 3 to 4
 * times slower (the burst's p99 went from 70 ms to 150-270 ms). A steady stream of changes
 * still gets the file written, `longestWaitMs` (or 50 times the last write) after the
 * first change it lacks: at most 2% of the CPU.
 */
export interface ConfTiming {
    quietMs: number;
    longestWaitMs: number;
}

const defaultConfTiming: ConfTiming = { quietMs: 1000, longestWaitMs: 15_000 };
const confLongestWaitFactor = 50;

/** What a conf file is rendered from; the peers are the desired list's own objects. */
interface ConfInputs {
    ifaceKey: string;
    privateKey: string;
    peers: readonly DesiredPeer[];
}

/** What a run is asked to do. */
export interface RunKind {
    /** Read the interface (`wg show dump`) instead of applying the delta from memory. */
    full: boolean;
    /** Store the live status the dump shows. */
    withStatus: boolean;
    /**
     * Write the conf file before the run ends (start, runNow). Other runs, the scheduled ones
     * included, leave it to the quiet moment after the changes (see `ConfTiming`).
     */
    confNow: boolean;
}

interface Request extends RunKind {
    reasons: Set<string>;
    waiters: { resolve(r: ReconcileReport): void }[];
}

export class Reconciler {
    private applied: PeerTable | null = null;
    /** Where each desired peer was last seen on the interface (from the dumps read). */
    private readonly lastEndpoints = new Map<string, string>();
    private forceFull = true;
    private appliedIface: string | null = null;
    private queued: Request | null = null;
    private timer: NodeJS.Timeout | null = null;
    private running: Promise<void> | null = null;
    private idleWaiters: (() => void)[] = [];
    private stopped = false;
    private readonly conf: ConfFile;
    private readonly confRenderer = new ConfRenderer();
    private confPending: (() => Promise<unknown>) | null = null;
    private confTimer: NodeJS.Timeout | null = null;
    /** The latest moment (performance.now()) the pending conf file write may wait for. */
    private confDueBy = 0;
    private confWriting: Promise<void> | null = null;
    /** How long rendering and writing the conf file last took (ms). */
    private lastConfWriteMs = 0;
    private readonly state: WireGuardStatus;

    constructor(
        private readonly deps: WireGuardDeps,
        private readonly host: WgHost,
        private readonly mode: ModeChoice,
        private readonly confTiming: ConfTiming = defaultConfTiming,
    ) {
        const name = deps.config.interfaceName;
        this.conf = new ConfFile(path.join(deps.config.wgConfDir, `${name}.conf`));
        this.state = {
            mode: mode.mode,
            modeReason: mode.reason,
            interfaceName: name,
            interfaceUp: false,
            listenPort: null,
            lastReconcile: null,
            lastError: null,
            lastDrift: null,
            runs: 0,
            writes: 0,
            peers: 0,
        };
    }

    status(): WireGuardStatus {
        return { ...this.state, writes: this.host.writes };
    }

    /**
     * Resolves (never rejects; a failure is in report.error) once the change is on the
     * interface: for a fast run that is right after `wg set`, before the conf file is written.
     */
    request(kind: RunKind, reason: string, delayMs: number): Promise<ReconcileReport> {
        if (this.stopped) return Promise.resolve(this.emptyReport(reason, "the WireGuard reconciler is stopped"));
        const req = (this.queued ??= { full: false, withStatus: false, confNow: false, reasons: new Set(), waiters: [] });
        req.full ||= kind.full;
        req.withStatus ||= kind.withStatus;
        req.confNow ||= kind.confNow;
        req.reasons.add(reason);
        const done = new Promise<ReconcileReport>(resolve => req.waiters.push({ resolve }));
        if (!this.running) this.arm(delayMs);
        return done;
    }

    /** Resolves when no run is queued or running and the conf file holds the last apply. */
    async settled(): Promise<void> {
        if (this.running || this.queued) await new Promise<void>(resolve => this.idleWaiters.push(resolve));
        await this.flushConf();
    }

    /**
     * The conf file only matters at the next boot: a burst of registrations is rendered once,
     * after it (see `ConfTiming`), not after each of them. Runs asked for it (`confNow`) write
     * at once. Only a change (a fast run) pushes a pending write back: scheduled runs, which
     * may come every second, would otherwise keep it waiting for the longest wait. `render`
     * answers null when there is nothing to write (no hub yet, or nothing changed).
     */
    private writeConf(render: () => Promise<{ conf: RenderedConf; inputs: ConfInputs } | null>, kind: RunKind): Promise<void> {
        this.confPending = async () => {
            const rendered = await render();
            if (rendered === null) return;
            await this.conf.write(rendered.conf);
            // Unless a newer change is already waiting to be written.
            if (this.confPending === null) this.confInputs = rendered.inputs;
        };
        if (kind.confNow) return this.flushConf();
        const at = performance.now();
        if (this.confTimer) {
            if (kind.full) return Promise.resolve();
            clearTimeout(this.confTimer);
        } else this.confDueBy = at + Math.max(this.confTiming.longestWaitMs, confLongestWaitFactor * this.lastConfWriteMs);
        this.confTimer = setTimeout(() => {
            this.flushConf().catch(err =>
                this.deps.log.error("wireguard: could not write the conf file", { error: err instanceof Error ? err.message : String(err) }));
        }, Math.min(this.confTiming.quietMs, Math.max(0, this.confDueBy - at)));
        return Promise.resolve();
    }

    private async flushConf(): Promise<void> {
        if (this.confTimer) clearTimeout(this.confTimer);
        this.confTimer = null;
        const write = this.confPending;
        this.confPending = null;
        const previous = this.confWriting;
        if (!write) {
            await previous;
            return;
        }
        const current = (async () => {
            await previous?.catch(() => undefined);
            const started = performance.now();
            await write();
            this.lastConfWriteMs = performance.now() - started;
        })();
        this.confWriting = current;
        try {
            await current;
        } finally {
            if (this.confWriting === current) this.confWriting = null;
        }
    }

    async stop(): Promise<void> {
        this.stopped = true;
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        const queued = this.queued;
        this.queued = null;
        queued?.waiters.forEach(w => w.resolve(this.emptyReport([...queued.reasons].join(","), "the WireGuard reconciler stopped")));
        await this.running;
        await this.flushConf().catch(() => undefined);
    }

    private arm(delayMs: number): void {
        if (delayMs <= 0) {
            if (this.timer) clearTimeout(this.timer);
            this.timer = null;
            queueMicrotask(() => this.startQueued());
        } else if (!this.timer) {
            this.timer = setTimeout(() => this.startQueued(), delayMs);
        }
    }

    private startQueued(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        if (this.running || !this.queued) return;
        const req = this.queued;
        this.queued = null;
        this.running = this.execute(req).finally(() => {
            this.running = null;
            if (this.queued && !this.stopped) this.arm(0);
            else {
                const waiters = this.idleWaiters;
                this.idleWaiters = [];
                waiters.forEach(w => w());
            }
        });
    }

    private emptyReport(reason: string, error: string | null): ReconcileReport {
        return { at: new Date().toISOString(), durationMs: 0, changes: 0, drift: [], error, writes: 0, kind: "fast", reason, appliedMs: null };
    }

    private async execute(req: Request): Promise<void> {
        let released = false;
        const release = (report: ReconcileReport) => {
            if (released) return;
            released = true;
            req.waiters.forEach(w => w.resolve(report));
        };
        release(await this.reconcile(req, [...req.reasons].join(","), release));
    }

    private async reconcile(kind: RunKind, reason: string, release: (r: ReconcileReport) => void): Promise<ReconcileReport> {
        const started = performance.now();
        const writesBefore = this.host.writes;
        const report = this.emptyReport(reason, null);
        const snapshot = (): ReconcileReport => ({
            ...report,
            durationMs: Math.round((performance.now() - started) * 100) / 100,
            writes: this.host.writes - writesBefore,
        });
        try {
            if (this.mode.mode === "off") await this.writeConfOnly(kind, report);
            else {
                const desired = await this.deps.loadDesired();
                const onApplied = () => {
                    report.appliedMs = Math.round((performance.now() - started) * 100) / 100;
                    if (report.kind === "fast") release(snapshot());
                };
                if (desired) await this.apply(desired, kind, report, onApplied);
            }
            this.state.lastError = null;
        } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            report.error = message;
            this.state.lastError = message;
            // The next run reads the interface. What was applied before stays the reference
            // for drift, unless this run had started writing (then it is unknown).
            this.forceFull = true;
            if (this.host.writes !== writesBefore) this.applied = null;
            this.deps.log.error("wireguard: reconcile failed; retrying on the next run", { error: message });
        }
        Object.assign(report, snapshot());
        this.state.lastReconcile = report;
        this.state.runs++;
        if (report.changes || report.error || report.drift.length)
            this.deps.log.info("wireguard: reconciled", {
                kind: report.kind, reason, changes: report.changes, drift: report.drift.length, ms: report.durationMs, writes: report.writes,
            });
        return report;
    }

    /** The endpoint and keepalive last given to each other hub's peer. */
    private hubEndpoints = new Map<string, string>();

    /** Endpoints known from elsewhere (the database), for peers this process has not seen yet. */
    seedEndpoints(endpoints: ReadonlyMap<string, string>): void {
        for (const [key, endpoint] of endpoints) if (!this.lastEndpoints.has(key)) this.lastEndpoints.set(key, endpoint);
    }

    /** Keeps the last endpoint of each desired peer; forgets peers that are no longer wanted. */
    private rememberEndpoints(peers: readonly PeerStatus[], wanted: PeerTable): void {
        // Every scheduled run at 10,000 peers passes here: checked when used, not when stored.
        for (const p of peers) if (p.endpoint && wanted.has(p.publicKey)) this.lastEndpoints.set(p.publicKey, p.endpoint);
        if (this.lastEndpoints.size > wanted.size)
            for (const key of this.lastEndpoints.keys()) if (!wanted.has(key)) this.lastEndpoints.delete(key);
    }

    /**
     * No interface: the conf file is the whole output. Reading the desired peers waits for the
     * (once per burst) write: at 100,000 spokes listing them after each registration made a
     * megabyte of garbage each time, which the garbage collector then paid for. A scheduled
     * run (every 30 s) that finds the very peers last written renders nothing.
     */
    private async writeConfOnly(kind: RunKind, report: ReconcileReport): Promise<void> {
        report.kind = "full";
        // The interface and its key, checked now: a run reports what keeps the file from being written.
        const hub = await this.deps.loadDesired({ peers: false });
        if (!hub) return;
        fs.readFileSync(hub.iface.privateKeyFile, "utf8");
        await this.writeConf(async () => {
            const desired = await this.deps.loadDesired();
            if (!desired) return null;
            const { iface } = desired;
            const privateKey = fs.readFileSync(iface.privateKeyFile, "utf8").trim();
            const inputs = { ifaceKey: JSON.stringify(iface), privateKey, peers: desired.peers };
            if (this.sameConfInputs(inputs)) return null;
            this.confInputs = null;
            const { valid: peers, invalid } = await validPeersInTurns(desired.peers);
            this.logInvalid(invalid);
            this.state.peers = peers.length;
            return { conf: await this.confRenderer.render({ iface, peers }, privateKey), inputs };
        }, kind);
    }

    private async apply(desired: DesiredState, kind: RunKind, report: ReconcileReport, applied: () => void): Promise<void> {
        const { full, withStatus } = kind;
        const { iface } = desired;
        const mode = this.mode.mode;
        if (mode === "off") return;
        const privateKey = fs.readFileSync(iface.privateKeyFile, "utf8").trim();
        const { table: wanted, peers } = await this.checkedPeers(desired);
        const ifaceKey = JSON.stringify(iface);
        let base = this.applied;
        let dump: Dump | null = null;
        let stateRead: Promise<InterfaceState | null> | null = null;
        const interfaceArgs: string[] = [];
        if (full || this.forceFull || base === null || this.appliedIface !== ifaceKey) {
            report.kind = "full";
            // Read alongside the dump when the interface is known to exist: two fewer
            // sequential process runs in every scheduled run.
            stateRead = this.appliedIface !== null ? readInterfaceState(this.host, iface.name).catch(() => null) : null;
            dump = await this.readOrCreate(mode, desired);
            const actual = peerTable(dump.peers);
            if (this.applied) {
                report.drift = findDrift(this.applied, actual);
                if (report.drift.length) {
                    // Shown at once, not when the run ends: the correction below is visible first.
                    this.state.lastDrift = { at: report.at, drift: report.drift };
                    this.logDrift(report.drift);
                }
            }
            this.rememberEndpoints(dump.peers, wanted);
            if (dump.iface.publicKey !== publicKeyOf(privateKey)) interfaceArgs.push("private-key", iface.privateKeyFile);
            if (dump.iface.listenPort !== iface.listenPort) interfaceArgs.push("listen-port", String(iface.listenPort));
            base = actual;
        }

        const delta = withHubEndpoints(withLastEndpoints(diffPeers(wanted, base!), this.lastEndpoints), desired.hubPeers ?? [],
            dump && desired.hubPeers?.length ? new Map(dump.peers.map(p => [p.publicKey, p.endpoint])) : null, this.hubEndpoints);
        report.changes = deltaSize(delta);
        // Interface settings alone first: a port already taken then fails with its own
        // message, instead of wireguard-go hanging up in the middle of 10,000 peers.
        if (interfaceArgs.length) await this.host.wgSet(["set", iface.name, ...interfaceArgs]);
        for (const args of wgSetBatches(iface.name, delta)) await this.host.wgSet(args);
        const large = addconfText(delta);
        if (large) await this.host.wgAddconf(iface.name, large);
        if (dump) {
            const state = (await stateRead) ?? (await readInterfaceState(this.host, iface.name));
            this.state.interfaceUp = await ensureAddressesAndUp(this.host, iface, state);
            enableForwarding(this.host, iface);
        }
        // Peers put back where they were last seen: the hub starts their handshake now (once
        // the interface is up and addressed, so that the datagrams are routed into it).
        const reachable = delta.add.filter(p => p.endpoint).map(p => tunnelAddressOf(p.allowedIPs)).filter(a => a !== null);
        if (reachable.length)
            await this.host.nudge(reachable).catch(err =>
                this.deps.log.warn("wireguard: could not start the handshake of peers put back", { error: err instanceof Error ? err.message : String(err) }));
        await this.syncRoutes(iface.name, desired.routes, Boolean(dump));
        this.applied = wanted;
        this.appliedIface = ifaceKey;
        this.forceFull = false;
        this.state.listenPort = iface.listenPort;
        this.state.peers = wanted.size;
        applied();
        // After the apply, so writing the file never delays a peer going live. A scheduled run
        // that finds the very peers it last wrote skips rendering 10,000 of them again.
        const inputs = { ifaceKey, privateKey, peers };
        if (!dump || !this.sameConfInputs(inputs)) {
            this.confInputs = null;
            await this.writeConf(async () => ({ conf: await this.confRenderer.render({ iface, peers }, privateKey), inputs }), kind);
        }

        if (withStatus && dump) {
            try {
                await this.deps.saveStatus(dump.peers, new Date());
            } catch (err) {
                this.deps.log.warn("wireguard: could not store live peer status", { error: err instanceof Error ? err.message : String(err) });
            }
        }
    }

    /** The routed subnets last put on the interface; full runs read them back from the kernel. */
    private appliedRoutes: Set<string> | null = null;

    private async syncRoutes(iface: string, wanted: readonly string[], full: boolean): Promise<void> {
        // Read back once after start, then in full runs only while there are routes to keep:
        // a hub without routed subnets spends no process on them in its scheduled runs.
        const read = this.appliedRoutes === null || (full && (wanted.length > 0 || this.appliedRoutes.size > 0));
        const have = read ? new Set(await this.host.routes(iface)) : this.appliedRoutes!;
        for (const cidr of wanted) if (!have.has(cidr)) await this.host.addRoute(iface, cidr);
        for (const cidr of have) if (!wanted.includes(cidr)) await this.host.removeRoute(iface, cidr);
        this.appliedRoutes = new Set(wanted);
    }

    /** What the conf file was last written from (null: unknown, or a newer change is on its way). */
    private confInputs: ConfInputs | null = null;

    private sameConfInputs(next: ConfInputs): boolean {
        const last = this.confInputs;
        return last !== null && last.ifaceKey === next.ifaceKey && last.privateKey === next.privateKey &&
            last.peers.length === next.peers.length && last.peers.every((p, i) => p === next.peers[i]);
    }

    /** The desired peers that can go on an interface; the others are logged and left out. */
    private async checkedPeers(desired: DesiredState): Promise<{ table: PeerTable; peers: DesiredPeer[] }> {
        const { table, invalid } = await desiredTableInTurns(desired.peers);
        this.logInvalid(invalid);
        return { table, peers: invalid.length ? desired.peers.filter(p => table.has(p.publicKey)) : desired.peers };
    }

    private logInvalid(publicKeys: readonly string[]): void {
        for (const publicKey of publicKeys.slice(0, 5))
            this.deps.log.warn("wireguard: skipping a peer with an invalid public key or allowed IP", { publicKey });
    }

    private async readOrCreate(mode: Exclude<ActiveMode, "off">, desired: DesiredState): Promise<Dump> {
        const name = desired.iface.name;
        let text = await this.host.dump(name);
        if (text === null) {
            this.deps.log.info("wireguard: creating the interface", { interface: name, mode });
            enableForwarding(this.host, desired.iface);
            await createInterface(this.host, mode, name);
            text = await this.host.dump(name);
            if (text === null) throw new Error(`${name} does not exist after creating it`);
        }
        return parseDump(text);
    }

    private logDrift(drift: ReconcileReport["drift"]): void {
        for (const d of drift.slice(0, 20))
            this.deps.log.warn("wireguard: drift, correcting a peer changed outside the hub", { peer: d.publicKey, kind: d.kind });
        if (drift.length > 20) this.deps.log.warn("wireguard: more drift not listed", { count: drift.length - 20 });
    }
}
