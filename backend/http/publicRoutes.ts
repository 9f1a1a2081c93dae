// The public enrollment API: the install script, registration and a health check. Nothing
// else answers on this listener.
import type { Request } from "express";
import type { HubContext } from "../context";
import { HubError } from "../errors";
import { loadHub, publicUrl, requireHub } from "../hub/hub";
import { allowedIPsOf, checkToken, type TokenFacts } from "../tokens/tokens";
import { enrolledNodeNames } from "../clusters/clusters";
import { register, spokeConfigFor } from "../spokes/spokes";
import { contentDisposition, isPlatform, platforms, renderInstallScript, type ClusterScriptContext } from "../scripts/render";
import * as c from "../contract/api";
import { route, type RouteSpec } from "./routes";

export function publicRoutes(ctx: HubContext): RouteSpec[] {
    const source = (req: Request) => req.ip ?? null;
    async function clusterScriptContext(row: TokenFacts): Promise<ClusterScriptContext> {
        return {
            name: row.proxmoxCluster,
            maxUses: row.maxUses,
            usesLeft: row.maxUses - row.uses,
            enrolledNodes: row.proxmoxCluster ? await enrolledNodeNames(ctx, row.proxmoxCluster) : [],
        };
    }
    return [
        {
            method: "get", path: "/api/installation/script/:token", tag: "enrollment",
            summary: "The install script for a platform, with the token and the hub's settings (the token is not consumed)",
            input: { query: c.ScriptQuery, params: c.TokenParams },
            responses: { 200: "The script", 400: "Unknown platform", 404: "Unknown token", 410: "Token used, expired or revoked", 429: "Rate limited" },
            async handler(req, res) {
                // Checked here, not by the query's schema: an unknown platform has its own code.
                const platform = req.query.platform ?? "linux";
                if (!isPlatform(platform))
                    throw new HubError("UNSUPPORTED_PLATFORM", `Unknown platform; use one of: ${platforms.join(", ")}`,
                        `Add ?platform=${platforms.join("|")} to the URL.`, { platforms });
                const token = c.installToken(req.params.token);
                const row = await checkToken(ctx, token);
                const cluster = row.purpose === "cluster" ? await clusterScriptContext(row) : null;
                if (cluster && platform !== "proxmox")
                    throw new HubError("CLUSTER_TOKEN_PROXMOX_ONLY", "This is a Proxmox VE cluster token: it enrolls Proxmox VE nodes only",
                        "Use ?platform=proxmox, and run the command on a node of the cluster.", { platforms: ["proxmox"] });
                const hub = await requireHub(ctx);
                const config = await spokeConfigFor(ctx, row.spokeId, row.address, row.addressV6, row.hubName);
                const script = renderInstallScript(platform, {
                    ...config,
                    // Each node of a cluster gets its addresses when it registers.
                    addresses: cluster ? [] : config.addresses,
                    cluster,
                    token,
                    spokeName: cluster ? "" : row.spokeName,
                    hubUrl: publicUrl(ctx, hub),
                    pin: ctx.tls?.pin ?? null,
                    interfaceName: "wg0",
                    agentPort: ctx.config.agentPort,
                    reenroll: row.purpose === "reenroll",
                });
                res.setHeader("Content-Type", script.contentType);
                res.setHeader("Content-Disposition", contentDisposition(script));
                res.setHeader("Cache-Control", "no-store");
                res.send(script.body);
            },
        },
        route({
            method: "post", path: "/api/spoke/register", tag: "enrollment",
            summary: "Register a spoke's public key with a one-time token",
            input: { body: c.RegisterBody }, answer: c.RegisterAnswer,
            responses: { 201: "Registered: the spoke's settings", 400: "Invalid input", 404: "Unknown token", 409: "Public key in use", 410: "Token used, expired or revoked", 429: "Rate limited" },
            async handler(req, res, { body }) {
                const isProxmox = body.isProxmox ?? false;
                const reg = {
                    token: c.installToken(body.token),
                    publicKey: body.publicKey,
                    os: body.os ?? (isProxmox ? "proxmox" : "linux"),
                    hostname: body.hostname ?? null,
                    isProxmox,
                    proxmoxNodeName: body.proxmoxNodeName ?? null,
                    proxmoxClusterName: body.proxmoxClusterName ?? null,
                    proxmoxVersion: body.proxmoxVersion ?? null,
                    proxmoxClusterNodes: body.proxmoxClusterNodes ?? [],
                    metadata: body.metadata ?? {},
                };
                const { spoke, config, reenrolled } = await register(ctx, reg, source(req));
                res.status(201).json({
                    message: reenrolled ? "Spoke re-enrolled successfully" : "Spoke registered successfully",
                    spoke: {
                        id: spoke.id,
                        name: spoke.name,
                        publicKey: spoke.publicKey,
                        allowedIPs: allowedIPsOf(spoke.address, spoke.addressV6, JSON.parse(spoke.subnets) as string[]),
                        address: spoke.address,
                        addressV6: spoke.addressV6,
                        status: "pending",
                    },
                    config,
                });
            },
        }),
        {
            method: "get", path: "/healthz", tag: "enrollment", summary: "Liveness: the service answers and knows whether it is initialised",
            answer: c.Health,
            responses: { 200: "OK" },
            async handler(_req, res) {
                res.json({ status: "ok", initialized: Boolean(await loadHub(ctx)) });
            },
        },
    ];
}
