// wireguard-hub/backend: the hub for another Express application.
import { deferredRouter } from "./hubs";

export { createHub } from "./hubs";
export type { Hub } from "./createHub";
export type { Authorize, HubOptions, HubSettings } from "./options";

/** Tokens and the install script; mount at e.g. /api/wireguard/installation. */
export const installationRoutes = deferredRouter("installationRoutes");
/** Registration (open) and the spokes; mount at e.g. /api/wireguard/spoke. */
export const spokeRoutes = deferredRouter("spokeRoutes");
/** Initialisation, settings, status, backup and restore; mount at e.g. /api/wireguard/hub. */
export const hubRoutes = deferredRouter("hubRoutes");
/** Proxmox VE clusters; mount at e.g. /api/wireguard/proxmox. */
export const proxmoxRoutes = deferredRouter("proxmoxRoutes");
/** The audit log; mount at e.g. /api/wireguard/audit. */
export const auditRoutes = deferredRouter("auditRoutes");
/** Traffic rates; mount at e.g. /api/wireguard/traffic. */
export const trafficRoutes = deferredRouter("trafficRoutes");
