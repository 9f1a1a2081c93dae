// The API's contract, declared once: each route's body, query and path parameters, and the
// shapes of its answers. From here come the service's request validation (http/routes.ts),
// the OpenAPI document (http/openapi.ts), and the TypeScript types the page and the CLI
// import (type-only: the page's bundle does not carry zod). The field rules themselves are
// in fields.ts, which the page also uses to check what the admin types.
import { z } from "zod";
import { HubError } from "../errors";
import * as f from "./fields";
import { displayStates, spokeSortKeys } from "./spokeDisplay";

// ---- fields -----------------------------------------------------------------------------
// A field's description is what the 400 says it accepts: "<field> is not valid: expected …".

/** Absent, null and "" all mean "not given". */
function optional<T extends z.ZodType>(schema: T) {
    return z.union([z.literal(""), z.null(), schema]).optional()
        .transform(v => (v === "" || v === null ? undefined : v) as z.output<T> | undefined)
        .meta({ description: schema.meta()?.description });
}

const refusedBy = <T>(problem: (v: T) => unknown) => (v: T) => !problem(v);

// Control characters, line separators, and format characters: bidi overrides and zero-width
// marks would make a name in the page or the audit log read as another name.
const invisible = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

const text = (max: number) => z.string().max(max).refine(v => !invisible.test(v) && v.trim() === v);

const spokeName = z.string().refine(refusedBy(f.spokeNameProblem))
    .meta({ description: "1-63 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit" });

const hubNetwork = (family: f.Family) => {
    const { min, max } = f.networkPrefixes[family];
    return z.string().refine(v => !f.hubNetworkProblem(v, family)).transform(v => f.parseCidr(v)!)
        .meta({ description: `an IPv${family} network with prefix /${min} to /${max}, host bits zero (e.g. ${family === 4 ? "10.0.1.0/24" : "fd00:1::/64"})` });
};

const endpoint = z.string()
    .refine(v => typeof f.parseEndpoint(v) !== "string")
    .transform(v => f.formatEndpoint(f.parseEndpoint(v) as f.HostPort))
    .meta({ description: "host:port where host is a DNS name, an IPv4 address or [IPv6] (e.g. vpn.example.com:51820, [2001:db8::1]:51820)" });

const port = z.union([z.number().int(), z.string().regex(/^\d{1,5}$/).transform(Number)])
    .refine(n => n >= f.portRange.min && n <= f.portRange.max)
    .meta({ description: "a port number from 1 to 65535" });

const dnsList = z.union([z.array(z.string()), z.string().transform(f.splitList)])
    .refine(items => items.length <= f.maxDnsServers && f.badDnsServer(items) === null)
    .meta({ description: `up to ${f.maxDnsServers} IP addresses (an array, or a comma-separated string)` });

const subnets = z.array(z.string().refine(refusedBy(f.subnetProblem))).max(f.maxSubnets).transform(items => items.map(s => f.parseCidr(s)!))
    .meta({ description: `up to ${f.maxSubnets} networks like 192.168.10.0/24 (host bits zero; not wider than /8, or /16 for IPv6)` });

const ip = z.string().refine(v => f.ipFamily(v) !== null).meta({ description: "an IP address" });

const ttl = z.union([z.number().int().transform(s => s * 1000), z.string().transform(v => f.parseDuration(v) ?? -1)])
    .refine(ms => ms >= f.ttlRange.minMs && ms <= f.ttlRange.maxMs)
    .meta({ description: "a duration from 5m to 30d, like 1h or 7d (or seconds)" });

const hubName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .meta({ description: "a hub's name: 1-63 lower-case letters, digits or hyphens" });

export const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const id = z.string().regex(uuidShape).meta({ description: "an id as returned by the API" });

const label = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/)
    .meta({ description: "1-63 letters, digits, '.', '_' or '-', starting with a letter or digit" });

const hostname = z.string().regex(f.hostnameShape).transform(v => v.replace(/\.$/, ""))
    .meta({ description: "a hostname (letters, digits, '-' and '.', up to 253 characters)" });

const wireguardKey = z.string().regex(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/)
    .meta({ description: "a WireGuard public key (32 bytes, base64, 44 characters)" });

const metadata = z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/),
    z.union([z.string().max(200).refine(v => !invisible.test(v)), z.number(), z.boolean(), z.null()]))
    .refine(m => Object.keys(m).length <= 20)
    .transform(m => Object.fromEntries(Object.entries(m).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)])))
    .meta({ description: "an object of at most 20 short values (keys of letters, digits and '_'; values of at most 200 characters)" });

export const platforms = f.platforms;

const bool = z.boolean().meta({ description: "true or false" });

/** The field schemas the bodies are made of (for tests, and for new routes). */
export const field = {
    spokeName, hubNetwork, endpoint, port, dnsList, subnets, ip, ttl, id, label, hostname, wireguardKey, metadata, text, bool, optional,
};

/**
 * An installation token's shape. Anything else is answered as an unknown token (404), never
 * a 400 that would tell a prober what a token looks like.
 */
export function installToken(value: unknown): string {
    if (typeof value !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(value))
        throw new HubError("TOKEN_NOT_FOUND", "Unknown installation token", "Check that the whole command was pasted, or create a new token.", { field: "token" });
    return value;
}

// ---- request bodies, queries and path parameters ----------------------------------------

export const InitializeBody = z.object({
    networkCIDR: hubNetwork(4),
    networkCIDRv6: optional(hubNetwork(6)),
    listenPort: optional(port),
    publicEndpoint: endpoint,
    privateEndpoint: optional(endpoint),
    dns: optional(dnsList),
    force: optional(bool),
});

export const HubConfigBody = z.object({
    // Given, it cannot be emptied: spokes need one.
    publicEndpoint: endpoint.optional(),
    privateEndpoint: z.union([z.literal(""), z.null(), endpoint]).optional()
        .transform(v => (v === "" ? null : v))
        .meta({ description: "host:port, or null to remove it" }),
    dns: optional(dnsList),
});

export const TokenBody = z.object({
    spokeName: optional(spokeName).meta({ description: "the spoke's name (required, except for a cluster token: each node is named after itself)" }),
    customIP: optional(ip),
    datacenter: optional(text(100).meta({ description: "text of at most 100 characters, without control characters or surrounding spaces" })),
    subnets: optional(subnets),
    ttl: optional(ttl),
    spokeId: optional(id),
    maxUses: optional(z.number().int().min(1).max(f.maxClusterUses))
        .meta({ description: `a Proxmox VE cluster token: how many nodes it enrolls, 1 to ${f.maxClusterUses}` }),
    proxmoxCluster: optional(text(100).min(1))
        .meta({ description: "a cluster token's Proxmox VE cluster name; without it the first node to register fixes it" }),
    hub: optional(hubName).meta({ description: "the hub the spoke goes to, among hubs sharing one PostgreSQL database (default: this one)" }),
}).superRefine((body, ctx) => {
    // A spoke's token names its spoke; a cluster token (maxUses) names none: each node is named after itself.
    if (body.maxUses === undefined && body.proxmoxCluster !== undefined) ctx.addIssue({ code: "custom", path: ["maxUses"], message: "required" });
    else if (body.maxUses === undefined && body.spokeName === undefined) ctx.addIssue({ code: "custom", path: ["spokeName"], message: "required" });
});

export const SpokeUpdateBody = z.object({
    name: optional(spokeName),
    datacenter: z.union([z.literal(""), z.null(), text(100)]).optional().transform(v => (v === "" ? null : v))
        .meta({ description: "text of at most 100 characters, or null to clear it" }),
    subnets: optional(subnets).meta({ description: "the networks routed behind the spoke; [] routes none" }),
});

const passphrase = z.string().min(8).max(1024)
    .meta({ description: "a passphrase of 8 to 1024 characters" });

export const BackupBody = z.object({ passphrase: optional(passphrase) });

export const RestoreBody = z.object({
    backup: z.string().min(1).meta({ description: "the whole text of a backup file" }),
    passphrase: optional(passphrase),
    force: optional(bool),
});

export const ClusterBody = z.object({
    datacenter: z.union([z.literal(""), z.null(), text(100)]).optional().transform(v => (v === "" ? null : v))
        .meta({ description: "text of at most 100 characters, without control characters or surrounding spaces" }),
    description: z.union([z.literal(""), z.null(), text(1000)]).optional().transform(v => (v === "" ? null : v))
        .meta({ description: "text of at most 1000 characters, without control characters or surrounding spaces" }),
});

export const RegisterBody = z.object({
    // Anything but a token's shape is answered as an unknown token (404), never a 400 that
    // would tell a prober what a token looks like: checked by the route, not here.
    token: z.unknown().meta({ description: "the installation token (43 base64url characters)" }),
    publicKey: wireguardKey,
    os: optional(z.enum(platforms).meta({ description: `one of ${platforms.join(", ")}` })),
    hostname: optional(hostname),
    isProxmox: optional(bool),
    proxmoxNodeName: optional(label),
    proxmoxClusterName: optional(text(100).meta({ description: "text of at most 100 characters" })),
    proxmoxVersion: optional(text(100).meta({ description: "text of at most 100 characters" })),
    proxmoxClusterNodes: optional(z.array(label).max(64).meta({ description: "an array of up to 64 node names" })),
    metadata: optional(metadata),
});

const queryBool = z.enum(["true", "false"]).transform(v => v === "true").meta({ description: "true or false" });
const queryInt = (min: number, max: number) => z.string().regex(/^\d{1,16}$/).transform(Number).refine(n => n >= min && n <= max)
    .meta({ description: `an integer from ${min} to ${max}` });

export const StatusQuery = z.object({ peers: queryBool.optional().meta({ description: "false: leave out the per-peer list (the counts stay)" }) });
export const SpokeListQuery = z.object({
    unchangedSince: z.string().max(64).optional().meta({
        description: "an ETag of this answer: while it is still current the answer is {\"unchanged\": true} instead "
            + "(for clients that cannot take a 304, such as Cockpit's bridge)",
    }),
    limit: queryInt(1, 1000).optional().meta({
        description: "an integer from 1 to 1000: one page of at most this many spokes, searched, filtered and sorted by the service "
            + "(the answer is then {total, matched, offset, spokes, oses}); absent: every spoke, and offset, sort, order, search, state, os and id are not read",
    }),
    offset: queryInt(0, Number.MAX_SAFE_INTEGER).optional().meta({
        description: "an integer from 0: how many matching spokes come before the page (default 0; past the last one: the last page)",
    }),
    sort: optional(z.enum(spokeSortKeys).meta({ description: `one of ${spokeSortKeys.join(", ")} (default name)` })),
    order: optional(z.enum(["asc", "desc"]).meta({ description: "asc or desc (default asc); ties go by name, then id, ascending" })),
    search: z.string().max(256).optional().meta({
        description: "text of at most 256 characters: words, each to be found (case ignored) in the spoke's name, hub, addresses, system, "
            + "endpoint, hostname, cluster, datacenter, public key or subnets",
    }),
    state: optional(z.enum(displayStates).meta({ description: `one of ${displayStates.join(", ")}` })),
    os: optional(z.string().max(64).meta({ description: "a system as the list shows it (e.g. Linux, Proxmox VE), at most 64 characters" })),
    id: optional(id.meta({ description: "an id as returned by the API: only that spoke" })),
});
export const TokenListQuery = z.object({
    waiting: queryBool.optional().meta({
        description: "true: only the tokens of spokes waiting for enrollment (unused, unexpired enrollment tokens whose spoke has not "
            + "registered, and cluster tokens still usable)",
    }),
    unchangedSince: z.string().max(64).optional().meta({
        description: "an ETag of this answer: while it is still current the answer is {\"unchanged\": true} instead",
    }),
});
export const AuditQuery = z.object({
    limit: queryInt(1, 1000).optional().meta({ description: "1-1000, default 100" }),
    before: queryInt(1, Number.MAX_SAFE_INTEGER).optional().meta({ description: "only events with a smaller id (paging)" }),
    subject: text(200).min(1).optional().meta({ description: "only events about this subject (a spoke's or token's name, a network), as the events name it" }),
});
export const TrafficQuery = z.object({
    spokeId: id.optional().meta({ description: "a spoke id; absent = the whole hub" }),
    minutes: queryInt(1, 60).optional().meta({ description: "1-60, default 60" }),
});
export const ScriptQuery = z.object({
    // Any text: an unknown platform is refused by the route with its own code, UNSUPPORTED_PLATFORM.
    platform: z.string().optional().meta({ description: `${platforms.join(" | ")} (default linux)` }),
});
export const IdParams = z.object({ id });
export const HubNameParams = z.object({ name: hubName });
export const TokenParams = z.object({ token: z.string().meta({ description: "the installation token" }) });

// ---- answers ----------------------------------------------------------------------------

const iso = z.string().meta({ description: "ISO 8601 time" });

export const HubConfig = z.object({
    id: z.number(),
    interfaceName: z.string(),
    interfaceAddress: z.string(),
    interfaceAddressV6: z.string().nullable(),
    listenPort: z.number(),
    publicKey: z.string(),
    networkCIDR: z.string(),
    networkCIDRv6: z.string().nullable(),
    publicEndpoint: z.string(),
    privateEndpoint: z.string().nullable(),
    dns: z.array(z.string()),
    persistentKeepalive: z.number(),
    publicUrl: z.string(),
    tlsPin: z.string().nullable(),
    createdAt: iso,
    updatedAt: iso,
});

export const InitializeAnswer = z.object({ message: z.string(), removedSpokes: z.number(), config: HubConfig });
export const HubConfigAnswer = z.object({ message: z.string(), config: HubConfig });

export const DriftItem = z.object({ publicKey: z.string(), kind: z.enum(["missing", "rogue", "changed"]) }).loose();

export const ReconcileInfo = z.object({
    at: iso,
    kind: z.string(),
    reason: z.string(),
    durationMs: z.number(),
    changes: z.number(),
    writes: z.number(),
    drift: z.array(DriftItem),
    error: z.string().nullable(),
}).loose();

export const HubPeer = z.object({
    spokeId: z.string(),
    name: z.string(),
    publicKey: z.string(),
    endpoint: z.string().nullable(),
    allowedIPs: z.array(z.string()),
    lastHandshake: iso.nullable(),
    transferRx: z.number(),
    transferTx: z.number(),
    status: z.enum(["pending", "online", "offline", "disabled"]),
});

export const SpokeCounts = z.object({
    total: z.number(), online: z.number(), offline: z.number(), pending: z.number(), disabled: z.number(),
    /** Spokes whose agent has reported. */
    withAgent: z.number(),
});

export const HubStatus = z.object({
    initialized: z.boolean(),
    interfaceName: z.string(),
    publicKey: z.string().nullable(),
    listenPort: z.number().nullable(),
    /** The TCP port spokes fetch their install script from (known before the hub is set up). */
    enrollmentPort: z.number(),
    mode: z.string(),
    modeReason: z.string(),
    interfaceUp: z.boolean(),
    lastReconcile: ReconcileInfo.nullable(),
    lastError: z.string().nullable(),
    reconcile: z.object({ lastDrift: z.object({ at: iso, drift: z.array(DriftItem) }).nullable() }).loose().nullable(),
    spokes: SpokeCounts,
    /** The spokes' datacenters, each once, sorted. */
    datacenters: z.array(z.string()),
    addresses: z.object({ used: z.number(), capacity: z.number() }),
    statusUpdatedAt: iso.nullable(),
    peers: z.array(HubPeer).optional(),
});

export const SpokeState = z.enum(["pending", "online", "offline", "disabled"]);

export const Spoke = z.object({
    id: z.string(),
    name: z.string(),
    publicKey: z.string(),
    allowedIPs: z.array(z.string()),
    address: z.string(),
    addressV6: z.string().nullable(),
    subnets: z.array(z.string()),
    registeredAt: iso.nullable(),
    lastHandshake: iso.nullable(),
    status: SpokeState,
    os: z.string().nullable(),
    hostname: z.string().nullable(),
    endpoint: z.string().nullable(),
    rxBytes: z.number(),
    txBytes: z.number(),
    enabled: z.boolean(),
    datacenter: z.string().nullable(),
    isProxmox: z.boolean(),
    proxmoxNodeName: z.string().nullable(),
    proxmoxClusterId: z.string().nullable(),
    proxmoxClusterName: z.string().nullable(),
    proxmoxVersion: z.string().nullable(),
    /** What the spoke's agent last reported; null until an agent has spoken. */
    agent: z.object({
        version: z.string(),
        lastSeen: iso.nullable(),
        lastResult: z.string().nullable(),
        revision: z.string().nullable(),
        /** The agent last reported a revision other than the one the hub would send it now. */
        behind: z.boolean(),
    }).nullable(),
    /** An action waiting for the agent's next cycle. */
    pendingAction: z.enum(["rotate-key", "uninstall"]).nullable(),
    /** The hub the spoke is on (null on SQLite, where there is one hub; a PostgreSQL hub names itself). */
    hub: z.string().nullable(),
});

/** GET /api/spoke/list with limit: one page of the spokes that match, in the order asked for. */
export const SpokePageAnswer = z.object({
    /** Every spoke. */
    total: z.number(),
    /** The spokes the search and filters match. */
    matched: z.number(),
    /** The offset of this page: the one asked for, or the last page's when that was past the end. */
    offset: z.number(),
    spokes: z.array(Spoke),
    /** The systems of all spokes as shown (e.g. Linux, Proxmox VE), each once, sorted: the choices of the os filter. */
    oses: z.array(z.string()),
});

// The page first: the whole list's shape would take a page too, dropping its other fields.
export const SpokeListAnswer = z.union([SpokePageAnswer, z.object({ spokes: z.array(Spoke) }), z.object({ unchanged: z.literal(true) })]);

export const TokenState = z.enum(["pending", "used", "expired", "revoked"]);

export const TokenSummary = z.object({
    id: z.string(),
    tokenPrefix: z.string(),
    spokeId: z.string().nullable(),
    spokeName: z.string(),
    purpose: z.enum(["enroll", "reenroll", "cluster"]),
    allowedIPs: z.array(z.string()),
    subnets: z.array(z.string()),
    datacenter: z.string().nullable(),
    state: TokenState,
    used: z.boolean(),
    createdAt: iso,
    expiresAt: iso,
    usedAt: iso.nullable(),
    revokedAt: iso.nullable(),
    proxmoxCluster: z.string().nullable(),
    maxUses: z.number(),
    uses: z.number(),
    usesLeft: z.number(),
    nodes: z.array(z.string()),
    /** The hub the token's spoke goes to (null: the hub that serves its registration). */
    hub: z.string().nullable(),
});

export const CreatedToken = TokenSummary.extend({
    token: z.string(),
    /** Every platform's, except a cluster token's: Proxmox VE only. */
    installCommands: z.partialRecord(z.enum(platforms), z.string()),
});

export const HubMember = z.object({
    name: z.string(),
    publicKey: z.string(),
    address: z.string(),
    addressV6: z.string().nullable(),
    listenPort: z.number(),
    publicEndpoint: z.string(),
    privateEndpoint: z.string().nullable(),
    /** Its heartbeat moved lately (judged by the hub answering; itself always). */
    healthy: z.boolean(),
    lastHeartbeat: iso.nullable(),
    spokes: z.number(),
    /** The hub answering this request. */
    self: z.boolean(),
});

export const HubListAnswer = z.object({
    /** false on SQLite: one hub, listed alone. */
    shared: z.boolean(),
    hubs: z.array(HubMember),
});

export const JoinBody = z.object({
    publicEndpoint: endpoint,
    privateEndpoint: optional(endpoint),
    listenPort: optional(port),
});

export const JoinAnswer = z.object({ message: z.string(), hub: HubMember });

export const TokenAnswer = z.object({ message: z.string(), token: CreatedToken });
export const TokenListAnswer = z.union([z.object({ tokens: z.array(TokenSummary) }), z.object({ unchanged: z.literal(true) })]);

export const ClusterNode = z.object({
    id: z.string(),
    name: z.string(),
    nodeName: z.string().nullable(),
    address: z.string(),
    proxmoxVersion: z.string().nullable(),
    status: z.string(),
    lastHandshake: iso.nullable(),
});

export const Cluster = z.object({
    id: z.string(),
    clusterName: z.string(),
    datacenter: z.string().nullable(),
    description: z.string().nullable(),
    nodes: z.array(ClusterNode),
    nodeCount: z.number(),
    onlineCount: z.number(),
}).loose();

export const ClusterListAnswer = z.object({ clusters: z.array(Cluster) });

export const AuditEvent = z.object({
    id: z.number(),
    at: iso,
    actor: z.string(),
    action: z.string(),
    subject: z.string().nullable(),
    source: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
});

export const AuditAnswer = z.object({ events: z.array(AuditEvent) });

export const TrafficPoint = z.object({ at: z.union([z.string(), z.number()]), rx: z.number(), tx: z.number() });
export const TrafficSeries = z.object({ intervalSeconds: z.number(), points: z.array(TrafficPoint) });

export const SpokeConfig = z.object({
    addresses: z.array(z.string()),
    hubPublicKey: z.string(),
    publicEndpoint: z.string(),
    privateEndpoint: z.string().nullable(),
    allowedIPs: z.array(z.string()),
    dns: z.array(z.string()),
    persistentKeepalive: z.number(),
    hubAddress: z.string(),
    /** Every hub of the network, the spoke's own first (only when there are several). */
    hubs: z.array(z.object({ name: z.string(), publicKey: z.string(), address: z.string(), endpoint: z.string() })).optional(),
});

export const RegisterAnswer = z.object({
    message: z.string(),
    spoke: z.object({
        id: z.string(), name: z.string(), publicKey: z.string(), allowedIPs: z.array(z.string()),
        address: z.string(), addressV6: z.string().nullable(), status: z.literal("pending"),
    }),
    config: SpokeConfig,
});

export const RestoreAnswer = z.object({
    message: z.string(),
    spokes: z.number(),
    pendingTokens: z.number(),
    backupMadeAt: iso,
    warnings: z.array(z.string()),
});

export const Message = z.object({ message: z.string() }).loose();
export const Health = z.object({ status: z.literal("ok"), initialized: z.boolean() });

// ---- the types the page and the CLI import ----------------------------------------------

export type Platform = (typeof platforms)[number];
export type HubConfig = z.output<typeof HubConfig>;
export type HubStatus = z.output<typeof HubStatus>;
export type HubPeer = z.output<typeof HubPeer>;
export type DriftItem = z.output<typeof DriftItem>;
export type ReconcileInfo = z.output<typeof ReconcileInfo>;
export type Spoke = z.output<typeof Spoke>;
export type SpokeState = z.output<typeof SpokeState>;
export type TokenState = z.output<typeof TokenState>;
export type TokenSummary = z.output<typeof TokenSummary>;
export type CreatedToken = z.output<typeof CreatedToken>;
export type Cluster = z.output<typeof Cluster>;
export type ClusterNode = z.output<typeof ClusterNode>;
export type AuditEvent = z.output<typeof AuditEvent>;
export type TrafficPoint = z.output<typeof TrafficPoint>;
export type TrafficSeries = z.output<typeof TrafficSeries>;
export type SpokeConfig = z.output<typeof SpokeConfig>;
export type InitializeAnswer = z.output<typeof InitializeAnswer>;
export type HubConfigAnswer = z.output<typeof HubConfigAnswer>;
export type TokenAnswer = z.output<typeof TokenAnswer>;
export type TokenListAnswer = z.output<typeof TokenListAnswer>;
export type SpokeListAnswer = z.output<typeof SpokeListAnswer>;
export type SpokePageAnswer = z.output<typeof SpokePageAnswer>;
export type ClusterListAnswer = z.output<typeof ClusterListAnswer>;
export type AuditAnswer = z.output<typeof AuditAnswer>;
export type Message = z.output<typeof Message>;
export type RestoreAnswer = z.output<typeof RestoreAnswer>;
/** What a client sends (before the service's normalisation). */
export type InitializeRequest = z.input<typeof InitializeBody>;
export type HubConfigRequest = z.input<typeof HubConfigBody>;
export type TokenRequest = z.input<typeof TokenBody>;
export type JoinRequest = z.input<typeof JoinBody>;
export type JoinAnswer = z.output<typeof JoinAnswer>;
export type HubMember = z.output<typeof HubMember>;
export type HubListAnswer = z.output<typeof HubListAnswer>;
export type ClusterRequest = z.input<typeof ClusterBody>;
export type SpokeUpdateRequest = z.input<typeof SpokeUpdateBody>;
export type RestoreRequest = z.input<typeof RestoreBody>;
