// Spoke addresses: one per spoke (or pending token), the lowest free by default, or one the
// admin picks. The IPv6 address, when the hub has an IPv6 network, has the same host ordinal.
import type { Transaction } from "sequelize";
import { afterCommit, onRollback, type Database } from "../db/connect";
import { tables, type AllocationRow, type HubRow } from "../db/models";
import { insertInto } from "../db/sql";
import { HubError } from "../errors";
import { AddressPool } from "./pool";
import { spokeAddressProblem } from "../contract/fields";
import { addressAt, hostCount, ordinalOf, parseCidr, type Network } from "./cidr";

export interface Assigned {
    ordinal: number;
    address: string;
    addressV6: string | null;
}

// Hubs sharing one PostgreSQL database each keep a pool in memory: an ordinal another hub took
// meanwhile is skipped (the row is not written, nothing fails) and the next one is tried.
const claimOrdinal = `${insertInto<AllocationRow>(tables.allocations, ["ordinal", "address", "spokeId", "createdAt"])} ON CONFLICT DO NOTHING`;

export class AddressBook {
    private pool: AddressPool | null = null;
    private v4: Network | null = null;
    private v6: Network | null = null;

    constructor(private readonly db: Database) {}

    /** Rebuilds the pool from the database (at start and after initialisation). */
    async load(hub: HubRow | null): Promise<void> {
        if (!hub) {
            this.pool = null;
            return;
        }
        this.v4 = parseCidr(hub.networkCIDR)!;
        this.v6 = hub.networkCIDRv6 ? parseCidr(hub.networkCIDRv6) : null;
        const rows = await this.db.models.Allocation.findAll({ attributes: ["ordinal"], raw: true });
        const last = Number(hostCount(this.v4)) - 2;
        // Ordinal 1 is the hub.
        this.pool = new AddressPool(2, last, rows.map(r => r.ordinal));
    }

    get network(): Network {
        if (!this.v4) throw new HubError("HUB_NOT_INITIALIZED", "The hub is not initialised", "Initialise the hub first.");
        return this.v4;
    }

    get network6(): Network | null {
        return this.v6;
    }

    private requirePool(): AddressPool {
        if (!this.pool) throw new HubError("HUB_NOT_INITIALIZED", "The hub is not initialised", "Initialise the hub first.");
        return this.pool;
    }

    get used(): number {
        return this.pool?.size ?? 0;
    }

    get capacity(): number {
        return this.v4 ? Number(hostCount(this.v4)) - 3 : 0;
    }

    private assigned(ordinal: number): Assigned {
        return {
            ordinal,
            address: addressAt(this.network, ordinal),
            addressV6: this.v6 ? addressAt(this.v6, ordinal) : null,
        };
    }

    /** Checks a custom address: inside the network, not the hub's, not network/broadcast. */
    ordinalFor(ip: string): number {
        const netw = this.network;
        switch (spokeAddressProblem(ip, netw)) {
        case "not-ipv4":
            throw new HubError("VALIDATION_FAILED", "customIP must be an IPv4 address",
                "Give the IPv4 address; the spoke's IPv6 address has the same host number in the IPv6 network.", { field: "customIP" });
        case "outside":
            throw new HubError("ADDRESS_UNAVAILABLE", `${ip} is outside the hub's network ${netw.cidr}`,
                `Pick an address inside ${netw.cidr}, or leave it empty to get the lowest free one.`, { field: "customIP" });
        case "hub":
            throw new HubError("ADDRESS_TAKEN", `${ip} is the hub's own address`, "Pick another address.");
        case "network-or-broadcast":
            throw new HubError("ADDRESS_UNAVAILABLE", `${ip} is the network or broadcast address of ${netw.cidr}`, "Pick a host address.", { field: "customIP" });
        case null:
            return ordinalOf(netw, ip);
        }
    }

    /** Allocates inside `t`; the in-memory pool is put back if the transaction fails. */
    async allocate(t: Transaction, spokeId: string, customIP: string | null): Promise<Assigned> {
        const pool = this.requirePool();
        let ordinal: number;
        if (customIP) {
            ordinal = this.ordinalFor(customIP);
            if (!pool.reserve(ordinal))
                throw new HubError("ADDRESS_TAKEN", `${customIP} is already in use`, "Pick another address, or leave it empty to get the lowest free one.");
        } else {
            ordinal = this.lowestFree(pool);
        }
        for (;;) {
            const assigned = this.assigned(ordinal);
            if (await this.db.sql.run(claimOrdinal, [ordinal, assigned.address, spokeId, new Date()], t)) {
                onRollback(t, () => pool.release(ordinal));
                return assigned;
            }
            // Taken by another hub sharing the database: it stays taken in this pool too.
            if (customIP) throw new HubError("ADDRESS_TAKEN", `${assigned.address} is already in use`, "Pick another address, or leave it empty to get the lowest free one.");
            ordinal = this.lowestFree(pool);
        }
    }

    private lowestFree(pool: AddressPool): number {
        const next = pool.allocate();
        if (next === null)
            throw new HubError("ADDRESS_POOL_EXHAUSTED", `The network ${this.network.cidr} is full`,
                "Remove unused spokes or revoke pending tokens to free addresses, or re-initialise the hub with a larger network.");
        return next;
    }

    /** Frees a spoke's (or pending token's) address inside `t`, in memory once committed. */
    async release(t: Transaction, spokeId: string): Promise<void> {
        const row = await this.db.models.Allocation.findOne({ where: { spokeId }, transaction: t });
        if (!row) return;
        await row.destroy({ transaction: t });
        const ordinal = row.ordinal;
        afterCommit(t, () => this.requirePool().release(ordinal));
    }
}
