// A spoke exists for the admin from the moment it is added: until its one-time token is used,
// the table shows the token as a spoke waiting for enrollment. A Proxmox VE cluster's token is
// one row for the whole cluster while nodes may still enroll with it; each node that did is a
// spoke of its own.
import * as api from "../../api";
import type { CreatedToken, TokenSummary } from "../../types";
import { clusterTokenTitle, enrollingClusterTokens } from "../proxmox/clusterTokens";

export interface PendingSpoke {
    token: TokenSummary;
    /** The spoke's name, or the cluster a cluster token enrolls. */
    name: string;
    address: string;
    addressV6: string | null;
    /** Lower-cased text the search box matches against. */
    haystack: string;
}

const stripPrefix = (cidr: string) => cidr.replace(/\/\d+$/, "");

function waitingSpoke(token: TokenSummary): PendingSpoke {
    const address = stripPrefix(token.allowedIPs.find(ip => ip.endsWith("/32")) ?? token.allowedIPs[0] ?? "");
    const v6 = token.allowedIPs.find(ip => ip.endsWith("/128"));
    const addressV6 = v6 ? stripPrefix(v6) : null;
    return {
        token,
        name: token.spokeName,
        address,
        addressV6,
        haystack: [token.spokeName, token.hub ?? "", address, addressV6 ?? "", token.datacenter ?? "", ...token.subnets].join("\n").toLowerCase(),
    };
}

function waitingCluster(token: TokenSummary): PendingSpoke {
    const name = clusterTokenTitle(token);
    return { token, name, address: "", addressV6: null, haystack: [name, token.datacenter ?? "", ...token.nodes].join("\n").toLowerCase() };
}

/**
 * Unused, unexpired enrollment tokens, and cluster tokens with uses left. The hub sends only
 * those (and none whose spoke registered); checked again here, as a token expires between refreshes.
 */
export function pendingSpokes(tokens: TokenSummary[], now: number): PendingSpoke[] {
    if (!tokens.length) return [];
    const waiting = tokens
        .filter(t => t.purpose === "enroll" && t.state === "pending" && Date.parse(t.expiresAt) > now)
        .map(waitingSpoke);
    return [...waiting, ...enrollingClusterTokens(tokens, now).map(waitingCluster)]
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
