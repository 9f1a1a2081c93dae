// wireguard-hub/backend: the hub for another Express application.
import type { RequestHandler } from "express";
import { deferredRouter } from "./hubs";

export { createHub } from "./hubs";
export type { Hub } from "./createHub";
export type { Authorize, HubOptions, HubSettings } from "./options";

/** Tokens and the install script; mount at e.g. /api/wireguard/installation. */
export const installationRoutes: RequestHandler = deferredRouter("installationRoutes");
/** Registration (open) and the spokes; mount at e.g. /api/wireguard/spoke. */
export const spokeRoutes: RequestHandler = deferredRouter("spokeRoutes");
/** Initialisation, settings, status, backup and restore; mount at e.g. /api/wireguard/hub. */
export const hubRoutes: RequestHandler = deferredRouter("hubRoutes");
/** Proxmox VE clusters; mount at e.g. /api/wireguard/proxmox. */
export const proxmoxRoutes: RequestHandler = deferredRouter("proxmoxRoutes");
/** The audit log; mount at e.g. /api/wireguard/audit. */
export const auditRoutes: RequestHandler = deferredRouter("auditRoutes");
/** Traffic rates; mount at e.g. /api/wireguard/traffic. */
export const trafficRoutes: RequestHandler = deferredRouter("trafficRoutes");
