// Several hubs on one PostgreSQL database. Each hub keeps its own row in hub_members (key,
// tunnel address, endpoints) and counts up a heartbeat there every couple of seconds. Changes
// reach the other hubs through PostgreSQL's LISTEN/NOTIFY at once; the periodic reload of the
// desired peers is the safety net for a notification lost while a connection was down.
//
// A hub is judged by whether its heartbeat moves while this hub can reach the database, never
// by comparing clocks: after an outage of the database every hub gets a fresh grace period.
// When a hub stops, its spokes move to the first healthy hub by name; only that hub writes
// the move, with one conditional UPDATE.
import type { InferAttributes } from "sequelize";
import type { HubContext } from "../context";
import { peersChanged } from "../context";
import { tables, type HubMemberRow } from "../db/models";
import { record } from "../audit/audit";
import { desiredPeerOf, type SpokePeer } from "../spokes/desired";
import { forgetHub } from "../hub/hub";

export type Member = InferAttributes<HubMemberRow>;

/** What this module uses of node-postgres's Client (the driver Sequelize already loads). */
interface Notification {
    channel: string;
    payload?: string;
}

interface PgClient {
    connect(): Promise<void>;
    query(text: string): Promise<unknown>;
    end(): Promise<void>;
    on(event: "error" | "end", listener: () => void): void;
    on(event: "notification", listener: (n: Notification) => void): void;
}

const channel = "wghub_changes";
const heartbeat = `UPDATE ${tables.members} SET beats = beats + 1, "heartbeatAt" = $1 WHERE name = $2`;
/** A NOTIFY payload must stay under 8,000 bytes: spoke ids are sent in batches below that. */
const maxPayload = 7_000;

export interface MeshTiming {
    heartbeatMs: number;
    /** A hub whose heartbeat has not moved for this long (while this hub reached the database) is down. */
    deadAfterMs: number;
}

export const defaultMeshTiming: MeshTiming = { heartbeatMs: 2_000, deadAfterMs: 8_000 };

type SpokeRowFacts = { id: string; publicKey: string; address: string; addressV6: string | null; subnets: string; enabled: boolean | number; hubName: string | null };

export class HubMesh {
    private members = new Map<string, Member>();
    /** Per hub: its last heartbeat count, and when (by this hub's clock) it last moved. */
    private seen = new Map<string, { beats: number; movedAt: number }>();
    private databaseUp = true;
    private heartbeat: NodeJS.Timeout | null = null;
    private listener: PgClient | null = null;
    private reconnect: NodeJS.Timeout | null = null;
    private pendingSpokes = new Set<string>();
    private flushTimer: NodeJS.Timeout | null = null;
    private stopped = false;
    /** Bumped whenever the hubs (their keys, addresses, endpoints) change: what the mesh peers are made of. */
    version = 0;

    constructor(private readonly ctx: HubContext, readonly timing: MeshTiming = defaultMeshTiming) {}

    get selfName(): string {
        return this.ctx.config.hubName;
    }

    self(): Member | null {
        return this.members.get(this.selfName) ?? null;
    }

    /** The other hubs, by name. */
    others(): Member[] {
        return [...this.members.values()].filter(m => m.name !== this.selfName).sort((a, b) => a.name.localeCompare(b.name));
    }

    all(): Member[] {
        return [...this.members.values()].sort((a, b) => a.name.localeCompare(b.name));
    }

    member(name: string): Member | null {
        return this.members.get(name) ?? null;
    }

    healthy(name: string, now = Date.now()): boolean {
        if (name === this.selfName) return true;
        const seen = this.seen.get(name);
        return seen !== undefined && now - seen.movedAt <= this.timing.deadAfterMs;
    }

    lastHeartbeat(name: string): Date | null {
        return this.members.get(name)?.heartbeatAt ?? null;
    }

    get reachesDatabase(): boolean {
        return this.databaseUp;
    }

    async load(): Promise<void> {
        const rows = await this.ctx.db.models.Member.findAll({ raw: true });
        const next = new Map(rows.map(r => [r.name, { ...r, beats: Number(r.beats) } as Member]));
        const identity = (m: Member) => `${m.publicKey}|${m.interfaceAddress}|${m.interfaceAddressV6}|${m.publicEndpoint}|${m.privateEndpoint}|${m.listenPort}|${m.publicUrl}`;
        const changed = next.size !== this.members.size || [...next].some(([name, m]) => {
            const before = this.members.get(name);
            return !before || identity(before) !== identity(m);
        });
        const now = Date.now();
        for (const m of next.values()) {
            const seen = this.seen.get(m.name);
            if (!seen || seen.beats !== m.beats) this.seen.set(m.name, { beats: m.beats, movedAt: now });
        }
        this.members = next;
        if (changed) this.version++;
    }

    /** Heartbeats, the notification listener and the failover check. */
    async start(): Promise<void> {
        await this.listen();
        this.ctx.db.onWrite = () => this.wrote();
        const beat = () => this.beat().catch(err => this.ctx.log.error("hub mesh: heartbeat failed", { error: String(err) }));
        this.heartbeat = setInterval(beat, this.timing.heartbeatMs);
        this.heartbeat.unref();
        await beat();
    }

    async stop(): Promise<void> {
        this.stopped = true;
        if (this.heartbeat) clearInterval(this.heartbeat);
        if (this.reconnect) clearTimeout(this.reconnect);
        if (this.flushTimer) clearTimeout(this.flushTimer);
        if (this.wroteTimer) clearTimeout(this.wroteTimer);
        this.ctx.db.onWrite = null;
        await this.flush();
        const listener = this.listener;
        this.listener = null;
        await listener?.end().catch(() => undefined);
    }

    private beating = false;

    private async beat(): Promise<void> {
        // A beat slower than the period (a database far away, or failing over) is not doubled.
        if (this.beating) return;
        this.beating = true;
        try {
            await this.beatOnce();
        } finally {
            this.beating = false;
        }
    }

    private async beatOnce(): Promise<void> {
        try {
            await this.ctx.db.sql.run(heartbeat, [new Date(), this.selfName]);
            const wasDown = !this.databaseUp;
            const versionBefore = this.version;
            await this.load();
            if (wasDown) {
                // Nobody could beat while the database was away: everyone starts a new grace period.
                const now = Date.now();
                for (const seen of this.seen.values()) seen.movedAt = now;
                this.databaseUp = true;
                this.ctx.log.info("hub mesh: the database answers again; catching up");
                this.readEverythingAgain("database back");
            } else if (this.version !== versionBefore) {
                this.hubsChanged();
            }
        } catch (err) {
            if (this.databaseUp) this.ctx.log.warn("hub mesh: the database cannot be reached; tunnels and routes stay as they are", { error: String(err) });
            this.databaseUp = false;
            return;
        }
        await this.takeOverFromDownHubs();
    }

    /** Spokes of hubs that are down go to the first healthy hub by name, if that is this one. */
    private async takeOverFromDownHubs(): Promise<void> {
        const now = Date.now();
        const healthy = this.all().filter(m => this.healthy(m.name, now));
        if (healthy[0]?.name !== this.selfName) return;
        for (const down of this.all().filter(m => !this.healthy(m.name, now))) {
            const moved = await this.ctx.db.writeTx(async t => {
                const [count] = await this.ctx.db.models.Spoke.update({ hubName: this.selfName, updatedAt: new Date() },
                    { where: { hubName: down.name }, transaction: t });
                if (count) await record(this.ctx, t, { name: this.selfName, source: null }, "hub.took_over", down.name, { spokes: count });
                return count;
            });
            if (!moved) continue;
            this.ctx.log.warn("hub mesh: a hub is down; its spokes are now on this hub", { hub: down.name, spokes: moved });
            this.readEverythingAgain("spokes taken over");
            await this.notify("moved");
        }
    }

    /** Caches of whole tables and the desired peers are read again; the reconciler follows. */
    private readEverythingAgain(reason: string): void {
        this.ctx.db.externalWrite();
        this.ctx.desired.invalidate();
        peersChanged(this.ctx, reason);
    }

    private hubsChanged(): void {
        forgetHub(this.ctx);
        this.ctx.desired.meshChanged();
        peersChanged(this.ctx, "hubs changed");
    }

    /** After a commit that changed the hubs: this hub reloads them, the others are told. */
    async membersChanged(): Promise<void> {
        await this.load();
        this.hubsChanged();
        await this.notify("hubs");
    }

    private wroteTimer: NodeJS.Timeout | null = null;

    /** Any write ended here: the other hubs' caches of whole tables (the spoke list) read again. */
    private wrote(): void {
        // Alone there is nobody to tell; a hub that joins reads everything when it starts.
        if (!this.others().length) return;
        this.wroteTimer ??= setTimeout(() => {
            this.wroteTimer = null;
            void this.notify("wrote");
        }, 50);
    }

    /** A spoke changed in a transaction that committed: the other hubs read it again. */
    spokeChanged(spokeId: string): void {
        if (!this.others().length) return;
        this.pendingSpokes.add(spokeId);
        this.flushTimer ??= setTimeout(() => void this.flush(), 5);
    }

    private async flush(): Promise<void> {
        this.flushTimer = null;
        const ids = [...this.pendingSpokes];
        this.pendingSpokes.clear();
        let batch: string[] = [];
        let size = 0;
        for (const id of ids) {
            if (size + id.length + 1 > maxPayload) {
                await this.notify(`spokes:${batch.join(",")}`);
                batch = [];
                size = 0;
            }
            batch.push(id);
            size += id.length + 1;
        }
        if (batch.length) await this.notify(`spokes:${batch.join(",")}`);
    }

    private async notify(what: string): Promise<void> {
        try {
            await this.ctx.db.sequelize.query("SELECT pg_notify($1, $2)", { bind: [channel, `${this.selfName}|${what}`] });
        } catch (err) {
            // The others catch up at their next reload.
            this.ctx.log.warn("hub mesh: could not notify the other hubs", { error: String(err) });
        }
    }

    private async listen(): Promise<void> {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { Client } = require("pg") as { Client: new (options: { connectionString: string }) => PgClient };
        const client = new Client({ connectionString: this.ctx.config.databaseUrl });
        const retry = () => {
            if (this.stopped || this.reconnect) return;
            if (this.listener === client) this.listener = null;
            client.end().catch(() => undefined);
            this.reconnect = setTimeout(() => {
                this.reconnect = null;
                this.listen().then(() => {
                    // Notifications sent while it was away are lost: read everything again.
                    this.readEverythingAgain("notifications resumed");
                    return this.load().then(() => this.hubsChanged());
                }).catch(() => retry());
            }, 1_000);
            this.reconnect.unref();
        };
        client.on("error", retry);
        client.on("end", retry);
        client.on("notification", (n: Notification) => void this.received(n).catch(err =>
            this.ctx.log.warn("hub mesh: a change from another hub could not be read; the next reload takes it", { error: String(err) })));
        await client.connect();
        await client.query(`LISTEN ${channel}`);
        this.listener = client;
    }

    private async received(n: Notification): Promise<void> {
        const payload = n.payload ?? "";
        const bar = payload.indexOf("|");
        if (payload.slice(0, bar) === this.selfName) return;
        const what = payload.slice(bar + 1);
        if (what === "wrote") {
            this.ctx.db.externalWrite();
        } else if (what === "hubs") {
            await this.load();
            this.hubsChanged();
        } else if (what === "moved") {
            this.readEverythingAgain("spokes moved between hubs");
        } else if (what.startsWith("spokes:")) {
            await this.readSpokes(what.slice("spokes:".length).split(",").filter(Boolean));
        }
    }

    private async readSpokes(ids: string[]): Promise<void> {
        const rows = await this.ctx.db.models.Spoke.findAll({
            where: { id: ids }, attributes: ["id", "publicKey", "address", "addressV6", "subnets", "enabled", "hubName"], raw: true,
        }) as SpokeRowFacts[];
        const found = new Map(rows.map(r => [r.id, r]));
        const changes: [string, SpokePeer | null][] = ids.map(id => {
            const row = found.get(id);
            return [id, row && row.enabled ? desiredPeerOf(row) : null];
        });
        this.ctx.db.externalWrite();
        this.ctx.desired.applyExternal(changes);
        peersChanged(this.ctx, "spokes changed on another hub");
    }
}
