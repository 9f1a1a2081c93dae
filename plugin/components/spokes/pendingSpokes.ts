// A spoke exists for the admin from the moment it is added: until its one-time token is used,
// the table shows the token as a spoke waiting for enrollment.
import * as api from "../../api";
import type { CreatedToken, Spoke, TokenSummary } from "../../types";

export interface PendingSpoke {
    token: TokenSummary;
    address: string;
    addressV6: string | null;
    /** Lower-cased text the search box matches against. */
    haystack: string;
}

const stripPrefix = (cidr: string) => cidr.replace(/\/\d+$/, "");

/** Unused, unexpired enrollment tokens whose spoke has not registered yet. */
export function pendingSpokes(tokens: TokenSummary[], spokes: Spoke[], now: number): PendingSpoke[] {
    if (!tokens.length) return [];
    const registered = new Set(spokes.map(s => s.id));
    return tokens
        .filter(t => t.purpose === "enroll" && t.state === "pending" && Date.parse(t.expiresAt) > now && !registered.has(t.spokeId))
        .map(token => {
            const address = stripPrefix(token.allowedIPs.find(ip => ip.endsWith("/32")) ?? token.allowedIPs[0] ?? "");
            const v6 = token.allowedIPs.find(ip => ip.endsWith("/128"));
            const addressV6 = v6 ? stripPrefix(v6) : null;
            return {
                token,
                address,
                addressV6,
                haystack: [token.spokeName, address, addressV6 ?? "", token.datacenter ?? "", ...token.subnets].join("\n").toLowerCase(),
            };
        })
        .sort((a, b) => Date.parse(b.token.createdAt) - Date.parse(a.token.createdAt));
}

export function matchesSearch(haystack: string, search: string): boolean {
    return search.toLowerCase().split(/\s+/).filter(Boolean).every(w => haystack.includes(w));
}

/** The bounds the service accepts for a token's life, in seconds. */
const TTL_SECONDS = { min: 5 * 60, max: 30 * 24 * 3600 };

export class ReissueError extends Error {
    constructor(readonly reason: unknown, readonly oldRevoked: boolean) {
        super(reason instanceof Error ? reason.message : String(reason));
    }
}

/**
 * A new command for a spoke still waiting: the service has no re-issue of an enrollment token,
 * so the old one is revoked (which frees its address and subnets) and a new one made with the
 * same name, address, datacenter, subnets and lifetime.
 */
export async function reissueCommand(p: PendingSpoke): Promise<CreatedToken> {
    const t = p.token;
    const lifetime = Math.round((Date.parse(t.expiresAt) - Date.parse(t.createdAt)) / 1000);
    try {
        await api.revokeToken(t.id);
    } catch (e) {
        throw new ReissueError(e, false);
    }
    try {
        return await api.createToken({
            spokeName: t.spokeName,
            ...(p.address ? { customIP: p.address } : {}),
            ...(t.datacenter ? { datacenter: t.datacenter } : {}),
            ...(t.subnets.length ? { subnets: t.subnets } : {}),
            ttl: Math.min(TTL_SECONDS.max, Math.max(TTL_SECONDS.min, lifetime || TTL_SECONDS.min)),
        });
    } catch (e) {
        throw new ReissueError(e, true);
    }
}
