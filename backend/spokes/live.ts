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

interface Entry extends LivePeer {
    /** The update that last saw the peer. */
    seen: number;
}

export class LiveStatus {
    private readonly byKey = new Map<string, Entry>();
    private updates = 0;
    lastUpdate: Date | null = null;

    get(publicKey: string): LivePeer | undefined {
        return this.byKey.get(publicKey);
    }

    /** Replaces the whole picture; returns the peers whose handshake moved (for persistence). */
    update(peers: PeerStatus[], at: Date): PeerStatus[] {
        const moved: PeerStatus[] = [];
        // Entries are updated in place: every scheduled run passes here with 10,000 peers.
        const update = ++this.updates;
        for (const p of peers) {
            const latestHandshakeMs = p.latestHandshake * 1000;
            const entry = this.byKey.get(p.publicKey);
            if (p.latestHandshake && (!entry || entry.latestHandshakeMs !== latestHandshakeMs)) moved.push(p);
            if (!entry) this.byKey.set(p.publicKey, { endpoint: p.endpoint, latestHandshakeMs, rxBytes: p.rxBytes, txBytes: p.txBytes, seen: update });
            else {
                entry.endpoint = p.endpoint;
                entry.latestHandshakeMs = latestHandshakeMs;
                entry.rxBytes = p.rxBytes;
                entry.txBytes = p.txBytes;
                entry.seen = update;
            }
        }
        if (this.byKey.size > peers.length)
            for (const [key, entry] of this.byKey) if (entry.seen !== update) this.byKey.delete(key);
        this.lastUpdate = at;
        return moved;
    }

    /** Every peer WireGuard last reported, by public key. */
    peers(): IterableIterator<[publicKey: string, peer: LivePeer]> {
        return this.byKey.entries();
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
