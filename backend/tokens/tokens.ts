// Installation tokens: 256 random bits shown once, stored only as SHA-256. A token reserves
// its spoke's address from creation; revoking or expiry frees it.
import crypto from "node:crypto";
import { literal, Op, type Transaction } from "sequelize";
import type { HubContext, Actor } from "../context";
import { tables, type HubRow, type TokenRow, type TokenState } from "../db/models";
import { columnList } from "../db/sql";
import { HubError } from "../errors";
import { record } from "../audit/audit";
import { publicUrl, requireHub } from "../hub/hub";
import { contains, ipFamily, overlaps, parseCidr, type Network } from "../ipam/cidr";
import { endpointHost } from "../contract/fields";

export function hashToken(token: string): string {
    return crypto.createHash("sha256").update(token).digest("hex");
}

export interface NewToken {
    /** '' for a cluster token: each node is named after itself. */
    spokeName: string;
    customIP: string | null;
    datacenter: string | null;
    subnets: Network[];
    ttlMs: number | null;
    /** Re-enroll an existing spoke (reinstalled machine, key rotation). */
    spokeId: string | null;
    /** A Proxmox VE cluster token: up to maxUses nodes, each its own spoke. */
    cluster: { name: string | null; maxUses: number } | null;
    /** The hub its spokes go to, among hubs sharing the database (null: this one). */
    hubName?: string | null;
}

export interface TokenView {
    id: string;
    tokenPrefix: string;
    /** null for a cluster token: its spokes are made as its nodes register. */
    spokeId: string | null;
    spokeName: string;
    purpose: "enroll" | "reenroll" | "cluster";
    allowedIPs: string[];
    subnets: string[];
    datacenter: string | null;
    state: TokenState;
    used: boolean;
    createdAt: string;
    expiresAt: string;
    usedAt: string | null;
    revokedAt: string | null;
    proxmoxCluster: string | null;
    maxUses: number;
    uses: number;
    usesLeft: number;
    /** The nodes registered with it (cluster tokens). */
    nodes: string[];
    hub: string | null;
}

export function effectiveState(row: Pick<TokenRow, "state" | "expiresAt">, now: Date): TokenState {
    return row.state === "pending" && row.expiresAt.getTime() <= now.getTime() ? "expired" : row.state;
}

// join() makes one flat string; a template makes a pair of strings (V8 keeps "a" + "b" as two
// pieces), and the hub keeps one of these for each of its spokes.
const hostCidr = (address: string, bits: number) => [address, bits].join("/");

export function allowedIPsOf(address: string, addressV6: string | null, subnets: readonly string[]): string[] {
    return [hostCidr(address, 32), ...(addressV6 ? [hostCidr(addressV6, 128)] : []), ...subnets];
}

export function tokenView(row: TokenRow, now: Date, nodes: string[] = []): TokenView {
    const subnets = JSON.parse(row.subnets) as string[];
    const state = effectiveState(row, now);
    const cluster = row.purpose === "cluster";
    const live = state === "pending";
    return {
        id: row.id,
        tokenPrefix: row.tokenPrefix,
        spokeId: cluster ? null : row.spokeId,
        spokeName: row.spokeName,
        purpose: row.purpose,
        allowedIPs: cluster ? [] : allowedIPsOf(row.address, row.addressV6, subnets),
        subnets,
        datacenter: row.datacenter,
        state,
        used: state === "used",
        createdAt: row.createdAt.toISOString(),
        expiresAt: row.expiresAt.toISOString(),
        usedAt: row.usedAt?.toISOString() ?? null,
        revokedAt: row.revokedAt?.toISOString() ?? null,
        proxmoxCluster: row.proxmoxCluster ?? null,
        maxUses: row.maxUses,
        uses: row.uses,
        usesLeft: live ? row.maxUses - row.uses : 0,
        nodes,
        hub: row.hubName ?? null,
    };
}

export function checkSubnets(ctx: HubContext, hub: HubRow, subnets: Network[]): void {
    const own = [ctx.addresses.network, ctx.addresses.network6].filter((n): n is Network => !!n);
    // An endpoint given as an address: routing it into the tunnel would send the tunnel's own packets into itself.
    const endpoints = [hub.publicEndpoint, hub.privateEndpoint].filter((e): e is string => !!e).map(endpointHost).filter(h => ipFamily(h) !== null);
    for (const s of subnets) {
        if (own.some(n => overlaps(n, s)))
            throw new HubError("VALIDATION_FAILED", `Routed subnet ${s.cidr} overlaps the hub's network`,
                "Routed subnets are networks behind the spoke (a LAN, Proxmox VM networks), outside the tunnel network.", { field: "subnets" });
        const endpoint = endpoints.find(h => ipFamily(h) === s.family && contains(s, h));
        if (endpoint)
            throw new HubError("VALIDATION_FAILED", `Routed subnet ${s.cidr} contains the hub's endpoint ${endpoint}`,
                "Every spoke would send its tunnel's own packets into the tunnel and lose the hub. Route a narrower network that leaves the hub's address out.",
                { field: "subnets" });
    }
}

/**
 * WireGuard routes an address range to one peer only: a subnet another spoke (or a pending
 * token) already routes would be moved silently to the new spoke. A re-enrollment keeps its own.
 */
export async function checkSubnetsFree(ctx: HubContext, t: Transaction, subnets: Network[], ownSpokeId: string | null): Promise<void> {
    if (!subnets.length) return;
    const notOwn = ownSpokeId ? { [Op.ne]: ownSpokeId } : { [Op.ne]: "" };
    const [spokes, tokens] = await Promise.all([
        ctx.db.models.Spoke.findAll({ where: { id: notOwn, subnets: { [Op.ne]: "[]" } }, attributes: ["name", "subnets"], raw: true, transaction: t }),
        ctx.db.models.Token.findAll({
            where: { spokeId: notOwn, state: "pending", subnets: { [Op.ne]: "[]" } }, attributes: ["spokeName", "subnets"], raw: true, transaction: t,
        }),
    ]);
    const holders = [...spokes.map(r => ({ name: r.name, subnets: r.subnets })), ...tokens.map(r => ({ name: r.spokeName, subnets: r.subnets }))];
    for (const holder of holders) {
        for (const cidr of JSON.parse(holder.subnets) as string[]) {
            const theirs = parseCidr(cidr);
            const clash = theirs && subnets.find(s => overlaps(s, theirs));
            if (clash)
                throw new HubError("ADDRESS_TAKEN", `Routed subnet ${clash.cidr} overlaps ${cidr}, routed by ${holder.name}`,
                    "A network can be routed behind one spoke only. Remove it from the other spoke (or revoke its token) first.", { field: "subnets" });
        }
    }
}

/**
 * A one-liner fetched over plain HTTP runs as root whatever anyone on the path puts in it:
 * refused unless the admin says a TLS proxy stands in front (or it is a test).
 */
function assertSecureEnrollment(ctx: HubContext, hub: HubRow): void {
    if (ctx.config.allowHttpEnrollment || publicUrl(ctx, hub).startsWith("https://")) return;
    throw new HubError("INSECURE_ENROLLMENT", "The enrollment URL is plain HTTP: anyone on the path could run commands as root on the spoke",
        "Turn TLS on (WGHUB_TLS=on, the default), or put a TLS proxy in front and set WGHUB_PUBLIC_URL=https://…; "
        + "only if a TLS proxy already protects this URL, set WGHUB_ALLOW_HTTP_ENROLLMENT=yes in /etc/wireguard-hub/hub.env.");
}

type TokenFields = Pick<TokenRow, "spokeId" | "spokeName" | "purpose" | "address" | "addressV6" | "subnets" | "datacenter" | "expiresAt">
    & { hubName?: string | null };

/** A pending token's row: only the secret's hash and its first characters are stored. */
function insertToken(ctx: HubContext, t: Transaction, token: string, now: Date, fields: TokenFields,
    cluster?: { id: string; maxUses: number; proxmoxCluster: string | null }): Promise<TokenRow> {
    return ctx.db.models.Token.create({
        id: cluster?.id ?? crypto.randomUUID(),
        ...(cluster ? { maxUses: cluster.maxUses, proxmoxCluster: cluster.proxmoxCluster } : {}),
        tokenHash: hashToken(token),
        tokenPrefix: token.slice(0, 6),
        ...fields,
        state: "pending",
        usedAt: null,
        revokedAt: null,
        createdAt: now,
        updatedAt: now,
    }, { transaction: t });
}

/** A token may send its spoke to another hub of the network, if there is one by that name. */
function checkHubName(ctx: HubContext, name: string | null | undefined): void {
    if (!name || name === ctx.config.hubName) return;
    if (!ctx.mesh?.member(name))
        throw new HubError("HUB_MEMBER_NOT_FOUND", `No hub named ${name} in this network`,
            "See the hubs with wireguard-hub hub list (or GET /api/hub/list), or leave hub out for this one.", { field: "hub" });
}

export async function createToken(ctx: HubContext, input: NewToken, actor: Actor): Promise<{ row: TokenRow; token: string }> {
    const hub = await requireHub(ctx);
    assertSecureEnrollment(ctx, hub);
    checkHubName(ctx, input.hubName);
    if (input.cluster) return createClusterToken(ctx, input, input.cluster, actor);
    checkSubnets(ctx, hub, input.subnets);
    const token = crypto.randomBytes(32).toString("base64url");
    const now = ctx.now();
    const row = await ctx.db.writeTx(async t => {
        let address: string, addressV6: string | null, spokeId: string;
        let subnets = input.subnets.map(s => s.cidr);
        let datacenter = input.datacenter;
        await checkSubnetsFree(ctx, t, input.subnets, input.spokeId);
        if (input.spokeId) {
            const spoke = await ctx.db.models.Spoke.findByPk(input.spokeId, { transaction: t });
            if (!spoke) throw new HubError("SPOKE_NOT_FOUND", "No spoke with this id", "Reload the spoke list; it may have been removed.");
            if (input.customIP && input.customIP !== spoke.address)
                throw new HubError("VALIDATION_FAILED", "A re-enrollment keeps the spoke's address", "Leave customIP empty.", { field: "customIP" });
            ({ address, addressV6 } = spoke);
            spokeId = spoke.id;
            if (!input.subnets.length) subnets = JSON.parse(spoke.subnets) as string[];
            datacenter ??= spoke.datacenter;
            // One live re-enrollment token per spoke: a newer one replaces the older.
            await ctx.db.models.Token.update({ state: "revoked", revokedAt: now },
                { where: { spokeId, state: "pending" }, transaction: t });
        } else {
            spokeId = crypto.randomUUID();
            ({ address, addressV6 } = await ctx.addresses.allocate(t, spokeId, input.customIP));
        }
        const created = await insertToken(ctx, t, token, now, {
            spokeId, spokeName: input.spokeName, purpose: input.spokeId ? "reenroll" : "enroll", address, addressV6,
            subnets: JSON.stringify(subnets), datacenter, expiresAt: new Date(now.getTime() + (input.ttlMs ?? ctx.config.tokenTtlMs)),
            hubName: input.hubName ?? null,
        });
        await record(ctx, t, actor, input.spokeId ? "token.created_reenroll" : "token.created", input.spokeName,
            { tokenId: created.id, tokenPrefix: created.tokenPrefix, address, expiresAt: created.expiresAt.toISOString() });
        return created;
    });
    return { row, token };
}

/** What a token's audit entries name: its spoke, or a cluster token's cluster. */
function subjectOf(row: Pick<TokenRow, "purpose" | "spokeName" | "proxmoxCluster">): string {
    return row.purpose === "cluster" ? row.proxmoxCluster ?? "Proxmox VE cluster" : row.spokeName;
}

/**
 * A token for a whole Proxmox VE cluster: no address is reserved (each node gets its own when
 * it registers), and its spokeId is its own id, which no spoke ever has.
 */
async function createClusterToken(ctx: HubContext, input: NewToken, cluster: { name: string | null; maxUses: number }, actor: Actor):
    Promise<{ row: TokenRow; token: string }> {
    const refuse = (field: string) => new HubError("VALIDATION_FAILED", `A cluster token does not take ${field}`,
        "Each node is named after itself and gets its own address: leave spokeName, customIP, subnets and spokeId out.", { field });
    if (input.spokeName) throw refuse("spokeName");
    if (input.customIP) throw refuse("customIP");
    if (input.subnets.length) throw refuse("subnets");
    if (input.spokeId) throw refuse("spokeId");
    const token = crypto.randomBytes(32).toString("base64url");
    const now = ctx.now();
    const id = crypto.randomUUID();
    const row = await ctx.db.writeTx(async t => {
        const created = await insertToken(ctx, t, token, now, {
            spokeId: id, spokeName: "", purpose: "cluster", address: "", addressV6: null, subnets: "[]",
            datacenter: input.datacenter, expiresAt: new Date(now.getTime() + (input.ttlMs ?? ctx.config.tokenTtlMs)),
            hubName: input.hubName ?? null,
        }, { id, maxUses: cluster.maxUses, proxmoxCluster: cluster.name });
        await record(ctx, t, actor, "token.created_cluster", subjectOf(created),
            { tokenId: created.id, tokenPrefix: created.tokenPrefix, maxUses: cluster.maxUses, expiresAt: created.expiresAt.toISOString() });
        return created;
    });
    return { row, token };
}

/**
 * Every token, newest first; `waiting`: only those the page shows as spokes waiting for
 * enrollment, picked by the database (a big hub has as many used tokens as spokes): unused,
 * unexpired enrollment tokens whose spoke has not registered, and cluster tokens still usable.
 */
export async function listTokens(ctx: HubContext, { waiting = false } = {}): Promise<TokenView[]> {
    const now = ctx.now();
    const rows = await ctx.db.models.Token.findAll({
        where: waiting ? {
            state: "pending",
            expiresAt: { [Op.gt]: now },
            [Op.or]: [
                { purpose: "cluster" },
                { purpose: "enroll", spokeId: { [Op.notIn]: literal(`(SELECT id FROM ${tables.spokes})`) } },
            ],
        } : {},
        order: [["createdAt", "DESC"]],
    });
    const clusterTokens = rows.filter(r => r.purpose === "cluster").map(r => r.id);
    const nodes = new Map<string, string[]>();
    if (clusterTokens.length) {
        const uses = await ctx.db.models.TokenUse.findAll({ where: { tokenId: clusterTokens }, order: [["createdAt", "ASC"]], raw: true });
        for (const use of uses) nodes.set(use.tokenId, [...nodes.get(use.tokenId) ?? [], use.nodeName]);
    }
    return rows.map(r => tokenView(r, now, nodes.get(r.id)));
}

/** Revokes a token not used yet. Conditional: a registration that commits first wins, and then this changes nothing. */
async function revokeUnused(ctx: HubContext, t: Transaction, id: string, now: Date): Promise<boolean> {
    const [changed] = await ctx.db.models.Token.update({ state: "revoked", revokedAt: now },
        { where: { id, state: { [Op.in]: ["pending", "expired"] } }, transaction: t });
    return changed > 0;
}

/** Frees the address a token reserved, unless its spoke exists (re-enroll tokens, used ones). */
async function releaseTokenAddress(ctx: HubContext, t: Transaction, row: TokenRow): Promise<void> {
    if (row.purpose !== "enroll") return;
    const spoke = await ctx.db.models.Spoke.findByPk(row.spokeId, { transaction: t, attributes: ["id"] });
    if (!spoke) await ctx.addresses.release(t, row.spokeId);
}

export async function revokeToken(ctx: HubContext, id: string, actor: Actor): Promise<TokenRow> {
    return ctx.db.writeTx(async t => {
        const row = await ctx.db.models.Token.findByPk(id, { transaction: t });
        if (!row) throw new HubError("TOKEN_NOT_FOUND", "No token with this id", "Reload the token list.");
        const now = ctx.now();
        const state = effectiveState(row, now);
        if (state === "used")
            throw new HubError("TOKEN_NOT_REVOCABLE", "This token was already used to register a spoke",
                "To take that spoke off the hub, remove or disable the spoke instead.");
        if (state === "revoked") return row;
        if (!await revokeUnused(ctx, t, id, now)) throw new HubError("TOKEN_NOT_REVOCABLE", "This token was just used to register a spoke", "Remove the spoke instead.");
        await releaseTokenAddress(ctx, t, row);
        await record(ctx, t, actor, "token.revoked", subjectOf(row), { tokenId: row.id, tokenPrefix: row.tokenPrefix });
        await row.reload({ transaction: t });
        return row;
    });
}

/**
 * A new command for a spoke still waiting (a lost or expired one): in one transaction the old
 * token is revoked and a new one made for the same spoke id, name, address, subnets and
 * datacenter, with the old one's lifetime from now. The address never leaves the spoke.
 */
export async function reissueToken(ctx: HubContext, id: string, actor: Actor): Promise<{ row: TokenRow; token: string }> {
    assertSecureEnrollment(ctx, await requireHub(ctx));
    const token = crypto.randomBytes(32).toString("base64url");
    const row = await ctx.db.writeTx(async t => {
        const old = await ctx.db.models.Token.findByPk(id, { transaction: t });
        if (!old) throw new HubError("TOKEN_NOT_FOUND", "No token with this id", "Reload the token list.");
        const now = ctx.now();
        const state = effectiveState(old, now);
        if (state === "used")
            throw new HubError("TOKEN_NOT_REVOCABLE", "This token was already used to register a spoke", "Its spoke is enrolled: re-enroll it from its row instead.");
        if (state === "revoked")
            throw new HubError("TOKEN_NOT_REVOCABLE", "This token was revoked", "Make a new token for the spoke.");
        if (old.purpose === "cluster")
            throw new HubError("TOKEN_NOT_REVOCABLE", "A cluster token is not re-issued", "Revoke it and make a new cluster token (\"Add nodes\" on the cluster) for the nodes still missing.");
        if (!await revokeUnused(ctx, t, id, now)) throw new HubError("TOKEN_NOT_REVOCABLE", "This token was just used to register a spoke", "Its spoke is enrolled.");
        // An expired token's address may have been swept back to the pool: take it again.
        if (old.purpose === "enroll" && !await ctx.db.models.Allocation.findOne({ where: { spokeId: old.spokeId }, transaction: t }))
            await ctx.addresses.allocate(t, old.spokeId, old.address);
        const given = old.expiresAt.getTime() - old.createdAt.getTime();
        const lifetime = given > 0 ? given : ctx.config.tokenTtlMs;
        const created = await insertToken(ctx, t, token, now, {
            spokeId: old.spokeId, spokeName: old.spokeName, purpose: old.purpose, address: old.address, addressV6: old.addressV6,
            subnets: old.subnets, datacenter: old.datacenter, expiresAt: new Date(now.getTime() + lifetime), hubName: old.hubName,
        });
        await record(ctx, t, actor, "token.reissued", old.spokeName,
            { tokenId: created.id, replaces: old.id, tokenPrefix: created.tokenPrefix, address: old.address, expiresAt: created.expiresAt.toISOString() });
        return created;
    });
    return { row, token };
}

/** Marks tokens past their time as expired and frees their addresses. */
export async function sweepExpired(ctx: HubContext): Promise<number> {
    const now = ctx.now();
    const due = await ctx.db.models.Token.findAll({
        where: { state: "pending", expiresAt: { [Op.lte]: now } },
        attributes: ["id"],
        limit: 1000,
        raw: true,
    });
    if (!due.length) return 0;
    return ctx.db.writeTx(async t => {
        let swept = 0;
        for (const { id } of due) {
            const row = await ctx.db.models.Token.findByPk(id, { transaction: t });
            if (!row || row.state !== "pending") continue;
            const [changed] = await ctx.db.models.Token.update({ state: "expired" },
                { where: { id, state: "pending" }, transaction: t });
            if (!changed) continue;
            await releaseTokenAddress(ctx, t, row);
            swept++;
        }
        if (swept) ctx.log.info("expired tokens swept", { count: swept });
        return swept;
    });
}

/** What registration and the script route read of a token. */
export type TokenFacts = Pick<TokenRow, "id" | "spokeId" | "spokeName" | "purpose" | "address" | "addressV6"
    | "subnets" | "datacenter" | "state" | "expiresAt" | "maxUses" | "uses" | "proxmoxCluster" | "hubName">;

const tokenFactsSelect = `SELECT ${columnList<TokenRow>(["id", "spokeId", "spokeName", "purpose", "address", "addressV6", "subnets",
    "datacenter", "state", "expiresAt", "maxUses", "uses", "proxmoxCluster", "hubName"])} FROM ${tables.tokens} WHERE`;

function tokenFacts(row: TokenFacts | undefined): TokenFacts | null {
    return row ? { ...row, expiresAt: new Date(row.expiresAt) } : null;
}

/** A token by its secret (stored only as its hash), read on the hot path in plain SQL. */
export async function findToken(ctx: HubContext, token: string): Promise<TokenFacts | null> {
    const [row] = await ctx.db.sql.rows<TokenFacts>(`${tokenFactsSelect} "tokenHash" = $1`, [hashToken(token)]);
    return tokenFacts(row);
}

export async function findTokenById(ctx: HubContext, id: string, t?: Transaction): Promise<TokenFacts | null> {
    const [row] = await ctx.db.sql.rows<TokenFacts>(`${tokenFactsSelect} id = $1`, [id], t);
    return tokenFacts(row);
}

/** Finds a token by its secret without consuming it (for the script route). */
export async function checkToken(ctx: HubContext, token: string): Promise<TokenFacts> {
    const row = await findToken(ctx, token);
    assertUsable(row, ctx.now());
    return row;
}

export function assertUsable<T extends Pick<TokenRow, "state" | "expiresAt">>(row: T | null, now: Date): asserts row is T {
    if (!row) throw new HubError("TOKEN_NOT_FOUND", "Unknown installation token", "Check that the whole command was pasted, or ask the hub's admin for a new token.");
    switch (effectiveState(row, now)) {
    case "used":
        throw new HubError("TOKEN_ALREADY_USED", "This installation token was already used", "Tokens work once. Ask the hub's admin for a new token (or a re-enroll token for this machine).");
    case "expired":
        throw new HubError("TOKEN_EXPIRED", "This installation token has expired", "Ask the hub's admin for a new token.");
    case "revoked":
        throw new HubError("TOKEN_REVOKED", "This installation token was revoked", "Ask the hub's admin for a new token.");
    default:
    }
}
