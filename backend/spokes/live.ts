// What WireGuard last reported for each peer, kept in memory: rx/tx and endpoints change on
// every run and are not worth a database write. The latest handshake is written through when
// it moves by more than `persistEveryMs`, so a restart still knows which spokes were seen.
import type { PeerStatus } from "../wireguard/types";

export const onlineWindowMs = 180_000;

export interface LivePeer {
    endpoint: string | null;
    latestHandshakeMs: number;
    rxBytes: number;
    txBytes: number;
}

export class LiveStatus {
    private readonly byKey = new Map<string, LivePeer>();
    lastUpdate: Date | null = null;

    get(publicKey: string): LivePeer | undefined {
        return this.byKey.get(publicKey);
    }

    /** Replaces the whole picture; returns the peers whose handshake moved (for persistence). */
    update(peers: PeerStatus[], at: Date): PeerStatus[] {
        const moved: PeerStatus[] = [];
        const seen = new Set<string>();
        for (const p of peers) {
            seen.add(p.publicKey);
            const before = this.byKey.get(p.publicKey);
            const latestHandshakeMs = p.latestHandshake * 1000;
            if (p.latestHandshake && (!before || before.latestHandshakeMs !== latestHandshakeMs)) moved.push(p);
            this.byKey.set(p.publicKey, { endpoint: p.endpoint, latestHandshakeMs, rxBytes: p.rxBytes, txBytes: p.txBytes });
        }
        for (const key of this.byKey.keys()) if (!seen.has(key)) this.byKey.delete(key);
        this.lastUpdate = at;
        return moved;
    }

    forget(publicKey: string): void {
        this.byKey.delete(publicKey);
    }
}

export type SpokeState = "pending" | "online" | "offline" | "disabled";

export function stateOf(enabled: boolean, lastHandshakeMs: number | null, now: number): SpokeState {
    if (!enabled) return "disabled";
    if (!lastHandshakeMs) return "pending";
    return now - lastHandshakeMs <= onlineWindowMs ? "online" : "offline";
}
