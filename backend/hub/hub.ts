// The hub itself: initialisation, its settings, and its key (kept in a 0600 file, never in
// the database or an answer).
import fs from "node:fs";
import { Op } from "sequelize";
import path from "node:path";
import type { HubContext, Actor } from "../context";
import type { HubRow } from "../db/models";
import { afterCommit, onRollback } from "../db/connect";
import { HubError } from "../errors";
import { syncDirectory, writeFileAtomic } from "../fsutil";
import { addressAt, hostCount, type Network } from "../ipam/cidr";
import { generateKeyPair, publicKeyOf } from "../wireguard/keys";
import { record } from "../audit/audit";
import { peersChanged } from "../context";
import type { Member } from "../hubs/mesh";
import { identityOf, writeFounder } from "../hubs/members";

export interface HubSettings {
    network: Network;
    network6: Network | null;
    listenPort: number;
    publicEndpoint: string;
    privateEndpoint: string | null;
    dns: string[];
}

export interface HubConfigView {
    id: number;
    interfaceName: string;
    interfaceAddress: string;
    interfaceAddressV6: string | null;
    listenPort: number;
    publicKey: string;
    networkCIDR: string;
    networkCIDRv6: string | null;
    publicEndpoint: string;
    privateEndpoint: string | null;
    dns: string[];
    persistentKeepalive: number;
    publicUrl: string;
    tlsPin: string | null;
    createdAt: string;
    updatedAt: string;
}

export function privateKeyFile(ctx: HubContext): string {
    return path.join(ctx.config.dataDir, "hub.key");
}

// The hub row is read by every registration and script download, and changes only through
// initialize() and updateConfig(), which forget it once they commit.
const hubRows = new WeakMap<HubContext, Promise<HubRow | null>>();

export function loadHub(ctx: HubContext): Promise<HubRow | null> {
    let row = hubRows.get(ctx);
    if (!row) {
        row = ctx.db.models.Hub.findByPk(1).then(hub => {
            // Other hubs share this database and this one has not joined them: nothing is its own yet.
            if (!hub || (ctx.mesh && ctx.mesh.all().length && !ctx.mesh.self())) return null;
            return asMember(ctx, hub, ctx.mesh?.self() ?? null);
        });
        hubRows.set(ctx, row);
        row.catch(() => hubRows.delete(ctx));
    }
    return row;
}

/**
 * The hub row as one hub of several sees it: the network's settings, with that hub's own key,
 * tunnel address and endpoints (the first hub's are the row's own).
 */
function asMember(ctx: HubContext, hub: HubRow, member: Member | null): HubRow {
    if (!member || member.publicKey === hub.publicKey) return hub;
    return ctx.db.models.Hub.build({ ...hub.get({ plain: true }), ...identityOf(member) }, { isNewRecord: false, raw: true });
}

/** The hub row as the hub named `name` sees it (this hub's when the name is null or unknown). */
export async function hubNamed(ctx: HubContext, name: string | null): Promise<HubRow> {
    const member = name !== null && name !== ctx.config.hubName ? ctx.mesh?.member(name) ?? null : null;
    // This hub's cached row: the member's identity fields replace all of its own.
    const hub = await requireHub(ctx);
    return member ? asMember(ctx, hub, member) : hub;
}

export function forgetHub(ctx: HubContext): void {
    hubRows.delete(ctx);
}

export async function requireHub(ctx: HubContext): Promise<HubRow> {
    const hub = await loadHub(ctx);
    if (!hub) throw new HubError("HUB_NOT_INITIALIZED", "The hub is not initialised yet", "Run the setup wizard, or POST /api/hub/initialize.");
    return hub;
}

export function parseDns(hub: HubRow): string[] {
    return JSON.parse(hub.dns) as string[];
}

/** The base URL spokes use for the public API. */
export function publicUrl(ctx: HubContext, hub: HubRow): string {
    if (ctx.config.publicUrl) return ctx.config.publicUrl;
    const host = hub.publicEndpoint.slice(0, hub.publicEndpoint.lastIndexOf(":"));
    return `${ctx.config.tls ? "https" : "http"}://${host}:${ctx.config.publicListen.port}`;
}

export function configView(ctx: HubContext, hub: HubRow): HubConfigView {
    return {
        id: hub.id,
        interfaceName: ctx.config.interfaceName,
        interfaceAddress: hub.interfaceAddress,
        interfaceAddressV6: hub.interfaceAddressV6,
        listenPort: hub.listenPort,
        publicKey: hub.publicKey,
        networkCIDR: hub.networkCIDR,
        networkCIDRv6: hub.networkCIDRv6,
        publicEndpoint: hub.publicEndpoint,
        privateEndpoint: hub.privateEndpoint,
        dns: parseDns(hub),
        persistentKeepalive: hub.keepalive,
        publicUrl: publicUrl(ctx, hub),
        tlsPin: ctx.tls?.pin ?? null,
        createdAt: hub.createdAt.toISOString(),
        updatedAt: hub.updatedAt.toISOString(),
    };
}

export async function initialize(ctx: HubContext, settings: HubSettings, force: boolean, actor: Actor):
    Promise<{ hub: HubRow; removedSpokes: number }> {
    // A spoke's IPv6 address has its IPv4 host number: the IPv6 network must hold every one.
    if (settings.network6 && hostCount(settings.network6) < hostCount(settings.network))
        throw new HubError("VALIDATION_FAILED", `The IPv6 network ${settings.network6.cidr} is smaller than ${settings.network.cidr}`,
            "Spokes get the same host number in both networks: pick an IPv6 prefix with at least as many addresses (a /64 is usual).",
            { field: "networkCIDRv6" });
    const keys = generateKeyPair();
    return ctx.db.writeTx(async t => {
        const existing = await ctx.db.models.Hub.findByPk(1, { transaction: t });
        const others = ctx.mesh ? await ctx.db.models.Member.count({ where: { name: { [Op.ne]: ctx.config.hubName } }, transaction: t }) : 0;
        if (others)
            throw new HubError("HUB_HAS_OTHER_HUBS", "Other hubs share this database: a new key and network would cut them and all their spokes",
                "To add this machine as one more hub: wireguard-hub join --public-endpoint HOST:PORT. To start over, stop the other hubs and remove them first (docs/multi-hub.md).");
        if (existing && !force)
            throw new HubError("HUB_ALREADY_INITIALIZED", "The hub is already initialised",
                "Change endpoints and DNS with PUT /api/hub/config. To start over with a new key and network, send force: true; every spoke must then re-enroll.");
        let removed = 0;
        if (existing) {
            await ctx.db.models.Member.destroy({ where: {}, transaction: t });
            removed = await ctx.db.models.Spoke.count({ transaction: t });
            await ctx.db.models.Token.destroy({ where: {}, transaction: t });
            await ctx.db.models.Allocation.destroy({ where: {}, transaction: t });
            await ctx.db.models.Spoke.destroy({ where: {}, transaction: t });
            await existing.destroy({ transaction: t });
        }
        const now = ctx.now();
        const row = await ctx.db.models.Hub.create({
            id: 1,
            networkCIDR: settings.network.cidr,
            networkCIDRv6: settings.network6?.cidr ?? null,
            interfaceAddress: `${addressAt(settings.network, 1)}/${settings.network.prefix}`,
            interfaceAddressV6: settings.network6 ? `${addressAt(settings.network6, 1)}/${settings.network6.prefix}` : null,
            listenPort: settings.listenPort,
            publicKey: keys.publicKey,
            publicEndpoint: settings.publicEndpoint,
            privateEndpoint: settings.privateEndpoint,
            dns: JSON.stringify(settings.dns),
            generation: (existing?.generation ?? 0) + 1,
            createdAt: now,
            updatedAt: now,
        }, { transaction: t });
        // The new key is staged beside the running one and takes its place only once the
        // row holding its public key has committed: a failure in between leaves the running
        // hub, its key file and every tunnel as they were. (A crash in between is settled at
        // the next start by recoverStagedKey.)
        const staged = stageFile(privateKeyFile(ctx), keys.privateKey + "\n", 0o600);
        onRollback(t, () => dropStagedFiles([staged]));
        if (ctx.mesh) await writeFounder(ctx, t, row);
        await record(ctx, t, actor, existing ? "hub.reinitialized" : "hub.initialized", settings.network.cidr,
            { listenPort: settings.listenPort, publicEndpoint: settings.publicEndpoint, removedSpokes: removed });
        // Run in the write queue before the next transaction: no request sees the new row
        // with the old key file, or takes an address from the old network's pool.
        afterCommit(t, async () => {
            installStagedFiles([staged]);
            await hubReplaced(ctx, row, "hub initialised");
            ctx.log.info(removed ? "hub re-initialised; previous spokes removed and must re-enroll" : "hub initialised",
                { network: row.networkCIDR, listenPort: row.listenPort, removedSpokes: removed });
        });
        return { hub: row, removedSpokes: removed };
    });
}

/**
 * After the hub row was replaced (initialised, re-initialised, restored) and committed, in the
 * write queue before the next transaction: no request sees the new row with old caches, or
 * takes an address from the old network's pool.
 */
export async function hubReplaced(ctx: HubContext, row: HubRow | null, reason: string): Promise<void> {
    await ctx.mesh?.membersChanged();
    forgetHub(ctx);
    ctx.live.update([], ctx.now());
    ctx.desired.invalidate();
    await ctx.addresses.load(row);
    await refreshTlsOrWarn(ctx);
    await rememberLastEndpoints(ctx);
    peersChanged(ctx, reason);
}

/** Hands WireGuard where each spoke was last seen, so that a new interface reaches them first. */
export async function rememberLastEndpoints(ctx: HubContext): Promise<void> {
    if (!ctx.wireguard) return;
    const rows = await ctx.db.models.Spoke.findAll({
        attributes: ["publicKey", "endpoint"], where: { enabled: true, endpoint: { [Op.ne]: null } }, raw: true,
    });
    ctx.wireguard.rememberEndpoints(new Map(rows.map(r => [r.publicKey, r.endpoint!])));
}

/** A file written beside the one it replaces, put in place only once its transaction committed. */
export interface StagedFile {
    target: string;
    staged: string;
}

export function stageFile(target: string, content: string, mode: number): StagedFile {
    const staged = `${target}.new`;
    writeFileAtomic(staged, content, mode);
    return { target, staged };
}

export function dropStagedFiles(files: StagedFile[]): void {
    for (const f of files) fs.rmSync(f.staged, { force: true });
}

/** The hub key goes last: at the next start, a staged key still there means the others may be too. */
export function installStagedFiles(files: StagedFile[]): void {
    const ordered = [...files].sort((a, b) => Number(a.target.endsWith("hub.key")) - Number(b.target.endsWith("hub.key")));
    for (const f of ordered) {
        if (!fs.existsSync(f.staged)) continue;
        fs.renameSync(f.staged, f.target);
        syncDirectory(path.dirname(f.target));
    }
}

function stagedAtStart(ctx: HubContext): StagedFile[] {
    const tls = path.join(ctx.config.dataDir, "tls");
    return [path.join(tls, "key.pem"), path.join(tls, "cert.pem"), privateKeyFile(ctx)]
        .map(target => ({ target, staged: `${target}.new` }));
}

/**
 * At start: files staged by an initialisation or a restore whose commit the process did not
 * outlive take their places if the database holds the staged key's public key, and are
 * dropped otherwise.
 */
export async function recoverStagedKey(ctx: HubContext): Promise<void> {
    const files = stagedAtStart(ctx);
    const keyFile = files[files.length - 1];
    if (!fs.existsSync(keyFile.staged)) {
        dropStagedFiles(files);
        return;
    }
    const hub = await loadHub(ctx);
    const key = readKeyFile(keyFile.staged);
    if (hub && key && publicKeyOf(key) === hub.publicKey) {
        installStagedFiles(files);
        ctx.log.info("hub key of the last initialisation or restore put in place", { file: keyFile.target });
    } else {
        dropStagedFiles(files);
    }
}

/** A TLS refresh that fails leaves the old certificate serving; the change it follows stands. */
async function refreshTlsOrWarn(ctx: HubContext): Promise<void> {
    try {
        await ctx.refreshTls();
    } catch (err) {
        ctx.log.error("the enrollment certificate could not be re-issued for the new endpoints; the previous one keeps serving",
            { error: err instanceof Error ? err.message : String(err), hint: "Check WGHUB_DATA_DIR is writable, then restart the service." });
    }
}

export interface HubConfigUpdate {
    publicEndpoint?: string;
    privateEndpoint?: string | null;
    dns?: string[];
}

export async function updateConfig(ctx: HubContext, update: HubConfigUpdate, actor: Actor): Promise<HubRow> {
    return ctx.db.writeTx(async t => {
        const row = await ctx.db.models.Hub.findByPk(1, { transaction: t });
        if (!row) throw new HubError("HUB_NOT_INITIALIZED", "The hub is not initialised yet", "Run the setup wizard first.");
        // Endpoints are each hub's own; DNS is the network's. The first hub's are the hub row's too.
        const member = ctx.mesh ? await ctx.db.models.Member.findByPk(ctx.config.hubName, { transaction: t }) : null;
        const endpoints = {
            ...(update.publicEndpoint !== undefined ? { publicEndpoint: update.publicEndpoint } : {}),
            ...(update.privateEndpoint !== undefined ? { privateEndpoint: update.privateEndpoint } : {}),
        };
        if (!member || member.publicKey === row.publicKey) Object.assign(row, endpoints);
        if (update.dns !== undefined) row.dns = JSON.stringify(update.dns);
        row.updatedAt = ctx.now();
        await row.save({ transaction: t });
        if (member) {
            Object.assign(member, endpoints);
            member.publicUrl = publicUrl(ctx, asMember(ctx, row, member));
            member.updatedAt = ctx.now();
            await member.save({ transaction: t });
        }
        await record(ctx, t, actor, "hub.config_changed", null, { ...update });
        afterCommit(t, async () => {
            if (member) await ctx.mesh?.membersChanged();
            forgetHub(ctx);
            await refreshTlsOrWarn(ctx);
        });
        return asMember(ctx, row, member?.get({ plain: true }) ?? null);
    });
}

const wireguardKey = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/** A WireGuard key file's key, or null when it is missing or holds anything else. */
function readKeyFile(file: string): string | null {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8").trim();
    } catch {
        return null;
    }
    return wireguardKey.test(text) ? text : null;
}

export function readPrivateKey(ctx: HubContext): string | null {
    return readKeyFile(privateKeyFile(ctx));
}

/**
 * The hub's private key file, checked against the public key in the database before
 * WireGuard is given it: a damaged file, or one from another initialisation, would cut every
 * spoke. The error names the file, never its content.
 */
export function checkedPrivateKeyFile(ctx: HubContext, hub: HubRow): string {
    const file = privateKeyFile(ctx);
    const key = readKeyFile(file);
    if (!key)
        throw new HubError("INTERNAL", `The hub's private key file ${file} is missing or is not a WireGuard key`,
            "Restore it from a backup (wireguard-hub restore), or re-initialise the hub (every spoke must then re-enroll).");
    if (publicKeyOf(key) !== hub.publicKey)
        throw new HubError("INTERNAL", `The hub's private key file ${file} does not belong to the hub's public key in the database`,
            "Restore the key file that matches the database from a backup; until then WireGuard keeps the key it has.");
    return file;
}
