// rx/tx rates over the last hour, for the hub and each spoke, from the counters WireGuard
// reports on each scheduled run. Kept in memory (a restart starts a new hour).
//
// The hub's series has a point per run. Spokes get at most `perSpokePoints` points an hour
// (one per 10 s), all on one shared clock: at the default 30 s schedule 10,000 spokes that
// pass traffic cost about 10 MB, and never more than about 30 MB whatever the schedule. A
// spoke that has passed none (offline, or never connected) costs no series, only the time
// since which it has been idle.
import type { PeerStatus } from "../wireguard/types";

export interface TrafficPoint {
    at: string;
    /** bytes per second received by the hub from the peer(s) */
    rx: number;
    tx: number;
}

const windowMs = 3600_000;
export const perSpokePoints = 360;

interface Counters {
    rx: number;
    tx: number;
}

/** Bytes per second between two readings; counters restart when a peer is re-created. */
function rate(now: number, before: number, seconds: number): number {
    return (now >= before ? now - before : now) / seconds;
}

/** A ring of timestamps with any number of value columns on the same slots. */
class Ring {
    readonly at: Float64Array;
    next = 0;
    count = 0;

    constructor(readonly capacity: number) {
        this.at = new Float64Array(capacity);
    }

    /** Claims the next slot and returns its index. */
    advance(at: number): number {
        const slot = this.next;
        this.at[slot] = at;
        this.next = (this.next + 1) % this.capacity;
        this.count = Math.min(this.count + 1, this.capacity);
        return slot;
    }

    read(sinceMs: number, rx: Float32Array, tx: Float32Array): TrafficPoint[] {
        const out: TrafficPoint[] = [];
        for (let i = 0; i < this.count; i++) {
            const slot = (this.next - this.count + i + this.capacity) % this.capacity;
            if (this.at[slot] >= sinceMs && !Number.isNaN(rx[slot]))
                out.push({ at: new Date(this.at[slot]).toISOString(), rx: rx[slot], tx: tx[slot] });
        }
        return out;
    }
}

export class TrafficSamples {
    private readonly hubRing: Ring;
    private readonly hubRx: Float32Array;
    private readonly hubTx: Float32Array;
    private readonly spokeRing: Ring;
    /** Runs between two spoke samples, so that an hour holds `perSpokePoints` of them. */
    private readonly spokeEvery: number;
    private readonly spokeSeries = new Map<string, { rx: Float32Array; tx: Float32Array }>();
    /** Spokes without a series: since when every sample of theirs has been 0. */
    private readonly idleSince = new Map<string, number>();
    private zeros: Float32Array | null = null;
    private previous = new Map<string, Counters>();
    private previousAt = 0;
    private spokePrevious = new Map<string, Counters>();
    private spokePreviousAt = 0;
    private runs = 0;

    constructor(readonly intervalSeconds: number) {
        const perHour = Math.max(2, Math.ceil(windowMs / 1000 / Math.max(1, intervalSeconds)) + 1);
        this.hubRing = new Ring(perHour);
        this.hubRx = new Float32Array(perHour);
        this.hubTx = new Float32Array(perHour);
        this.spokeEvery = Math.max(1, Math.round(perHour / perSpokePoints));
        this.spokeRing = new Ring(Math.ceil(perHour / this.spokeEvery) + 1);
    }

    add(peers: PeerStatus[], at: Date): void {
        const now = at.getTime();
        const counters = new Map<string, Counters>();
        for (const p of peers) counters.set(p.publicKey, { rx: p.rxBytes, tx: p.txBytes });

        const seconds = (now - this.previousAt) / 1000;
        if (this.previousAt && seconds > 0) {
            let rx = 0, tx = 0;
            for (const [key, c] of counters) {
                const before = this.previous.get(key);
                if (!before) continue;
                rx += rate(c.rx, before.rx, seconds);
                tx += rate(c.tx, before.tx, seconds);
            }
            const slot = this.hubRing.advance(now);
            this.hubRx[slot] = rx;
            this.hubTx[slot] = tx;
        }
        this.previous = counters;
        this.previousAt = now;

        if (this.runs++ % this.spokeEvery === 0) this.sampleSpokes(counters, now);
    }

    private sampleSpokes(counters: Map<string, Counters>, now: number): void {
        const seconds = (now - this.spokePreviousAt) / 1000;
        if (this.spokePreviousAt && seconds > 0) {
            const slot = this.spokeRing.advance(now);
            const cap = this.spokeRing.capacity;
            for (const [key, c] of counters) {
                const before = this.spokePrevious.get(key);
                const rx = before ? rate(c.rx, before.rx, seconds) : NaN;
                const tx = before ? rate(c.tx, before.tx, seconds) : NaN;
                let series = this.spokeSeries.get(key);
                if (!series) {
                    if (rx === 0 && tx === 0) {
                        if (!this.idleSince.has(key)) this.idleSince.set(key, now);
                        continue;
                    }
                    if (Number.isNaN(rx)) continue;
                    series = { rx: new Float32Array(cap).fill(NaN), tx: new Float32Array(cap).fill(NaN) };
                    const idleSince = this.idleSince.get(key);
                    if (idleSince !== undefined) {
                        for (let i = 0; i < cap; i++) {
                            if (this.spokeRing.at[i] >= idleSince) series.rx[i] = series.tx[i] = 0;
                        }
                        this.idleSince.delete(key);
                    }
                    this.spokeSeries.set(key, series);
                }
                series.rx[slot] = rx;
                series.tx[slot] = tx;
            }
            for (const key of this.spokeSeries.keys()) if (!counters.has(key)) this.spokeSeries.delete(key);
            for (const key of this.idleSince.keys()) if (!counters.has(key)) this.idleSince.delete(key);
        }
        this.spokePrevious = counters;
        this.spokePreviousAt = now;
    }

    /** How many spokes hold a series of their own (the others have passed no traffic). */
    get spokesWithSeries(): number {
        return this.spokeSeries.size;
    }

    points(publicKey: string | null, minutes: number, now: Date): TrafficPoint[] {
        const since = now.getTime() - minutes * 60_000;
        if (!publicKey) return this.hubRing.read(since, this.hubRx, this.hubTx);
        const series = this.spokeSeries.get(publicKey);
        if (series) return this.spokeRing.read(since, series.rx, series.tx);
        const idleSince = this.idleSince.get(publicKey);
        if (idleSince === undefined) return [];
        this.zeros ??= new Float32Array(this.spokeRing.capacity);
        return this.spokeRing.read(Math.max(since, idleSince), this.zeros, this.zeros);
    }
}
