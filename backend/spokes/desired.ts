// The peers wg0 should hold, kept in memory between full reloads: the reconciler asks after
// every registration, and re-reading 10,000 rows each time would cost more than the change.
// Every change goes through set()/remove() after its transaction commits; a full reload from
// the database, at most `maxAgeMs` old, keeps the copy honest.
import type { Transaction } from "sequelize";
import type { Database } from "../db/connect";
import { allowedIPsOf } from "../tokens/tokens";
import type { DesiredPeer } from "../wireguard/types";

type Change = [spokeId: string, peer: DesiredPeer | null];

export function desiredPeerOf(row: { publicKey: string; address: string; addressV6: string | null; subnets: string }): DesiredPeer {
    return { publicKey: row.publicKey, allowedIPs: allowedIPsOf(row.address, row.addressV6, JSON.parse(row.subnets) as string[]) };
}

export class DesiredPeers {
    private peers: Map<string, DesiredPeer> | null = null;
    private loadedAt = 0;
    /** Changes committed while a reload was reading: applied on top of what it read. */
    private duringLoad: Change[] | null = null;

    constructor(private readonly db: Database, private readonly maxAgeMs = 30_000) {}

    /** Records a spoke's peer (or its absence) once `t` commits. */
    onCommit(t: Transaction, spokeId: string, peer: DesiredPeer | null): void {
        t.afterCommit(() => this.apply([spokeId, peer]));
    }

    invalidate(): void {
        this.peers = null;
    }

    private apply(change: Change): void {
        this.duringLoad?.push(change);
        if (!this.peers) return;
        const [id, peer] = change;
        if (peer) this.peers.set(id, peer);
        else this.peers.delete(id);
    }

    async list(now = Date.now()): Promise<DesiredPeer[]> {
        if (!this.peers || now - this.loadedAt > this.maxAgeMs) await this.reload(now);
        return [...this.peers!.values()];
    }

    private async reload(now: number): Promise<void> {
        this.duringLoad = [];
        try {
            const rows = await this.db.models.Spoke.findAll({
                where: { enabled: true }, attributes: ["id", "publicKey", "address", "addressV6", "subnets"], raw: true,
            });
            const fresh = new Map(rows.map(r => [r.id, desiredPeerOf(r)]));
            for (const [id, peer] of this.duringLoad) {
                if (peer) fresh.set(id, peer);
                else fresh.delete(id);
            }
            this.peers = fresh;
            this.loadedAt = now;
        } finally {
            this.duringLoad = null;
        }
    }
}
