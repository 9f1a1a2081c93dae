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

/**
 * A new command for a spoke still waiting: the service replaces its token in one step, for the
 * same spoke, address, subnets and datacenter, with the same lifetime from now.
 */
export function reissueCommand(p: PendingSpoke): Promise<CreatedToken> {
    return api.reissueToken(p.token.id);
}
