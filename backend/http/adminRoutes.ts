// The admin API (unix socket, or the optional TCP listener with a bearer token).
import type { Request } from "express";
import type { Actor, HubContext } from "../context";
import { HubError } from "../errors";
import { configView, initialize, loadHub, requireHub, updateConfig, publicUrl } from "../hub/hub";
import { createToken, listTokens, revokeToken, tokenView } from "../tokens/tokens";
import { removeSpoke, setEnabled, spokeListAnswer } from "../spokes/spokes";
import { listClusters, updateCluster } from "../clusters/clusters";
import { listEvents } from "../audit/audit";
import { installCommand, platforms } from "../scripts/render";
import { hubStatus } from "../hub/status";
import type { RouteSpec } from "./routes";
import * as v from "./validation";

const errors = { 400: "Invalid input (error, code, hint)", 404: "Not found" };

export function adminRoutes(ctx: HubContext, actorOf: (req: Request) => Actor): RouteSpec[] {
    return [
        {
            method: "post", path: "/api/hub/initialize", tag: "hub", summary: "Initialise the hub: network, port, endpoints, DNS; makes its key pair",
            body: {
                type: "object", required: ["networkCIDR", "listenPort", "publicEndpoint"],
                properties: {
                    networkCIDR: { type: "string", example: "10.0.1.0/24" }, networkCIDRv6: { type: "string" },
                    listenPort: { type: "integer" }, publicEndpoint: { type: "string" }, privateEndpoint: { type: "string" },
                    dns: { oneOf: [{ type: "array", items: { type: "string" } }, { type: "string" }] }, force: { type: "boolean" },
                },
            },
            responses: { 201: "Initialised", 400: errors[400], 409: "Already initialised (send force: true to start over)" },
            async handler(req, res) {
                const body = v.asBody(req.body);
                const network = v.network(body, "networkCIDR", 4, true)!;
                const settings = {
                    network,
                    network6: v.network(body, "networkCIDRv6", 6, false),
                    listenPort: v.port(body, "listenPort", 51820),
                    publicEndpoint: v.endpoint(body, "publicEndpoint", true)!,
                    privateEndpoint: v.endpoint(body, "privateEndpoint", false),
                    dns: v.dnsList(body),
                };
                const force = v.bool(body, "force");
                const { hub, removedSpokes } = await initialize(ctx, settings, force, actorOf(req));
                res.status(201).json({
                    message: removedSpokes
                        ? `Hub re-initialised; ${removedSpokes} spoke(s) were removed and must re-enroll with new tokens`
                        : "Hub initialized successfully",
                    removedSpokes,
                    config: configView(ctx, hub),
                });
            },
        },
        {
            method: "get", path: "/api/hub/config", tag: "hub", summary: "The hub's settings (never its private key)",
            responses: { 200: "Settings", 404: "Not initialised yet" },
            async handler(_req, res) {
                res.json(configView(ctx, await requireHub(ctx)));
            },
        },
        {
            method: "put", path: "/api/hub/config", tag: "hub", summary: "Change endpoints and DNS",
            body: { type: "object", properties: { publicEndpoint: { type: "string" }, privateEndpoint: { type: ["string", "null"] }, dns: { type: "array", items: { type: "string" } } } },
            responses: { 200: "Updated", 400: errors[400], 404: "Not initialised yet" },
            async handler(req, res) {
                const body = v.asBody(req.body);
                const update = {
                    ...(body.publicEndpoint !== undefined ? { publicEndpoint: v.endpoint(body, "publicEndpoint", true)! } : {}),
                    ...(body.privateEndpoint !== undefined ? { privateEndpoint: v.endpoint(body, "privateEndpoint", false) } : {}),
                    ...(body.dns !== undefined ? { dns: v.dnsList(body) } : {}),
                };
                const hub = await updateConfig(ctx, update, actorOf(req));
                res.json({ message: "Hub configuration updated", config: configView(ctx, hub) });
            },
        },
        {
            method: "get", path: "/api/hub/status", tag: "hub", summary: "Interface, mode, peers and the last reconcile",
            query: { peers: { description: "false: leave out the per-peer list (the counts stay)", schema: { type: "boolean" } } },
            responses: { 200: "Status", 400: errors[400] },
            async handler(req, res) {
                const peers = req.query.peers ?? "true";
                if (peers !== "true" && peers !== "false") v.invalid("peers", "true or false");
                res.json(await hubStatus(ctx, peers === "true"));
            },
        },
        {
            method: "post", path: "/api/installation/token", tag: "tokens", summary: "Create a one-time installation token (shown once)",
            body: {
                type: "object", required: ["spokeName"],
                properties: {
                    spokeName: { type: "string" }, customIP: { type: "string" }, datacenter: { type: "string" },
                    subnets: { type: "array", items: { type: "string" } }, ttl: { type: ["string", "integer"] }, spokeId: { type: "string" },
                },
            },
            responses: { 201: "Token with install commands", 400: errors[400], 404: "Hub not initialised, or spoke not found", 409: "Address taken or network full" },
            async handler(req, res) {
                const body = v.asBody(req.body);
                const input = {
                    spokeName: v.spokeName(body),
                    customIP: v.ip(body, "customIP"),
                    datacenter: v.text(body, "datacenter", { max: 100 }),
                    subnets: v.cidrList(body, "subnets"),
                    ttlMs: v.ttl(body, "ttl"),
                    spokeId: body.spokeId === undefined || body.spokeId === null || body.spokeId === "" ? null : v.uuid(body.spokeId, "spokeId"),
                };
                const { row, token } = await createToken(ctx, input, actorOf(req));
                const hub = (await loadHub(ctx))!;
                const base = publicUrl(ctx, hub);
                const pin = ctx.tls?.pin ?? null;
                const installCommands = Object.fromEntries(platforms.map(p =>
                    [p, installCommand(p, `${base}/api/installation/script/${token}?platform=${p}`, pin)]));
                const view = tokenView(row, ctx.now());
                res.status(201).json({
                    message: "Installation token generated",
                    token: { ...view, token, installCommands },
                });
            },
        },
        {
            method: "get", path: "/api/installation/tokens", tag: "tokens", summary: "All tokens with their state (never the secret)",
            responses: { 200: "Tokens" },
            async handler(_req, res) {
                res.json({ tokens: await listTokens(ctx) });
            },
        },
        {
            method: "delete", path: "/api/installation/token/:id", tag: "tokens", summary: "Revoke a token and free its address",
            responses: { 200: "Revoked", 404: errors[404], 409: "Already used: remove the spoke instead" },
            async handler(req, res) {
                const row = await revokeToken(ctx, v.uuid(req.params.id, "id"), actorOf(req));
                res.json({ message: "Installation token revoked", tokenId: row.id });
            },
        },
        {
            method: "get", path: "/api/spoke/list", tag: "spokes", summary: "Every spoke with its live state",
            query: {
                unchangedSince: {
                    description: "An ETag of this list: while it is still current the answer is {\"unchanged\": true} instead of the list "
                        + "(for clients that cannot take a 304, such as Cockpit's bridge)",
                    schema: { type: "string", maxLength: 64 },
                },
            },
            responses: { 200: "Spokes, with an ETag", 304: "Unchanged since the ETag sent in If-None-Match" },
            async handler(req, res) {
                const answer = await spokeListAnswer(ctx);
                res.setHeader("ETag", answer.etag);
                if (req.headers["if-none-match"] === answer.etag) {
                    // No Content-Length (RFC 9110 §8.6 allows only the 200's). Cockpit's C bridge
                    // reads a 304 by its length or to the end of the connection and never
                    // delivers it, so the page asks with unchangedSince instead.
                    res.status(304).end();
                } else if (req.query.unchangedSince === answer.etag) {
                    res.json({ unchanged: true });
                } else {
                    res.type("application/json").send(answer.json);
                }
            },
        },
        {
            method: "delete", path: "/api/spoke/:id", tag: "spokes", summary: "Remove a spoke and free its address",
            responses: { 200: "Removed", 404: errors[404] },
            async handler(req, res) {
                const spoke = await removeSpoke(ctx, v.uuid(req.params.id, "id"), actorOf(req));
                res.json({ message: "Spoke removed successfully", spokeId: spoke.id });
            },
        },
        {
            method: "post", path: "/api/spoke/:id/disable", tag: "spokes", summary: "Take a spoke's peer off wg0, keeping the spoke and its address",
            responses: { 200: "Disabled", 404: errors[404] },
            async handler(req, res) {
                const spoke = await setEnabled(ctx, v.uuid(req.params.id, "id"), false, actorOf(req));
                res.json({ message: "Spoke disabled", spokeId: spoke.id, enabled: false });
            },
        },
        {
            method: "post", path: "/api/spoke/:id/enable", tag: "spokes", summary: "Put a disabled spoke's peer back on wg0",
            responses: { 200: "Enabled", 404: errors[404] },
            async handler(req, res) {
                const spoke = await setEnabled(ctx, v.uuid(req.params.id, "id"), true, actorOf(req));
                res.json({ message: "Spoke enabled", spokeId: spoke.id, enabled: true });
            },
        },
        {
            method: "get", path: "/api/proxmox/clusters", tag: "proxmox", summary: "Proxmox VE clusters with their nodes",
            responses: { 200: "Clusters" },
            async handler(_req, res) {
                res.json({ clusters: await listClusters(ctx) });
            },
        },
        {
            method: "put", path: "/api/proxmox/clusters/:id", tag: "proxmox", summary: "Set a cluster's datacenter and description",
            body: { type: "object", properties: { datacenter: { type: ["string", "null"] }, description: { type: ["string", "null"] } } },
            responses: { 200: "Updated", 400: errors[400], 404: errors[404] },
            async handler(req, res) {
                const body = v.asBody(req.body);
                const change = {
                    ...(body.datacenter !== undefined ? { datacenter: v.text(body, "datacenter", { max: 100 }) } : {}),
                    ...(body.description !== undefined ? { description: v.text(body, "description", { max: 1000 }) } : {}),
                };
                const id = v.uuid(req.params.id, "id");
                await updateCluster(ctx, id, change, actorOf(req));
                res.json({ message: "Cluster updated", clusterId: id });
            },
        },
        {
            method: "get", path: "/api/audit", tag: "audit", summary: "Who did what, newest first",
            query: {
                limit: { description: "1-1000, default 100", schema: { type: "integer" } },
                before: { description: "only events with a smaller id (paging)", schema: { type: "integer" } },
            },
            responses: { 200: "Events", 400: errors[400] },
            async handler(req, res) {
                const limit = v.queryInt(req.query.limit, "limit", 1, 1000, 100);
                const before = v.queryInt(req.query.before, "before", 1, Number.MAX_SAFE_INTEGER, null);
                res.json({ events: await listEvents(ctx, limit, before) });
            },
        },
        {
            method: "get", path: "/api/traffic", tag: "traffic", summary: "rx/tx rates over the last minutes, for the hub or one spoke",
            query: {
                spokeId: { description: "a spoke id; absent = the whole hub", schema: { type: "string" } },
                minutes: { description: "1-60, default 60", schema: { type: "integer" } },
            },
            responses: { 200: "Points (bytes per second)", 404: errors[404] },
            async handler(req, res) {
                const minutes = v.queryInt(req.query.minutes, "minutes", 1, 60, 60);
                let key: string | null = null;
                if (req.query.spokeId !== undefined) {
                    const spoke = await ctx.db.models.Spoke.findByPk(v.uuid(req.query.spokeId, "spokeId"), { attributes: ["publicKey"] });
                    if (!spoke) throw new HubError("SPOKE_NOT_FOUND", "No spoke with this id", "Reload the spoke list.");
                    key = spoke.publicKey;
                }
                res.json({ intervalSeconds: ctx.traffic.intervalSeconds, points: ctx.traffic.points(key, minutes, ctx.now()) });
            },
        },
    ];
}
