// One definer per table; the schema itself is owned by migrations.ts.
import {
    DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize,
} from "sequelize";

/** Each table's name, for the models below and the plain SQL of db/sql.ts. */
export const tables = {
    hub: "hub",
    tokens: "installation_tokens",
    spokes: "spokes",
    clusters: "proxmox_clusters",
    allocations: "address_allocations",
    audit: "audit_events",
    tokenUses: "token_uses",
    members: "hub_members",
} as const;

export class HubRow extends Model<InferAttributes<HubRow>, InferCreationAttributes<HubRow>> {
    declare id: number;
    declare networkCIDR: string;
    declare networkCIDRv6: string | null;
    declare interfaceAddress: string;
    declare interfaceAddressV6: string | null;
    declare listenPort: number;
    declare publicKey: string;
    declare publicEndpoint: string;
    declare privateEndpoint: string | null;
    declare dns: string;
    declare keepalive: CreationOptional<number>;
    declare generation: CreationOptional<number>;
    declare createdAt: CreationOptional<Date>;
    declare updatedAt: CreationOptional<Date>;
}

export type TokenState = "pending" | "used" | "expired" | "revoked";

export class TokenRow extends Model<InferAttributes<TokenRow>, InferCreationAttributes<TokenRow>> {
    declare id: string;
    declare tokenHash: string;
    declare tokenPrefix: string;
    declare spokeId: string;
    declare spokeName: string;
    /** A cluster token enrolls up to maxUses Proxmox VE nodes; its spokeId and address are unused (each node gets its own). */
    declare purpose: "enroll" | "reenroll" | "cluster";
    declare address: string;
    declare addressV6: string | null;
    declare subnets: string;
    declare datacenter: string | null;
    declare state: TokenState;
    declare expiresAt: Date;
    declare usedAt: Date | null;
    declare revokedAt: Date | null;
    declare maxUses: CreationOptional<number>;
    declare uses: CreationOptional<number>;
    /** A cluster token's cluster: given at creation, or fixed by its first registration. */
    declare proxmoxCluster: CreationOptional<string | null>;
    /** The hub the spoke goes to (null: the hub that serves its registration). */
    declare hubName: CreationOptional<string | null>;
    declare createdAt: CreationOptional<Date>;
    declare updatedAt: CreationOptional<Date>;
}

/** One registration with a cluster token: which node, which spoke it made. */
export class TokenUseRow extends Model<InferAttributes<TokenUseRow>, InferCreationAttributes<TokenUseRow>> {
    declare tokenId: string;
    declare nodeName: string;
    declare spokeId: string;
    declare createdAt: Date;
}

export class SpokeRow extends Model<InferAttributes<SpokeRow>, InferCreationAttributes<SpokeRow>> {
    declare id: string;
    declare name: string;
    declare publicKey: string;
    declare address: string;
    declare addressV6: string | null;
    declare subnets: string;
    declare datacenter: string | null;
    declare os: string;
    declare hostname: string | null;
    declare isProxmox: boolean;
    declare proxmoxNodeName: string | null;
    declare proxmoxVersion: string | null;
    declare proxmoxClusterId: string | null;
    declare metadata: string;
    declare enabled: CreationOptional<boolean>;
    declare registeredAt: Date;
    declare registeredFrom: string | null;
    declare lastHandshake: CreationOptional<Date | null>;
    declare endpoint: CreationOptional<string | null>;
    declare rxBytes: CreationOptional<number>;
    declare txBytes: CreationOptional<number>;
    /** What the spoke's agent last said about itself (null: no agent has spoken yet). */
    declare agentVersion: CreationOptional<string | null>;
    /** JSON of the agent's last report: os, kernel, wireguard, result, revision. */
    declare agentReport: CreationOptional<string | null>;
    declare agentLastSeen: CreationOptional<Date | null>;
    /** "rotate-key" or "uninstall", waiting for the agent's next cycle. */
    declare pendingAction: CreationOptional<string | null>;
    /** The hub the spoke is on, among hubs sharing one PostgreSQL database (null: the only hub). */
    declare hubName: CreationOptional<string | null>;
    declare createdAt: CreationOptional<Date>;
    declare updatedAt: CreationOptional<Date>;
}

/** One hub among those sharing the database: its own key, tunnel address and endpoints, and its heartbeat. */
export class HubMemberRow extends Model<InferAttributes<HubMemberRow>, InferCreationAttributes<HubMemberRow>> {
    declare name: string;
    declare publicKey: string;
    /** The host number of its tunnel address, taken from the one address pool. */
    declare ordinal: number;
    declare interfaceAddress: string;
    declare interfaceAddressV6: string | null;
    declare listenPort: number;
    declare publicEndpoint: string;
    declare privateEndpoint: string | null;
    declare publicUrl: string | null;
    /** Counts up while the hub runs: others judge its health by whether it moves, not by clocks. */
    declare beats: CreationOptional<number>;
    declare heartbeatAt: CreationOptional<Date | null>;
    declare createdAt: CreationOptional<Date>;
    declare updatedAt: CreationOptional<Date>;
}

export class ClusterRow extends Model<InferAttributes<ClusterRow>, InferCreationAttributes<ClusterRow>> {
    declare id: string;
    declare clusterName: string;
    declare datacenter: string | null;
    declare description: string | null;
    declare createdAt: CreationOptional<Date>;
    declare updatedAt: CreationOptional<Date>;
}

export class AllocationRow extends Model<InferAttributes<AllocationRow>, InferCreationAttributes<AllocationRow>> {
    declare ordinal: number;
    declare address: string;
    declare spokeId: string;
    declare createdAt: Date;
}

export class AuditRow extends Model<InferAttributes<AuditRow>, InferCreationAttributes<AuditRow>> {
    declare id: CreationOptional<number>;
    declare at: Date;
    declare actor: string;
    declare action: string;
    declare subject: string | null;
    declare source: string | null;
    declare details: string;
}

export interface Models {
    Hub: typeof HubRow;
    Token: typeof TokenRow;
    Spoke: typeof SpokeRow;
    Cluster: typeof ClusterRow;
    Allocation: typeof AllocationRow;
    Audit: typeof AuditRow;
    TokenUse: typeof TokenUseRow;
    Member: typeof HubMemberRow;
}

const str = (n: number, allowNull = false) => ({ type: DataTypes.STRING(n), allowNull });
const json = () => ({ type: DataTypes.TEXT, allowNull: false });

export function defineModels(sequelize: Sequelize): Models {
    HubRow.init({
        id: { type: DataTypes.INTEGER, primaryKey: true },
        networkCIDR: str(64),
        networkCIDRv6: str(64, true),
        interfaceAddress: str(64),
        interfaceAddressV6: str(64, true),
        listenPort: { type: DataTypes.INTEGER, allowNull: false },
        publicKey: str(44),
        publicEndpoint: str(300),
        privateEndpoint: str(300, true),
        dns: json(),
        keepalive: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 25 },
        generation: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
    }, { sequelize, tableName: tables.hub });

    TokenRow.init({
        id: { type: DataTypes.STRING(36), primaryKey: true },
        tokenHash: str(64),
        tokenPrefix: str(8),
        spokeId: str(36),
        spokeName: str(200),
        purpose: str(10),
        address: str(64),
        addressV6: str(64, true),
        subnets: json(),
        datacenter: str(200, true),
        state: str(10),
        expiresAt: { type: DataTypes.DATE, allowNull: false },
        usedAt: { type: DataTypes.DATE, allowNull: true },
        revokedAt: { type: DataTypes.DATE, allowNull: true },
        maxUses: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
        uses: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        proxmoxCluster: str(200, true),
        hubName: str(63, true),
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
    }, { sequelize, tableName: tables.tokens });

    SpokeRow.init({
        id: { type: DataTypes.STRING(36), primaryKey: true },
        name: str(200),
        publicKey: str(44),
        address: str(64),
        addressV6: str(64, true),
        subnets: json(),
        datacenter: str(200, true),
        os: str(20),
        hostname: str(255, true),
        isProxmox: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        proxmoxNodeName: str(200, true),
        proxmoxVersion: str(200, true),
        proxmoxClusterId: str(36, true),
        metadata: json(),
        enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
        registeredAt: { type: DataTypes.DATE, allowNull: false },
        registeredFrom: str(64, true),
        lastHandshake: { type: DataTypes.DATE, allowNull: true },
        endpoint: str(64, true),
        rxBytes: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
        txBytes: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
        agentVersion: str(40, true),
        agentReport: { type: DataTypes.TEXT, allowNull: true },
        agentLastSeen: { type: DataTypes.DATE, allowNull: true },
        pendingAction: str(20, true),
        hubName: str(63, true),
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
    }, { sequelize, tableName: tables.spokes });

    ClusterRow.init({
        id: { type: DataTypes.STRING(36), primaryKey: true },
        clusterName: str(200),
        datacenter: str(200, true),
        description: { type: DataTypes.TEXT, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
    }, { sequelize, tableName: tables.clusters });

    AllocationRow.init({
        ordinal: { type: DataTypes.INTEGER, primaryKey: true },
        address: str(64),
        spokeId: str(36),
        createdAt: { type: DataTypes.DATE, allowNull: false },
    }, { sequelize, tableName: tables.allocations, timestamps: false });

    AuditRow.init({
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        at: { type: DataTypes.DATE, allowNull: false },
        actor: str(100),
        action: str(50),
        subject: str(200, true),
        source: str(64, true),
        details: json(),
    }, { sequelize, tableName: tables.audit, timestamps: false });

    TokenUseRow.init({
        tokenId: { type: DataTypes.STRING(36), primaryKey: true },
        nodeName: { type: DataTypes.STRING(200), primaryKey: true },
        spokeId: str(36),
        createdAt: { type: DataTypes.DATE, allowNull: false },
    }, { sequelize, tableName: tables.tokenUses, timestamps: false });

    HubMemberRow.init({
        name: { type: DataTypes.STRING(63), primaryKey: true },
        publicKey: str(44),
        ordinal: { type: DataTypes.INTEGER, allowNull: false },
        interfaceAddress: str(64),
        interfaceAddressV6: str(64, true),
        listenPort: { type: DataTypes.INTEGER, allowNull: false },
        publicEndpoint: str(300),
        privateEndpoint: str(300, true),
        publicUrl: str(300, true),
        beats: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
        heartbeatAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
    }, { sequelize, tableName: tables.members });

    return { Member: HubMemberRow, Hub: HubRow, Token: TokenRow, Spoke: SpokeRow, Cluster: ClusterRow, Allocation: AllocationRow, Audit: AuditRow, TokenUse: TokenUseRow };
}
