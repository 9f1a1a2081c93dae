// The admin API (unix socket, or the optional TCP listener with a bearer token).
import crypto from "node:crypto";
import type { Request } from "express";
import type { Actor, HubContext } from "../context";
import { HubError } from "../errors";
import { configView, initialize, loadHub, requireHub, updateConfig, publicUrl } from "../hub/hub";
import { createToken, listTokens, reissueToken, revokeToken, tokenView } from "../tokens/tokens";
import type { TokenRow } from "../db/models";
import { removeSpoke, setEnabled } from "../spokes/spokes";
import { spokeListAnswer } from "../spokes/list";
import { spokePageAnswer } from "../spokes/page";
import { requestAgentAction, updateSpoke } from "../spokes/manage";
import { listClusters, updateCluster } from "../clusters/clusters";
import { listEvents } from "../audit/audit";
import { installCommand, platforms } from "../scripts/render";
import { hubStatus } from "../hub/status";
import * as c from "../contract/api";
import { route, type RouteSpec } from "./routes";
import { makeBackup, restoreBackup } from "../backup/snapshot";
import { joinNetwork, memberViews, removeMember } from "../hubs/members";
import { backupFileName } from "../backup/format";
import { version } from "../../package.json";

const errors = { 400: "Invalid input (error, code, hint)", 404: "Not found" };

export function adminRoutes(ctx: HubContext, actorOf: (req: Request) => Actor): RouteSpec[] {
    /** A token as made: its view, the secret (shown this once) and the install command per platform. */
    async function createdTokenView(row: TokenRow, token: string) {
        const hub = (await loadHub(ctx))!;
        const base = publicUrl(ctx, hub);
        const pin = ctx.tls?.pin ?? null;
        const forPlatforms = row.purpose === "cluster" ? (["proxmox"] as const) : platforms;
        const installCommands = Object.fromEntries(forPlatforms.map(p =>
            [p, installCommand(p, `${base}/api/installation/script/${token}?platform=${p}`, pin)]));
        return { ...tokenView(row, ctx.now()), token, installCommands };
    }

    return [
        route({
            method: "post", path: "/api/hub/initialize", tag: "hub", summary: "Initialise the hub: network, port, endpoints, DNS; makes its key pair",
            input: { body: c.InitializeBody }, answer: c.InitializeAnswer,
            responses: { 201: "Initialised", 400: errors[400], 409: "Already initialised (send force: true to start over)" },
            async handler(req, res, { body }) {
                const settings = {
                    network: body.networkCIDR,
                    network6: body.networkCIDRv6 ?? null,
                    listenPort: body.listenPort ?? 51820,
                    publicEndpoint: body.publicEndpoint,
                    privateEndpoint: body.privateEndpoint ?? null,
                    dns: body.dns ?? [],
                };
                const { hub, removedSpokes } = await initialize(ctx, settings, body.force ?? false, actorOf(req));
                res.status(201).json({
                    message: removedSpokes
                        ? `Hub re-initialised; ${removedSpokes} spoke(s) were removed and must re-enroll with new tokens`
                        : "Hub initialized successfully",
                    removedSpokes,
                    config: configView(ctx, hub),
                });
            },
        }),
        {
            method: "get", path: "/api/hub/config", tag: "hub", summary: "The hub's settings (never its private key)",
            answer: c.HubConfig,
            responses: { 200: "Settings", 404: "Not initialised yet" },
            async handler(_req, res) {
                res.json(configView(ctx, await requireHub(ctx)));
            },
        },
        route({
            method: "put", path: "/api/hub/config", tag: "hub", summary: "Change endpoints and DNS",
            input: { body: c.HubConfigBody }, answer: c.HubConfigAnswer,
            responses: { 200: "Updated", 400: errors[400], 404: "Not initialised yet" },
            async handler(req, res, { body }) {
                const update = {
                    ...(body.publicEndpoint !== undefined ? { publicEndpoint: body.publicEndpoint } : {}),
                    ...(body.privateEndpoint !== undefined ? { privateEndpoint: body.privateEndpoint } : {}),
                    ...(body.dns !== undefined ? { dns: body.dns } : {}),
                };
                const hub = await updateConfig(ctx, update, actorOf(req));
                res.json({ message: "Hub configuration updated", config: configView(ctx, hub) });
            },
        }),
        route({
            method: "get", path: "/api/hub/list", tag: "hub",
            summary: "Every hub sharing this database: name, endpoints, health and how many spokes are on it (this hub alone on SQLite)",
            answer: c.HubListAnswer,
            responses: { 200: "The hubs", 404: "Not initialised yet" },
            async handler(_req, res) {
                res.json(await memberViews(ctx));
            },
        }),
        route({
            method: "post", path: "/api/hub/join", tag: "hub",
            summary: "Join the hubs of this PostgreSQL database: a key pair made here, a tunnel address from the shared pool",
            input: { body: c.JoinBody }, answer: c.JoinAnswer,
            responses: { 201: "Joined", 400: errors[400], 404: "No hub set up in this database yet", 409: "Already joined, or SQLite (one hub only)" },
            async handler(req, res, { body }) {
                const joined = await joinNetwork(ctx, {
                    publicEndpoint: body.publicEndpoint, privateEndpoint: body.privateEndpoint ?? null, listenPort: body.listenPort ?? null,
                }, actorOf(req));
                const view = (await memberViews(ctx)).hubs.find(h => h.name === joined.name)!;
                res.status(201).json({ message: `Joined the network as ${joined.name}`, hub: view });
            },
        }),
        route({
            method: "delete", path: "/api/hub/member/:name", tag: "hub",
            summary: "Take a stopped hub out of the network: its spokes come to this hub, its address goes back to the pool",
            input: { params: c.HubNameParams }, answer: c.Message,
            responses: { 200: "Removed", 404: "No such hub", 409: "The hub is still running, or is this one" },
            async handler(req, res, { params }) {
                await removeMember(ctx, params.name, actorOf(req));
                res.json({ message: `Hub ${params.name} removed from the network` });
            },
        }),
        route({
            method: "post", path: "/api/hub/backup", tag: "hub",
            summary: "A backup file: every row, the hub's WireGuard key, the TLS key and certificate (encrypted when a passphrase is given)",
            input: { body: c.BackupBody },
            responses: { 200: "The backup file (application/octet-stream)", 400: errors[400], 404: "Not initialised yet" },
            async handler(req, res, { body }) {
                const backup = await makeBackup(ctx, body.passphrase ?? null, actorOf(req), version);
                res.setHeader("Content-Type", "application/octet-stream");
                res.setHeader("Content-Disposition", `attachment; filename="${backupFileName(ctx.now())}"`);
                res.setHeader("Cache-Control", "no-store");
                res.send(backup.text);
            },
        }),
        route({
            method: "post", path: "/api/hub/restore", tag: "hub",
            summary: "Restore a backup: the hub comes back with the same keys, spokes and tokens (force: replace an initialised hub)",
            input: { body: c.RestoreBody }, answer: c.RestoreAnswer,
            responses: { 200: "Restored", 400: "Not a readable backup, or the wrong passphrase (nothing changed)", 409: "Already initialised (send force: true)", 503: "Another restore is running" },
            async handler(req, res, { body }) {
                const result = await restoreBackup(ctx, body.backup, body.passphrase ?? null, body.force ?? false, actorOf(req));
                res.json({
                    message: `Hub restored from the backup of ${result.createdAt}: ${result.spokes} spoke(s), ${result.pendingTokens} pending token(s)`,
                    spokes: result.spokes,
                    pendingTokens: result.pendingTokens,
                    backupMadeAt: result.createdAt,
                    warnings: result.warnings,
                });
            },
        }),
        route({
            method: "get", path: "/api/hub/status", tag: "hub", summary: "Interface, mode, peers and the last reconcile",
            input: { query: c.StatusQuery }, answer: c.HubStatus,
            responses: { 200: "Status", 400: errors[400] },
            async handler(_req, res, { query }) {
                res.json(await hubStatus(ctx, query.peers ?? true));
            },
        }),
        route({
            method: "post", path: "/api/installation/token", tag: "tokens", summary: "Create a one-time installation token (shown once)",
            input: { body: c.TokenBody }, answer: c.TokenAnswer,
            responses: { 201: "Token with install commands", 400: errors[400], 404: "Hub not initialised, or spoke not found", 409: "Address taken or network full" },
            async handler(req, res, { body }) {
                const input = {
                    spokeName: body.spokeName ?? "",
                    customIP: body.customIP ?? null,
                    datacenter: body.datacenter ?? null,
                    subnets: body.subnets ?? [],
                    ttlMs: body.ttl ?? null,
                    spokeId: body.spokeId ?? null,
                    cluster: body.maxUses !== undefined ? { name: body.proxmoxCluster ?? null, maxUses: body.maxUses } : null,
                    hubName: body.hub ?? null,
                };
                const { row, token } = await createToken(ctx, input, actorOf(req));
                res.status(201).json({ message: "Installation token generated", token: await createdTokenView(row, token) });
            },
        }),
        route({
            method: "post", path: "/api/installation/token/:id/reissue", tag: "tokens",
            summary: "A new command for a spoke still waiting: the token is replaced by a new one for the same spoke, address and subnets (shown once)",
            input: { params: c.IdParams }, answer: c.TokenAnswer,
            responses: { 201: "The new token with install commands", 404: errors[404], 409: "Used or revoked: nothing to re-issue" },
            async handler(req, res, { params }) {
                const { row, token } = await reissueToken(ctx, params.id, actorOf(req));
                res.status(201).json({ message: "Installation token re-issued; the previous one no longer works", token: await createdTokenView(row, token) });
            },
        }),
        route({
            method: "get", path: "/api/installation/tokens", tag: "tokens", summary: "All tokens with their state (never the secret), or those of spokes waiting",
            input: { query: c.TokenListQuery }, answer: c.TokenListAnswer,
            responses: { 200: "Tokens, with an ETag", 400: errors[400] },
            async handler(_req, res, { query }) {
                const body = JSON.stringify({ tokens: await listTokens(ctx, { waiting: query.waiting }) });
                const etag = `"${crypto.createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
                res.setHeader("ETag", etag);
                // (If-None-Match: Express's res.send answers 304 itself.)
                if (query.unchangedSince === etag) res.json({ unchanged: true });
                else res.type("application/json").send(body);
            },
        }),
        route({
            method: "delete", path: "/api/installation/token/:id", tag: "tokens", summary: "Revoke a token and free its address",
            input: { params: c.IdParams }, answer: c.Message,
            responses: { 200: "Revoked", 404: errors[404], 409: "Already used: remove the spoke instead" },
            async handler(req, res, { params }) {
                const row = await revokeToken(ctx, params.id, actorOf(req));
                res.json({ message: "Installation token revoked", tokenId: row.id });
            },
        }),
        route({
            method: "get", path: "/api/spoke/list", tag: "spokes",
            summary: "Every spoke with its live state; with limit, one page of them, searched, filtered and sorted",
            input: { query: c.SpokeListQuery }, answer: c.SpokeListAnswer,
            responses: { 200: "Spokes, with an ETag", 304: "Unchanged since the ETag sent in If-None-Match", 400: errors[400] },
            async handler(req, res, { query }) {
                const known = query.unchangedSince ?? req.headers["if-none-match"];
                const answer = query.limit === undefined
                    ? await spokeListAnswer(ctx, known)
                    : await spokePageAnswer(ctx, { ...query, limit: query.limit }, known).then(({ etag, body }) => {
                        const json = body === null ? null : Buffer.from(body);
                        return { etag, parts: json && [json], length: json?.length ?? 0 };
                    });
                res.setHeader("ETag", answer.etag);
                if (!answer.parts && known === req.headers["if-none-match"]) {
                    // No Content-Length (RFC 9110 §8.6 allows only the 200's). Cockpit's C bridge
                    // reads a 304 by its length or to the end of the connection and never
                    // delivers it, so the page asks with unchangedSince instead.
                    res.status(304).end();
                } else if (!answer.parts) {
                    res.json({ unchanged: true });
                } else {
                    res.type("application/json").setHeader("Content-Length", answer.length);
                    for (const part of answer.parts) res.write(part);
                    res.end();
                }
            },
        }),
        route({
            method: "delete", path: "/api/spoke/:id", tag: "spokes", summary: "Remove a spoke and free its address",
            input: { params: c.IdParams }, answer: c.Message,
            responses: { 200: "Removed", 404: errors[404] },
            async handler(req, res, { params }) {
                const spoke = await removeSpoke(ctx, params.id, actorOf(req));
                res.json({ message: "Spoke removed successfully", spokeId: spoke.id });
            },
        }),
        route({
            method: "put", path: "/api/spoke/:id", tag: "spokes", summary: "Rename a spoke, set its datacenter, change the subnets it routes (every spoke's agent follows)",
            input: { params: c.IdParams, body: c.SpokeUpdateBody }, answer: c.Message,
            responses: { 200: "Updated", 400: errors[400], 404: errors[404], 409: "A subnet is routed by another spoke" },
            async handler(req, res, { params, body }) {
                const spoke = await updateSpoke(ctx, params.id, body, actorOf(req));
                res.json({ message: "Spoke updated", spokeId: spoke.id, name: spoke.name, datacenter: spoke.datacenter, subnets: JSON.parse(spoke.subnets) });
            },
        }),
        ...([
            ["rotate-key", "Ask the spoke's agent to make a new key pair at its next cycle", "The spoke's agent makes a new key pair at its next cycle"],
            ["uninstall", "Ask the spoke's agent to remove the tunnel, its config and itself; the spoke is then removed", "The spoke's agent uninstalls at its next cycle"],
        ] as const).map(([action, summary, message]) => route({
            method: "post", path: `/api/spoke/:id/${action}`, tag: "spokes", summary,
            input: { params: c.IdParams }, answer: c.Message,
            responses: { 202: "Asked", 404: errors[404] },
            async handler(req, res, { params }) {
                const spoke = await requestAgentAction(ctx, params.id, action, actorOf(req));
                res.status(202).json({ message, spokeId: spoke.id, pendingAction: action });
            },
        })),
        route({
            method: "post", path: "/api/spoke/:id/disable", tag: "spokes", summary: "Take a spoke's peer off wg0, keeping the spoke and its address",
            input: { params: c.IdParams }, answer: c.Message,
            responses: { 200: "Disabled", 404: errors[404] },
            async handler(req, res, { params }) {
                const spoke = await setEnabled(ctx, params.id, false, actorOf(req));
                res.json({ message: "Spoke disabled", spokeId: spoke.id, enabled: false });
            },
        }),
        route({
            method: "post", path: "/api/spoke/:id/enable", tag: "spokes", summary: "Put a disabled spoke's peer back on wg0",
            input: { params: c.IdParams }, answer: c.Message,
            responses: { 200: "Enabled", 404: errors[404] },
            async handler(req, res, { params }) {
                const spoke = await setEnabled(ctx, params.id, true, actorOf(req));
                res.json({ message: "Spoke enabled", spokeId: spoke.id, enabled: true });
            },
        }),
        {
            method: "get", path: "/api/proxmox/clusters", tag: "proxmox", summary: "Proxmox VE clusters with their nodes",
            answer: c.ClusterListAnswer,
            responses: { 200: "Clusters" },
            async handler(_req, res) {
                res.json({ clusters: await listClusters(ctx) });
            },
        },
        route({
            method: "put", path: "/api/proxmox/clusters/:id", tag: "proxmox", summary: "Set a cluster's datacenter and description",
            input: { body: c.ClusterBody, params: c.IdParams }, answer: c.Message,
            responses: { 200: "Updated", 400: errors[400], 404: errors[404] },
            async handler(req, res, { body, params }) {
                const change = {
                    ...(body.datacenter !== undefined ? { datacenter: body.datacenter } : {}),
                    ...(body.description !== undefined ? { description: body.description } : {}),
                };
                await updateCluster(ctx, params.id, change, actorOf(req));
                res.json({ message: "Cluster updated", clusterId: params.id });
            },
        }),
        route({
            method: "get", path: "/api/audit", tag: "audit", summary: "Who did what, newest first",
            input: { query: c.AuditQuery }, answer: c.AuditAnswer,
            responses: { 200: "Events", 400: errors[400] },
            async handler(_req, res, { query }) {
                res.json({ events: await listEvents(ctx, query.limit ?? 100, query.before ?? null, query.subject ?? null) });
            },
        }),
        route({
            method: "get", path: "/api/traffic", tag: "traffic", summary: "rx/tx rates over the last minutes, for the hub or one spoke",
            input: { query: c.TrafficQuery }, answer: c.TrafficSeries,
            responses: { 200: "Points (bytes per second)", 404: errors[404] },
            async handler(_req, res, { query }) {
                let key: string | null = null;
                if (query.spokeId !== undefined) {
                    const spoke = await ctx.db.models.Spoke.findByPk(query.spokeId, { attributes: ["publicKey"] });
                    if (!spoke) throw new HubError("SPOKE_NOT_FOUND", "No spoke with this id", "Reload the spoke list.");
                    key = spoke.publicKey;
                }
                res.json({ intervalSeconds: ctx.traffic.intervalSeconds, points: ctx.traffic.points(key, query.minutes ?? 60, ctx.now()) });
            },
        }),
    ];
}
