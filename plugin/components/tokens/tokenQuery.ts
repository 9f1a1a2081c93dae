// The Tokens tab's query: search, state filter, sort, and finished tokens tidied away after a week.
import type { TokenState, TokenSummary } from "../../types";
import { clusterTokenTitle, isClusterToken } from "../proxmox/clusterTokens";

export const TIDY_AFTER_MS = 7 * 24 * 3600 * 1000;

export type TokenSortKey = "name" | "state" | "created" | "expires";
export interface TokenSort {
    key: TokenSortKey | null;
    direction: "asc" | "desc";
}

export const STATE_ORDER: TokenState[] = ["pending", "used", "expired", "revoked"];

export interface TokenRow {
    token: TokenSummary;
    state: TokenState;
    /** Its spoke's name, or the cluster a cluster token enrolls. */
    name: string;
}

/** What a token is for, in words: its spoke, or its Proxmox VE cluster. */
export function tokenName(t: TokenSummary): string {
    return isClusterToken(t) ? clusterTokenTitle(t) : t.spokeName;
}

export function tokenState(t: TokenSummary, now = Date.now()): TokenState {
    if (t.state) return t.state;
    if (t.revokedAt) return "revoked";
    if (t.used || t.usedAt) return "used";
    return Date.parse(t.expiresAt) <= now ? "expired" : "pending";
}

/** A used, expired or revoked token made more than a week ago: kept for the record, out of the way. */
export function isTidied(row: TokenRow, now: number): boolean {
    return row.state !== "pending" && now - Date.parse(row.token.createdAt) > TIDY_AFTER_MS;
}

/** Matches the spoke's or cluster's name, a cluster token's nodes, the token's prefix, and its state (its code or its words). */
export function matchesToken(row: TokenRow, search: string, stateText: (s: TokenState) => string): boolean {
    const needle = search.trim().toLowerCase();
    if (!needle) return true;
    return [row.name, row.token.tokenPrefix, row.state, stateText(row.state), ...row.token.nodes].some(t => t.toLowerCase().includes(needle));
}

const created = (r: TokenRow) => Date.parse(r.token.createdAt);

function compare(a: TokenRow, b: TokenRow, key: TokenSortKey): number {
    switch (key) {
    case "name": return a.name.localeCompare(b.name);
    case "state": return STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state);
    case "created": return created(a) - created(b);
    case "expires": return Date.parse(a.token.expiresAt) - Date.parse(b.token.expiresAt);
    }
}

/** Pending first, newest first, unless the admin chose a column. */
export function sortTokens(rows: TokenRow[], sort: TokenSort): TokenRow[] {
    const sign = sort.direction === "asc" ? 1 : -1;
    return [...rows].sort((a, b) => sort.key
        ? sign * compare(a, b, sort.key) || created(b) - created(a)
        : compare(a, b, "state") || created(b) - created(a));
}

export interface TokenQuery {
    search: string;
    state: string;
    sort: TokenSort;
    showOlder: boolean;
}

export function queryTokens(tokens: TokenSummary[], q: TokenQuery, now: number, stateText: (s: TokenState) => string): { rows: TokenRow[]; olderCount: number } {
    const matching = tokens
        .map(t => ({ token: t, state: tokenState(t, now), name: tokenName(t) }))
        .filter(r => (!q.state || r.state === q.state) && matchesToken(r, q.search, stateText));
    const recent = matching.filter(r => !isTidied(r, now));
    const olderCount = matching.length - recent.length;
    return { rows: sortTokens(q.showOlder ? matching : recent, q.sort), olderCount };
}
