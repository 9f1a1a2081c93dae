// Backup and restore of a whole hub: its rows, its WireGuard key, its TLS key and certificate.
// The rows are read in one transaction (a consistent snapshot on SQLite and PostgreSQL alike)
// and written back in one, so a restore is whole or not at all, and a backup moves between
// the two databases. Secrets leave the service only here, to the root-only admin API.
import path from "node:path";
import { Op, Transaction } from "sequelize";
import { z } from "zod";
import type { Actor, HubContext } from "../context";
import type { Models } from "../db/models";
import { tables } from "../db/models";
import { afterCommit, onRollback } from "../db/connect";
import { schemaNames, unknownMigrations } from "../db/migrations";
import { HubError } from "../errors";
import { record } from "../audit/audit";
import { hubReplaced, privateKeyFile, readPrivateKey, stageFile, dropStagedFiles, installStagedFiles } from "../hub/hub";
import { publicKeyOf } from "../wireguard/keys";
import { readBackup, writeBackup } from "./format";
import { writeFounder } from "../hubs/members";

/** The tables in the order a restore writes them (each one's references come before it). */
const order = ["Hub", "Cluster", "Spoke", "Token", "TokenUse", "Allocation", "Audit"] as const satisfies readonly (keyof Models)[];
type TableKey = typeof order[number];

const Row = z.record(z.string(), z.unknown());
// Tables a backup of an older schema does not have (token_uses came with 005-cluster-tokens).
const laterTables: readonly TableKey[] = ["TokenUse"];
const Payload = z.object({
    rows: z.object(Object.fromEntries(order.map(k => [k, laterTables.includes(k) ? z.array(Row).default([]) : z.array(Row)])) as
        Record<TableKey, z.ZodDefault<z.ZodArray<typeof Row>>>),
    secrets: z.object({
        hubPrivateKey: z.string(),
        tls: z.object({ key: z.string(), cert: z.string() }).nullable(),
    }),
    settings: z.object({
        interfaceName: z.string(),
        publicListen: z.string(),
        publicUrl: z.string().nullable(),
        tls: z.boolean(),
        agentPort: z.number(),
    }),
});
type Payload = z.output<typeof Payload>;

export interface BackupFile {
    text: string;
    spokes: number;
}

function settingsOf(ctx: HubContext): Payload["settings"] {
    const c = ctx.config;
    return { interfaceName: c.interfaceName, publicListen: `${c.publicListen.host}:${c.publicListen.port}`, publicUrl: c.publicUrl, tls: c.tls, agentPort: c.agentPort };
}

async function readRows(ctx: HubContext, t: Transaction): Promise<Payload["rows"]> {
    const rows = {} as Payload["rows"];
    for (const key of order) {
        const model = ctx.db.models[key] as unknown as { findAll(o: object): Promise<{ get(o: { plain: true }): Record<string, unknown> }[]> };
        rows[key] = (await model.findAll({ transaction: t })).map(r => r.get({ plain: true }));
    }
    return rows;
}

/** Reads every row in one snapshot: on PostgreSQL a repeatable-read transaction, on SQLite a turn of the write queue. */
function snapshotRows(ctx: HubContext): Promise<Payload["rows"]> {
    if (ctx.db.dialect === "postgres")
        return ctx.db.sequelize.transaction({ isolationLevel: Transaction.ISOLATION_LEVELS.REPEATABLE_READ }, t => readRows(ctx, t));
    return ctx.db.writeTx(t => readRows(ctx, t));
}

export async function makeBackup(ctx: HubContext, passphrase: string | null, actor: Actor, hubVersion: string): Promise<BackupFile> {
    // A fresh look at the interface first: the backup then knows where every spoke is now,
    // and a hub restored from it reaches them at once instead of waiting for them.
    await ctx.wireguard?.runNow();
    const rows = await snapshotRows(ctx);
    for (const spoke of rows.Spoke) {
        const live = ctx.live.get(String(spoke.publicKey));
        if (live?.endpoint) spoke.endpoint = live.endpoint;
    }
    const hub = rows.Hub[0];
    if (!hub) throw new HubError("HUB_NOT_INITIALIZED", "The hub is not initialised: there is nothing to back up", "Initialise it first, or restore a backup into it.");
    const hubPrivateKey = readPrivateKey(ctx);
    if (!hubPrivateKey || publicKeyOf(hubPrivateKey) !== hub.publicKey)
        throw new HubError("INTERNAL", `The hub's private key file ${privateKeyFile(ctx)} is missing or does not match the hub's public key`,
            "A backup without the right key could not bring the spokes back: restore the key file first, or re-initialise the hub.");
    const payload: Payload = {
        rows,
        secrets: { hubPrivateKey, tls: ctx.tls ? { key: ctx.tls.key, cert: ctx.tls.cert } : null },
        settings: settingsOf(ctx),
    };
    const counts = Object.fromEntries(order.map(k => [tables[tableOf(k)], rows[k].length]));
    const text = writeBackup({ createdAt: ctx.now(), hubVersion, schema: schemaNames, counts, payload: JSON.stringify(payload), passphrase });
    await ctx.db.writeTx(t => record(ctx, t, actor, "hub.backup_made", null, { spokes: rows.Spoke.length, encrypted: passphrase !== null }));
    ctx.log.info("backup made", { spokes: rows.Spoke.length, encrypted: passphrase !== null });
    return { text, spokes: rows.Spoke.length };
}

function tableOf(key: TableKey): keyof typeof tables {
    return ({ Hub: "hub", Cluster: "clusters", Spoke: "spokes", Token: "tokens", TokenUse: "tokenUses", Allocation: "allocations", Audit: "audit" } as const)[key];
}

export interface RestoreResult {
    spokes: number;
    /** Tokens still usable: install commands handed out before the backup that will still enroll. */
    pendingTokens: number;
    createdAt: string;
    warnings: string[];
}

function invalid(message: string): HubError {
    return new HubError("BACKUP_INVALID", message, "Use another copy of the backup.");
}

/** What the backup holds, checked: nothing of it is written before all of this passes. */
function parsePayload(text: string): Payload {
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch {
        throw invalid("The backup file is damaged: its content is not readable");
    }
    const parsed = Payload.safeParse(json);
    if (!parsed.success) throw invalid(`The backup file is damaged: ${parsed.error.issues[0]?.path.join(".") || "its content"} is not what a backup holds`);
    const p = parsed.data;
    if (p.rows.Hub.length !== 1) throw invalid("The backup holds no hub");
    const hubPublicKey = p.rows.Hub[0].publicKey;
    let derived: string | null = null;
    try {
        derived = publicKeyOf(p.secrets.hubPrivateKey);
    } catch {
        derived = null;
    }
    if (derived === null || derived !== hubPublicKey) throw invalid("The backup's hub key does not match its hub's public key");
    return p;
}

function differences(ctx: HubContext, saved: Payload["settings"]): string[] {
    const now = settingsOf(ctx);
    const warnings: string[] = [];
    if (saved.publicListen.split(":").pop() !== now.publicListen.split(":").pop())
        warnings.push(`The backup's hub took enrollments on ${saved.publicListen}, this one on ${now.publicListen}: install commands made before the backup name the old port (set WGHUB_PUBLIC_LISTEN to match).`);
    if (saved.publicUrl !== now.publicUrl)
        warnings.push(`WGHUB_PUBLIC_URL was ${saved.publicUrl ?? "not set"} and is ${now.publicUrl ?? "not set"} here: install commands made before the backup name the old one.`);
    if (saved.tls !== now.tls)
        warnings.push(`WGHUB_TLS was ${saved.tls ? "on" : "off"} and is ${now.tls ? "on" : "off"} here: install commands made before the backup will not connect.`);
    if (saved.interfaceName !== now.interfaceName)
        warnings.push(`The WireGuard interface was ${saved.interfaceName} and is ${now.interfaceName} here.`);
    return warnings;
}

function tlsDir(ctx: HubContext): string {
    return path.join(ctx.config.dataDir, "tls");
}

/**
 * Replaces the hub's rows and keys with a backup's, in one transaction while every other write
 * is refused (HUB_RESTORING); the key files are staged and take their places only after the
 * commit. A file that is not a whole, readable backup of a schema this build knows changes
 * nothing.
 */
export async function restoreBackup(ctx: HubContext, text: string, passphrase: string | null, force: boolean, actor: Actor): Promise<RestoreResult> {
    const { header, payload } = readBackup(text, passphrase);
    const newer = unknownMigrations(header.schema);
    if (newer.length)
        throw new HubError("BACKUP_INVALID", `This backup was made by a newer wireguard-hub (${header.hubVersion}, schema ${newer.join(", ")})`,
            "Upgrade this hub's package first (apt install wireguard-hub), then restore.");
    const p = parsePayload(payload);
    const warnings = differences(ctx, p.settings);
    const adminTls = ctx.config.tlsCertFile !== null;
    if (adminTls && p.secrets.tls && ctx.tls && p.secrets.tls.cert !== ctx.tls.cert)
        warnings.push(`This hub serves the certificate of WGHUB_TLS_CERT (${ctx.config.tlsCertFile}), not the backup's: install commands made before the backup pin the old key and will not connect.`);

    const release = ctx.db.holdWrites(() => new HubError("HUB_RESTORING", "The hub is being restored from a backup", "Try again in a few seconds."));
    try {
        return await ctx.db.writeTx(async t => {
            const existing = await ctx.db.models.Hub.findByPk(1, { transaction: t });
            if (existing && !force)
                throw new HubError("HUB_ALREADY_INITIALIZED", "This hub is already initialised",
                    "Restoring replaces every spoke, token and key it has: send force (wireguard-hub restore FILE --force) to do it anyway.");
            if (ctx.mesh && await ctx.db.models.Member.count({ where: { name: { [Op.ne]: ctx.config.hubName } }, transaction: t }))
                throw new HubError("HUB_HAS_OTHER_HUBS", "Other hubs share this database: a restore would replace their spokes and addresses too",
                    "Restore into a database of its own, or rely on PostgreSQL's own backups for a network of hubs (docs/multi-hub.md).");
            await ctx.db.models.Member.destroy({ where: {}, transaction: t });
            for (const key of [...order].reverse())
                await (ctx.db.models[key] as unknown as { destroy(o: object): Promise<number> }).destroy({ where: {}, transaction: t });
            for (const key of order) await insertRows(ctx, key, p.rows[key], t);
            if (ctx.mesh) {
                // The restored hub is this one, and so are all its spokes.
                await writeFounder(ctx, t, (await ctx.db.models.Hub.findByPk(1, { transaction: t }))!);
                await ctx.db.models.Spoke.update({ hubName: ctx.config.hubName }, { where: {}, transaction: t, silent: true });
            }
            if (ctx.db.dialect === "postgres")
                await ctx.db.sequelize.query(`SELECT setval(pg_get_serial_sequence('${tables.audit}', 'id'), COALESCE((SELECT MAX(id) FROM ${tables.audit}), 0) + 1, false)`, { transaction: t });
            const staged = [stageFile(privateKeyFile(ctx), p.secrets.hubPrivateKey + "\n", 0o600)];
            if (p.secrets.tls && !adminTls) {
                staged.push(stageFile(path.join(tlsDir(ctx), "key.pem"), p.secrets.tls.key, 0o600));
                staged.push(stageFile(path.join(tlsDir(ctx), "cert.pem"), p.secrets.tls.cert, 0o644));
            }
            onRollback(t, () => dropStagedFiles(staged));
            await record(ctx, t, actor, "hub.restored", null, { backupMadeAt: header.createdAt, spokes: p.rows.Spoke.length, replaced: existing !== null });
            afterCommit(t, async () => {
                installStagedFiles(staged);
                await hubReplaced(ctx, await ctx.db.models.Hub.findByPk(1), "hub restored from a backup");
                ctx.log.info("hub restored from a backup", { backupMadeAt: header.createdAt, spokes: p.rows.Spoke.length, tokens: p.rows.Token.length });
            });
            const pending = p.rows.Token.filter(r => r.state === "pending" && new Date(String(r.expiresAt)).getTime() > ctx.now().getTime()).length;
            return { spokes: p.rows.Spoke.length, pendingTokens: pending, createdAt: header.createdAt, warnings };
        }, { whileHeld: true });
    } finally {
        release();
    }
}

const chunk = 500;

async function insertRows(ctx: HubContext, key: TableKey, rows: Record<string, unknown>[], t: Transaction): Promise<void> {
    const model = ctx.db.models[key] as unknown as { getAttributes(): Record<string, unknown>; bulkCreate(r: object[], o: object): Promise<unknown> };
    const columns = Object.keys(model.getAttributes());
    // Only the columns this build knows; those an older backup lacks take their defaults.
    const known = rows.map(r => Object.fromEntries(columns.filter(c => c in r).map(c => [c, r[c]])));
    try {
        for (let i = 0; i < known.length; i += chunk)
            await model.bulkCreate(known.slice(i, i + chunk), { transaction: t, validate: true, hooks: false });
    } catch (err) {
        throw invalid(`The backup's ${tables[tableOf(key)]} could not be written back: ${err instanceof Error ? err.message : String(err)}`);
    }
}
