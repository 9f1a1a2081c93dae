// The peers wg0 should hold, kept in memory between full reloads: the reconciler asks after
// every registration, and re-reading 10,000 rows each time would cost more than the change.
// Every change reaches it through onCommit() once its transaction commits; a full reload
// from the database every `maxAgeMs` is only a safety net.
import type { Transaction } from "sequelize";
import { afterCommit, type Database } from "../db/connect";
import { allowedIPsOf } from "../tokens/tokens";
import type { DesiredPeer } from "../wireguard/types";
import type { HubMesh } from "../hubs/mesh";

/** A spoke's peer, and the subnets routed behind it (which every other spoke routes to the hub). */
export interface SpokePeer {
    peer: DesiredPeer;
    subnets: readonly string[];
    /** The hub the spoke is on (null: the only hub). */
    hubName: string | null;
}

type Change = [spokeId: string, entry: SpokePeer | null];

// Most spokes route no subnet: they share one empty list instead of holding 100,000 of them.
const noSubnets: readonly string[] = Object.freeze([]);

export function desiredPeerOf(row: { publicKey: string; address: string; addressV6: string | null; subnets: string; hubName?: string | null }): SpokePeer {
    const subnets = row.subnets === "[]" ? noSubnets : JSON.parse(row.subnets) as string[];
    return { peer: { publicKey: row.publicKey, allowedIPs: allowedIPsOf(row.address, row.addressV6, subnets) }, subnets, hubName: row.hubName ?? null };
}

/** Two lists of strings, element by element. */
export const sameStrings = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function sameEntry(a: SpokePeer, b: SpokePeer): boolean {
    return a.peer.publicKey === b.peer.publicKey && a.hubName === b.hubName &&
        sameStrings(a.peer.allowedIPs, b.peer.allowedIPs) && sameStrings(a.subnets, b.subnets);
}

/** The hub's own /32 (and /128) from its interface addresses. */
function hostRoutes(member: { interfaceAddress: string; interfaceAddressV6: string | null }): string[] {
    const host = (a: string, bits: number) => `${a.split("/")[0]}/${bits}`;
    return [host(member.interfaceAddress, 32), ...(member.interfaceAddressV6 ? [host(member.interfaceAddressV6, 128)] : [])];
}

export class DesiredPeers {
    private peers: Map<string, SpokePeer> | null = null;
    /** The entries with routed subnets: few, and asked for at every registration. */
    private routing = new Map<string, readonly string[]>();
    private loadedAt = 0;
    /** Changes committed while a reload was reading: applied on top of what it read. */
    private duringLoad: Change[] | null = null;
    /** The reload under way: every caller meanwhile waits for it instead of starting another. */
    private loading: Promise<void> | null = null;
    /** Bumped by invalidate(): a reload that began before it must not install what it read. */
    private generation = 0;
    /** Bumped whenever the routed subnets may have changed: what agent configs are keyed on. */
    routingVersion = 0;
    /** list()'s answer while no peer changed (every scheduled run asks). */
    private listed: DesiredPeer[] | null = null;
    /** The peers that are other hubs, with the spokes each one holds (empty with one hub). */
    private meshPeers: DesiredPeer[] = [];
    private mesh: HubMesh | null = null;

    constructor(private readonly db: Database, private maxAgeMs = 10 * 60_000) {}

    /** How long what was read stays the answer without a full read (the mesh's while other hubs are there). */
    private meshMaxAgeMs: number | null = null;

    /**
     * With other hubs on the same database: only this hub's spokes are its peers, each other hub
     * is one peer routing its own spokes, and a full reload every minute backs the notifications.
     * Alone on PostgreSQL a hub keeps the usual age: at 100,000 spokes each full read is 20 MB
     * of garbage.
     */
    useMesh(mesh: HubMesh, maxAgeMs = 60_000): void {
        this.mesh = mesh;
        this.meshMaxAgeMs = maxAgeMs;
        this.listed = null;
    }

    private maxAge(): number {
        return this.meshMaxAgeMs !== null && this.mesh?.others().length ? this.meshMaxAgeMs : this.maxAgeMs;
    }

    /** The hubs changed (one joined, left, or changed its endpoint): the mesh peers are made again. */
    meshChanged(): void {
        this.listed = null;
    }

    /** Spokes another hub changed, read back after its notification. */
    applyExternal(changes: [spokeId: string, entry: SpokePeer | null][]): void {
        for (const change of changes) this.apply(change);
    }

    /** Records a spoke's peer (or its absence) once `t` commits. */
    onCommit(t: Transaction, spokeId: string, peer: SpokePeer | null): void {
        afterCommit(t, () => {
            this.apply([spokeId, peer]);
            this.mesh?.spokeChanged(spokeId);
        });
    }

    /** Read everything again before the next answer (what was read stays only if the database is away). */
    invalidate(): void {
        this.loadedAt = -Infinity;
        this.listed = null;
        this.generation++;
        this.routingVersion++;
    }

    private apply(change: Change): void {
        this.duringLoad?.push(change);
        if (!this.peers) return;
        this.listed = null;
        const [id, entry] = change;
        if (entry) this.peers.set(id, entry);
        else this.peers.delete(id);
        if (entry?.subnets.length || this.routing.has(id)) this.routingVersion++;
        if (entry?.subnets.length) this.routing.set(id, entry.subnets);
        else this.routing.delete(id);
    }

    private async current(now: number): Promise<Map<string, SpokePeer>> {
        // Only old (every change since the last read is in it): read again behind the answer.
        // At 100,000 spokes the read takes long enough that waiting for it was every
        // registration's slowest moment.
        const maxAge = this.maxAge();
        if (this.peers && this.loadedAt !== -Infinity && now - this.loadedAt > maxAge) {
            this.loading ??= this.reload(now).finally(() => (this.loading = null));
            this.loading.catch(() => undefined);
            return this.peers;
        }
        while (!this.peers || now - this.loadedAt > maxAge) {
            this.loading ??= this.reload(now).finally(() => (this.loading = null));
            try {
                await this.loading;
            } catch (err) {
                // The database is away: the peers last read stay (the tunnels too); retried next time.
                if (!this.peers) throw err;
                break;
            }
        }
        return this.peers;
    }

    /** Every desired peer. Shared between callers: read it, never change it. */
    async list(now = Date.now()): Promise<DesiredPeer[]> {
        const peers = await this.current(now);
        if (!this.listed) {
            if (this.mesh?.others().length) this.listed = this.withMesh(peers, this.mesh);
            else {
                // The last other hub may have just been removed: its peer goes with it.
                this.meshPeers = [];
                this.listed = Array.from(peers.values(), e => e.peer);
            }
        }
        return this.listed;
    }

    /** The other hubs' peers (each with the spokes it holds), as last listed. */
    hubPeers(): readonly DesiredPeer[] {
        return this.meshPeers;
    }

    private withMesh(peers: Map<string, SpokePeer>, mesh: HubMesh): DesiredPeer[] {
        const self = mesh.selfName;
        const routes = new Map(mesh.others().map(m => [m.name, hostRoutes(m)]));
        const own: DesiredPeer[] = [];
        for (const e of peers.values()) {
            const via = e.hubName === null || e.hubName === self ? undefined : routes.get(e.hubName);
            if (via) via.push(...e.peer.allowedIPs);
            else own.push(e.peer);
        }
        this.meshPeers = mesh.others().map(m => ({
            publicKey: m.publicKey, allowedIPs: routes.get(m.name)!, endpoint: m.privateEndpoint ?? m.publicEndpoint, keepalive: 25,
        }));
        return [...own, ...this.meshPeers];
    }

    /** Subnets routed behind enabled spokes other than `exceptSpokeId`. */
    async routedSubnets(exceptSpokeId: string): Promise<string[]> {
        await this.current(Date.now());
        const out: string[] = [];
        for (const [id, subnets] of this.routing) if (id !== exceptSpokeId) out.push(...subnets);
        return out;
    }

    private async reload(now: number): Promise<void> {
        const generation = this.generation;
        const changes: Change[] = [];
        this.duringLoad = changes;
        try {
            const rows = (await this.db.sql.tuples<[string, string, string, string | null, string, string | null]>(
                `"id", "publicKey", "address", "addressV6", "subnets", "hubName"`, "spokes WHERE enabled = $1", "id", [true],
            )).map(([id, publicKey, address, addressV6, subnets, hubName]) => ({ id, publicKey, address, addressV6, subnets, hubName }));
            if (generation !== this.generation) return;
            // An unchanged spoke keeps its entry object: what the reconciler and the conf file
            // remember per peer object stays valid across reloads.
            const before = this.peers;
            const fresh = new Map(rows.map(r => {
                const entry = desiredPeerOf(r);
                const old = before?.get(r.id);
                return [r.id, old && sameEntry(old, entry) ? old : entry];
            }));
            for (const [id, entry] of changes) {
                if (entry) fresh.set(id, entry);
                else fresh.delete(id);
            }
            this.peers = fresh;
            this.listed = null;
            this.routing = new Map([...fresh].filter(([, e]) => e.subnets.length).map(([id, e]) => [id, e.subnets]));
            this.routingVersion++;
            this.loadedAt = now;
        } finally {
            if (this.duringLoad === changes) this.duringLoad = null;
        }
    }
}
