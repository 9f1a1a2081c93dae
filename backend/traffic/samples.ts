// rx/tx rates over the last hour, for the hub and each spoke, from the counters WireGuard
// reports on each scheduled run. Kept in memory (a restart starts a new hour).
import type { PeerStatus } from "../wireguard/types";

export interface TrafficPoint {
    at: string;
    /** bytes per second received by the hub from the peer(s) */
    rx: number;
    tx: number;
}

interface Series {
    at: Float64Array;
    rx: Float32Array;
    tx: Float32Array;
    next: number;
    count: number;
}

const windowMs = 3600_000;

function newSeries(capacity: number): Series {
    return { at: new Float64Array(capacity), rx: new Float32Array(capacity), tx: new Float32Array(capacity), next: 0, count: 0 };
}

function push(s: Series, at: number, rx: number, tx: number): void {
    s.at[s.next] = at;
    s.rx[s.next] = rx;
    s.tx[s.next] = tx;
    s.next = (s.next + 1) % s.at.length;
    s.count = Math.min(s.count + 1, s.at.length);
}

function read(s: Series, sinceMs: number): TrafficPoint[] {
    const out: TrafficPoint[] = [];
    const cap = s.at.length;
    for (let i = 0; i < s.count; i++) {
        const idx = (s.next - s.count + i + cap) % cap;
        if (s.at[idx] >= sinceMs) out.push({ at: new Date(s.at[idx]).toISOString(), rx: s.rx[idx], tx: s.tx[idx] });
    }
    return out;
}

export class TrafficSamples {
    private readonly capacity: number;
    private readonly hub: Series;
    private readonly perPeer = new Map<string, Series>();
    private previous = new Map<string, { rx: number; tx: number }>();
    private previousAt = 0;

    constructor(readonly intervalSeconds: number) {
        this.capacity = Math.max(2, Math.ceil(windowMs / 1000 / Math.max(1, intervalSeconds)) + 1);
        this.hub = newSeries(this.capacity);
    }

    add(peers: PeerStatus[], at: Date): void {
        const now = at.getTime();
        const seconds = (now - this.previousAt) / 1000;
        const counters = new Map<string, { rx: number; tx: number }>();
        let hubRx = 0, hubTx = 0;
        for (const p of peers) {
            counters.set(p.publicKey, { rx: p.rxBytes, tx: p.txBytes });
            const before = this.previous.get(p.publicKey);
            if (!before || seconds <= 0) continue;
            // Counters restart when the interface or peer is re-created: count from zero then.
            const rx = Math.max(0, p.rxBytes >= before.rx ? p.rxBytes - before.rx : p.rxBytes) / seconds;
            const tx = Math.max(0, p.txBytes >= before.tx ? p.txBytes - before.tx : p.txBytes) / seconds;
            hubRx += rx;
            hubTx += tx;
            let series = this.perPeer.get(p.publicKey);
            if (!series) this.perPeer.set(p.publicKey, series = newSeries(this.capacity));
            push(series, now, rx, tx);
        }
        if (this.previousAt && seconds > 0) push(this.hub, now, hubRx, hubTx);
        for (const key of this.perPeer.keys()) if (!counters.has(key)) this.perPeer.delete(key);
        this.previous = counters;
        this.previousAt = now;
    }

    points(publicKey: string | null, minutes: number, now: Date): TrafficPoint[] {
        const since = now.getTime() - minutes * 60_000;
        const series = publicKey ? this.perPeer.get(publicKey) : this.hub;
        return series ? read(series, since) : [];
    }
}
