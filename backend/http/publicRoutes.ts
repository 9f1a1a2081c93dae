// The public enrollment API: the install script, registration and a health check. Nothing
// else answers on this listener.
import type { Request } from "express";
import type { HubContext } from "../context";
import { HubError } from "../errors";
import { loadHub, publicUrl, requireHub } from "../hub/hub";
import { allowedIPsOf, checkToken } from "../tokens/tokens";
import { register, spokeConfigFor, spokeOses } from "../spokes/spokes";
import { contentDisposition, isPlatform, platforms, renderInstallScript } from "../scripts/render";
import type { RouteSpec } from "./routes";
import * as v from "./validation";

export function publicRoutes(ctx: HubContext): RouteSpec[] {
    const source = (req: Request) => req.ip ?? null;
    return [
        {
            method: "get", path: "/api/installation/script/:token", tag: "enrollment",
            summary: "The install script for a platform, with the token and the hub's settings (the token is not consumed)",
            query: { platform: { description: platforms.join(" | "), schema: { type: "string", enum: platforms } } },
            responses: { 200: "The script", 400: "Unknown platform", 404: "Unknown token", 410: "Token used, expired or revoked", 429: "Rate limited" },
            async handler(req, res) {
                const platform = req.query.platform ?? "linux";
                if (!isPlatform(platform))
                    throw new HubError("UNSUPPORTED_PLATFORM", `Unknown platform; use one of: ${platforms.join(", ")}`,
                        `Add ?platform=${platforms.join("|")} to the URL.`, { platforms });
                const token = v.installToken(req.params.token);
                const row = await checkToken(ctx, token);
                const hub = await requireHub(ctx);
                const script = renderInstallScript(platform, {
                    ...await spokeConfigFor(ctx, row.spokeId, row.address, row.addressV6),
                    token,
                    spokeName: row.spokeName,
                    hubUrl: publicUrl(ctx, hub),
                    pin: ctx.tls?.pin ?? null,
                    interfaceName: "wg0",
                });
                res.setHeader("Content-Type", script.contentType);
                res.setHeader("Content-Disposition", contentDisposition(script));
                res.setHeader("Cache-Control", "no-store");
                res.send(script.body);
            },
        },
        {
            method: "post", path: "/api/spoke/register", tag: "enrollment",
            summary: "Register a spoke's public key with a one-time token",
            body: {
                type: "object", required: ["token", "publicKey"],
                properties: {
                    token: { type: "string" }, publicKey: { type: "string" }, os: { type: "string", enum: spokeOses },
                    hostname: { type: "string" }, isProxmox: { type: "boolean" }, proxmoxNodeName: { type: "string" },
                    proxmoxClusterName: { type: "string" }, proxmoxVersion: { type: "string" },
                    proxmoxClusterNodes: { type: "array", items: { type: "string" } }, metadata: { type: "object" },
                },
            },
            responses: { 201: "Registered: the spoke's settings", 400: "Invalid input", 404: "Unknown token", 409: "Public key in use", 410: "Token used, expired or revoked", 429: "Rate limited" },
            async handler(req, res) {
                const body = v.asBody(req.body);
                const token = v.installToken(body.token);
                const isProxmox = v.bool(body, "isProxmox");
                const reg = {
                    token,
                    publicKey: v.wireguardKey(body, "publicKey"),
                    os: v.oneOf(body, "os", spokeOses, isProxmox ? "proxmox" : "linux"),
                    hostname: v.hostname(body, "hostname"),
                    isProxmox,
                    proxmoxNodeName: v.label(body, "proxmoxNodeName"),
                    proxmoxClusterName: v.text(body, "proxmoxClusterName", { max: 100 }),
                    proxmoxVersion: v.text(body, "proxmoxVersion", { max: 100 }),
                    proxmoxClusterNodes: v.labelList(body, "proxmoxClusterNodes"),
                    metadata: v.metadata(body, "metadata"),
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
        },
        {
            method: "get", path: "/healthz", tag: "enrollment", summary: "Liveness: the service answers and knows whether it is initialised",
            responses: { 200: "OK" },
            async handler(_req, res) {
                res.json({ status: "ok", initialized: Boolean(await loadHub(ctx)) });
            },
        },
    ];
}
