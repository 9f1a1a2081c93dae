// createHub's options: the WGHUB_* settings under their own names, checked by the same
// loadConfig as the service's environment, so a bad value is refused the same way.
import type { Request } from "express";
import { loadConfig, type Config, type WgMode } from "../config";
import type { LogLevel } from "../log";

/**
 * What the host app says about a request to an admin route: false refuses it (401), true
 * lets it through, a string lets it through and is the name the audit log records.
 */
export type Authorize = (req: Request) => boolean | string | Promise<boolean | string>;

export interface HubSettings {
    /** WGHUB_DATA_DIR */
    dataDir?: string;
    /** WGHUB_DATABASE_URL: sqlite:<file> or postgres://… */
    databaseUrl?: string;
    /** WGHUB_PUBLIC_LISTEN: where the enrollment listener (script, register) listens, host:port. */
    publicListen?: string;
    /** WGHUB_PUBLIC_URL: the base URL spokes use to reach the enrollment listener. */
    publicUrl?: string;
    /** WGHUB_TLS */
    tls?: boolean;
    /** WGHUB_ALLOW_HTTP_ENROLLMENT */
    allowHttpEnrollment?: boolean;
    /** WGHUB_TLS_CERT and WGHUB_TLS_KEY */
    tlsCert?: string;
    tlsKey?: string;
    /** WGHUB_WG_MODE */
    wgMode?: WgMode;
    /** WGHUB_INTERFACE */
    interfaceName?: string;
    /** WGHUB_WG_CONF_DIR */
    wgConfDir?: string;
    /** WGHUB_RECONCILE_SCHEDULE: a node-cron expression. */
    reconcileSchedule?: string;
    /** WGHUB_TOKEN_TTL: 15m, 24h, 7d… */
    tokenTtl?: string;
    /** WGHUB_CONNECTIONS_PER_ADDRESS */
    connectionsPerAddress?: number;
    /** WGHUB_AGENT_PORT */
    agentPort?: number;
    /** WGHUB_RATE_LIMIT: N/min, N/s, N/h or off (script and register). */
    rateLimit?: string;
    /** WGHUB_LOG_LEVEL */
    logLevel?: LogLevel;
    /** This hub's name among hubs sharing one PostgreSQL database. */
    hubName?: string;
}

export interface HubOptions extends HubSettings {
    /** Guards every admin route; without it they answer whoever reaches the host app. */
    authorize?: Authorize;
    /**
     * Whether the hub listens for enrollment itself (publicListen, TLS with the pinned key),
     * as the service does: the install commands its tokens carry point there. Default true.
     */
    enrollmentListener?: boolean;
}

const variables: Record<keyof HubSettings, string> = {
    dataDir: "WGHUB_DATA_DIR",
    databaseUrl: "WGHUB_DATABASE_URL",
    publicListen: "WGHUB_PUBLIC_LISTEN",
    publicUrl: "WGHUB_PUBLIC_URL",
    tls: "WGHUB_TLS",
    allowHttpEnrollment: "WGHUB_ALLOW_HTTP_ENROLLMENT",
    tlsCert: "WGHUB_TLS_CERT",
    tlsKey: "WGHUB_TLS_KEY",
    wgMode: "WGHUB_WG_MODE",
    interfaceName: "WGHUB_INTERFACE",
    wgConfDir: "WGHUB_WG_CONF_DIR",
    reconcileSchedule: "WGHUB_RECONCILE_SCHEDULE",
    tokenTtl: "WGHUB_TOKEN_TTL",
    connectionsPerAddress: "WGHUB_CONNECTIONS_PER_ADDRESS",
    agentPort: "WGHUB_AGENT_PORT",
    rateLimit: "WGHUB_RATE_LIMIT",
    logLevel: "WGHUB_LOG_LEVEL",
    hubName: "WGHUB_HUB_NAME",
};

function asVariable(value: string | number | boolean, name: keyof HubSettings): string {
    if (typeof value !== "boolean") return String(value);
    return name === "tls" ? (value ? "on" : "off") : (value ? "yes" : "no");
}

/** The configuration: each option given wins over its variable in `env`. */
export function configOf(settings: HubSettings, env: NodeJS.ProcessEnv = process.env): Config {
    const merged: NodeJS.ProcessEnv = { ...env };
    for (const name of Object.keys(variables) as (keyof HubSettings)[]) {
        const value = settings[name];
        if (value !== undefined) merged[variables[name]] = asVariable(value, name);
    }
    return loadConfig(merged);
}
