// Proxmox VE cluster tokens: one command, run on any node, enrolls up to maxUses nodes of one
// cluster, each its own spoke. What the page says about them: which cluster, how far it got.
import cockpit from "cockpit";
import { maxClusterUses } from "../../../backend/contract/fields";
import type { Spoke, TokenSummary } from "../../types";
import { displayState, type DisplayState } from "../../util/spokeState";

const _ = cockpit.gettext;

export const MAX_NODE_COUNT = maxClusterUses;
export const DEFAULT_NODE_COUNT = 3;

export function isClusterToken(token: Pick<TokenSummary, "purpose">): boolean {
    return token.purpose === "cluster";
}

/** Cluster tokens whose command still enrolls nodes: uses left, not expired, not revoked. */
export function enrollingClusterTokens(tokens: TokenSummary[], now: number): TokenSummary[] {
    return tokens.filter(t => isClusterToken(t) && t.state === "pending" && Date.parse(t.expiresAt) > now);
}

/** What a cluster token is for, in words: its cluster once a name is fixed. */
export function clusterTokenTitle(token: Pick<TokenSummary, "proxmoxCluster">): string {
    return token.proxmoxCluster
        ? cockpit.format(_("Proxmox VE cluster $0"), token.proxmoxCluster)
        : _("Proxmox VE cluster, named by its first node");
}

/** "1 of 3 nodes enrolled". */
export function enrolledText(token: Pick<TokenSummary, "uses" | "maxUses">): string {
    return cockpit.format(cockpit.ngettext("$0 of $1 node enrolled", "$0 of $1 nodes enrolled", token.maxUses), token.uses, token.maxUses);
}

/** "2 of 3 left": the uses a cluster token has left. */
export function usesLeftText(token: Pick<TokenSummary, "usesLeft" | "maxUses">): string {
    return cockpit.format(_("$0 of $1 left"), token.usesLeft, token.maxUses);
}

export interface EnrolledNode {
    name: string;
    /** The node's spoke, once the spoke list has it. */
    spoke: Spoke | null;
    state: DisplayState;
}

/** The nodes a cluster token enrolled so far, with the state of each one's spoke. */
export function enrolledNodes(token: Pick<TokenSummary, "nodes" | "proxmoxCluster">, spokes: Spoke[], now: number): EnrolledNode[] {
    if (!token.nodes.length) return [];
    const byNode = new Map<string, Spoke>();
    for (const s of spokes)
        if (s.isProxmox && s.proxmoxNodeName && s.proxmoxClusterName === token.proxmoxCluster) byNode.set(s.proxmoxNodeName, s);
    return token.nodes.map(name => {
        const spoke = byNode.get(name) ?? null;
        // The token lists a node in the same refresh as its spoke, or one before: registered either way.
        return { name, spoke, state: spoke ? displayState(spoke, now) : "registered" };
    });
}
