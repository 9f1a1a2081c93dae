// Numbered migrations, inline (umzug's glob loading does not survive bundling).
// A migration that has shipped is never edited: add the next number instead.
import { DataTypes, type QueryInterface, type Sequelize } from "sequelize";
import { Umzug, SequelizeStorage } from "umzug";

type Step = { name: string; up: (qi: QueryInterface) => Promise<void> };

const id = { type: DataTypes.STRING(36), primaryKey: true, allowNull: false };
const timestamps = {
    createdAt: { type: DataTypes.DATE, allowNull: false },
    updatedAt: { type: DataTypes.DATE, allowNull: false },
};

export const steps: Step[] = [
    {
        name: "001-initial-schema",
        async up(qi) {
            await qi.createTable("hub", {
                id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
                networkCIDR: { type: DataTypes.STRING(64), allowNull: false },
                networkCIDRv6: { type: DataTypes.STRING(64), allowNull: true },
                interfaceAddress: { type: DataTypes.STRING(64), allowNull: false },
                interfaceAddressV6: { type: DataTypes.STRING(64), allowNull: true },
                listenPort: { type: DataTypes.INTEGER, allowNull: false },
                publicKey: { type: DataTypes.STRING(44), allowNull: false },
                publicEndpoint: { type: DataTypes.STRING(300), allowNull: false },
                privateEndpoint: { type: DataTypes.STRING(300), allowNull: true },
                dns: { type: DataTypes.TEXT, allowNull: false, defaultValue: "[]" },
                keepalive: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 25 },
                generation: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 },
                ...timestamps,
            });
            await qi.createTable("proxmox_clusters", {
                id,
                clusterName: { type: DataTypes.STRING(200), allowNull: false, unique: true },
                datacenter: { type: DataTypes.STRING(200), allowNull: true },
                description: { type: DataTypes.TEXT, allowNull: true },
                ...timestamps,
            });
            await qi.createTable("spokes", {
                id,
                name: { type: DataTypes.STRING(200), allowNull: false },
                publicKey: { type: DataTypes.STRING(44), allowNull: false, unique: true },
                address: { type: DataTypes.STRING(64), allowNull: false },
                addressV6: { type: DataTypes.STRING(64), allowNull: true },
                subnets: { type: DataTypes.TEXT, allowNull: false, defaultValue: "[]" },
                datacenter: { type: DataTypes.STRING(200), allowNull: true },
                os: { type: DataTypes.STRING(20), allowNull: false },
                hostname: { type: DataTypes.STRING(255), allowNull: true },
                isProxmox: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
                proxmoxNodeName: { type: DataTypes.STRING(200), allowNull: true },
                proxmoxVersion: { type: DataTypes.STRING(200), allowNull: true },
                proxmoxClusterId: {
                    type: DataTypes.STRING(36), allowNull: true,
                    references: { model: "proxmox_clusters", key: "id" }, onDelete: "SET NULL",
                },
                metadata: { type: DataTypes.TEXT, allowNull: false, defaultValue: "{}" },
                enabled: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
                registeredAt: { type: DataTypes.DATE, allowNull: false },
                registeredFrom: { type: DataTypes.STRING(64), allowNull: true },
                lastHandshake: { type: DataTypes.DATE, allowNull: true },
                endpoint: { type: DataTypes.STRING(64), allowNull: true },
                rxBytes: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
                txBytes: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
                ...timestamps,
            });
            await qi.addIndex("spokes", ["proxmoxClusterId"]);
            await qi.createTable("installation_tokens", {
                id,
                tokenHash: { type: DataTypes.STRING(64), allowNull: false, unique: true },
                tokenPrefix: { type: DataTypes.STRING(8), allowNull: false },
                spokeId: { type: DataTypes.STRING(36), allowNull: false },
                spokeName: { type: DataTypes.STRING(200), allowNull: false },
                purpose: { type: DataTypes.STRING(10), allowNull: false, defaultValue: "enroll" },
                address: { type: DataTypes.STRING(64), allowNull: false },
                addressV6: { type: DataTypes.STRING(64), allowNull: true },
                subnets: { type: DataTypes.TEXT, allowNull: false, defaultValue: "[]" },
                datacenter: { type: DataTypes.STRING(200), allowNull: true },
                state: { type: DataTypes.STRING(10), allowNull: false, defaultValue: "pending" },
                expiresAt: { type: DataTypes.DATE, allowNull: false },
                usedAt: { type: DataTypes.DATE, allowNull: true },
                revokedAt: { type: DataTypes.DATE, allowNull: true },
                ...timestamps,
            });
            await qi.addIndex("installation_tokens", ["state", "expiresAt"]);
            await qi.addIndex("installation_tokens", ["spokeId"]);
            // One row per address in use, by a pending token or a spoke: the unique index is
            // what makes two owners of one address impossible, whatever the race.
            await qi.createTable("address_allocations", {
                ordinal: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
                address: { type: DataTypes.STRING(64), allowNull: false, unique: true },
                spokeId: { type: DataTypes.STRING(36), allowNull: false, unique: true },
                createdAt: { type: DataTypes.DATE, allowNull: false },
            });
            await qi.createTable("audit_events", {
                id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
                at: { type: DataTypes.DATE, allowNull: false },
                actor: { type: DataTypes.STRING(100), allowNull: false },
                action: { type: DataTypes.STRING(50), allowNull: false },
                subject: { type: DataTypes.STRING(200), allowNull: true },
                source: { type: DataTypes.STRING(64), allowNull: true },
                details: { type: DataTypes.TEXT, allowNull: false, defaultValue: "{}" },
            });
            await qi.addIndex("audit_events", ["at"]);
        },
    },
    {
        // The spoke list is ordered by registration: read in index order, not sorted each time.
        name: "002-spokes-registered-at-index",
        async up(qi) {
            await qi.addIndex("spokes", ["registeredAt"]);
        },
    },
    {
        // Managed spokes: what the spoke's agent last reported, and an action waiting for it.
        name: "003-spoke-agents",
        async up(qi) {
            await qi.addColumn("spokes", "agentVersion", { type: DataTypes.STRING(40), allowNull: true });
            await qi.addColumn("spokes", "agentReport", { type: DataTypes.TEXT, allowNull: true });
            await qi.addColumn("spokes", "agentLastSeen", { type: DataTypes.DATE, allowNull: true });
            await qi.addColumn("spokes", "pendingAction", { type: DataTypes.STRING(20), allowNull: true });
            // Each agent request finds its spoke by the tunnel address it comes from.
            await qi.addIndex("spokes", ["address"]);
            await qi.addIndex("spokes", ["addressV6"]);
        },
    },
    {
        // A spoke's own audit entries (GET /api/audit?subject=NAME, the page's spoke details).
        name: "004-audit-subject-index",
        async up(qi) {
            await qi.addIndex("audit_events", ["subject", "id"]);
        },
    },
    {
        // Proxmox VE cluster tokens: one token, up to maxUses nodes, each node once.
        name: "005-cluster-tokens",
        async up(qi) {
            await qi.addColumn("installation_tokens", "maxUses", { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 });
            await qi.addColumn("installation_tokens", "uses", { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
            await qi.addColumn("installation_tokens", "proxmoxCluster", { type: DataTypes.STRING(200), allowNull: true });
            await qi.createTable("token_uses", {
                tokenId: { type: DataTypes.STRING(36), primaryKey: true, allowNull: false },
                nodeName: { type: DataTypes.STRING(200), primaryKey: true, allowNull: false },
                spokeId: { type: DataTypes.STRING(36), allowNull: false },
                createdAt: { type: DataTypes.DATE, allowNull: false },
            });
        },
    },
    {
        // Several hubs on one PostgreSQL database: each hub's own identity, and where each spoke is.
        name: "006-hubs",
        async up(qi) {
            await qi.createTable("hub_members", {
                name: { type: DataTypes.STRING(63), primaryKey: true, allowNull: false },
                publicKey: { type: DataTypes.STRING(44), allowNull: false, unique: true },
                ordinal: { type: DataTypes.INTEGER, allowNull: false, unique: true },
                interfaceAddress: { type: DataTypes.STRING(64), allowNull: false },
                interfaceAddressV6: { type: DataTypes.STRING(64), allowNull: true },
                listenPort: { type: DataTypes.INTEGER, allowNull: false },
                publicEndpoint: { type: DataTypes.STRING(300), allowNull: false },
                privateEndpoint: { type: DataTypes.STRING(300), allowNull: true },
                publicUrl: { type: DataTypes.STRING(300), allowNull: true },
                beats: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
                heartbeatAt: { type: DataTypes.DATE, allowNull: true },
                ...timestamps,
            });
            // The spoke's hub (null: the only hub); a token may name the hub its spoke goes to.
            await qi.addColumn("spokes", "hubName", { type: DataTypes.STRING(63), allowNull: true });
            await qi.addIndex("spokes", ["hubName"]);
            await qi.addColumn("installation_tokens", "hubName", { type: DataTypes.STRING(63), allowNull: true });
        },
    },
    {
        // A version for each spoke row, new with every insert and update whoever makes it (this
        // service, another hub, a restore, a hand-made UPDATE): the spoke list reads the
        // versions and then only the rows that changed, instead of every row after each write.
        // A random 53-bit number, so that a row deleted and inserted again still gets a new one.
        name: "007-spoke-list-versions",
        async up(qi) {
            await qi.addColumn("spokes", "listVersion", { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 });
            // The versions in list order, read from the index alone.
            await qi.addIndex("spokes", ["registeredAt", "id", "listVersion"], { name: "spokes_list_versions" });
            if (qi.sequelize.getDialect() === "postgres") {
                await qi.sequelize.query(`CREATE FUNCTION wghub_spoke_list_version() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN NEW."listVersion" := floor(random() * 9007199254740991)::bigint; RETURN NEW; END $$`);
                await qi.sequelize.query(`CREATE TRIGGER spokes_list_version BEFORE INSERT OR UPDATE ON spokes
                    FOR EACH ROW EXECUTE PROCEDURE wghub_spoke_list_version()`);
            } else {
                // SQLite triggers cannot assign NEW: each one updates its row once more (the
                // WHEN clause stops the update from counting as another change).
                await qi.sequelize.query(`CREATE TRIGGER spokes_list_version_insert AFTER INSERT ON spokes FOR EACH ROW
                    BEGIN UPDATE spokes SET "listVersion" = (random() >> 11) WHERE id = NEW.id; END`);
                await qi.sequelize.query(`CREATE TRIGGER spokes_list_version_update AFTER UPDATE ON spokes FOR EACH ROW
                    WHEN NEW."listVersion" = OLD."listVersion"
                    BEGIN UPDATE spokes SET "listVersion" = (random() >> 11) WHERE id = NEW.id; END`);
            }
        },
    },
    {
        // The spokes table's first page by name while the list is not in memory reads every
        // name (spokes/coldPage.ts), and the systems shown in its filter: each from a small
        // index instead of the whole table (100,000 spokes: 195 MB of rows).
        name: "008-spoke-name-and-system-indexes",
        async up(qi) {
            await qi.addIndex("spokes", ["name"]);
            await qi.addIndex("spokes", ["os", "isProxmox"]);
        },
    },
];

/** The schema this build writes: the names of its migrations, in order. */
export const schemaNames: string[] = steps.map(s => s.name);

/** Migrations in `applied` that this build does not know: the database (or backup) is from a newer one. */
export function unknownMigrations(applied: string[]): string[] {
    const known = new Set(schemaNames);
    return applied.filter(name => !known.has(name));
}

export async function migrate(sequelize: Sequelize): Promise<string[]> {
    const storage = new SequelizeStorage({ sequelize, tableName: "schema_migrations" });
    const umzug = new Umzug({
        migrations: steps.map(step => ({ name: step.name, up: ({ context }: { context: QueryInterface }) => step.up(context) })),
        context: sequelize.getQueryInterface(),
        storage,
        logger: undefined,
    });
    // A downgraded package must not run on a schema it does not know (it would write rows
    // without the newer columns' meaning, or fail half way through a request).
    const newer = unknownMigrations(await storage.executed());
    if (newer.length)
        throw new Error(`the database was migrated by a newer wireguard-hub (${newer.join(", ")}); this version knows up to ${schemaNames.at(-1)}. `
            + "Install the newer package again, or restore a backup made by this version into an empty data directory.");
    const done = await umzug.up();
    return done.map(m => m.name);
}
