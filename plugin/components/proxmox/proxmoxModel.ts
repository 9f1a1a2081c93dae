// Datacenter → cluster → node, from the cluster records, the Proxmox VE spokes and the cluster
// tokens still enrolling nodes.
import cockpit from "cockpit";
import type { Cluster, Spoke, TokenSummary } from "../../types";
import { displayState, type DisplayState } from "../../util/spokeState";

const _ = cockpit.gettext;

export interface NodeView {
    spoke: Spoke;
    name: string;
    state: DisplayState;
}

export interface ClusterView {
    id: string | null;
    /** Tells clusters apart in the tree, those without a record too. */
    key: string;
    name: string;
    datacenter: string;
    nodes: NodeView[];
    counts: Record<DisplayState, number>;
    /** Cluster tokens whose command still enrolls nodes of this cluster. */
    enrolling: TokenSummary[];
}

export interface DatacenterView {
    name: string;
    clusters: ClusterView[];
}

export const UNASSIGNED = "";

function emptyCounts(): Record<DisplayState, number> {
    return { online: 0, registered: 0, offline: 0, disabled: 0 };
}

export function datacenterLabel(name: string): string {
    return name || _("No datacenter");
}

function groupView(key: string, name: string, datacenter: string | null): ClusterView {
    return { id: null, key, name, datacenter: datacenter ?? UNASSIGNED, nodes: [], counts: emptyCounts(), enrolling: [] };
}

/** `enrolling`: the cluster tokens still enrolling nodes (see enrollingClusterTokens). */
export function buildTree(clusters: Cluster[], spokes: Spoke[], now = Date.now(), enrolling: TokenSummary[] = []): DatacenterView[] {
    const byId = new Map<string, ClusterView>();
    const byName = new Map<string, ClusterView>();
    for (const c of clusters) {
        const view: ClusterView = {
            id: c.id, key: `id:${c.id}`, name: c.clusterName, datacenter: c.datacenter ?? UNASSIGNED, nodes: [], counts: emptyCounts(), enrolling: [],
        };
        byId.set(c.id, view);
        byName.set(c.clusterName, view);
    }
    const standalone = new Map<string, ClusterView>();
    for (const s of spokes) {
        if (!s.isProxmox && s.os !== "proxmox") continue;
        let view = (s.proxmoxClusterId && byId.get(s.proxmoxClusterId)) ||
            (s.proxmoxClusterName ? byName.get(s.proxmoxClusterName) : undefined);
        if (!view) {
            // A node outside any cluster is shown as its own one-node group under its datacenter.
            const dc = s.datacenter ?? UNASSIGNED;
            const key = s.proxmoxClusterName ? `cluster:${s.proxmoxClusterName}` : `dc:${dc}`;
            view = standalone.get(key);
            if (!view) standalone.set(key, view = groupView(key, s.proxmoxClusterName ?? _("Standalone nodes"), dc));
        }
        const state = displayState(s, now);
        view.nodes.push({ spoke: s, name: s.proxmoxNodeName || s.hostname || s.name, state });
        view.counts[state] += 1;
    }
    // A cluster whose first node has not enrolled yet is in the tree from the moment its token is made.
    for (const t of enrolling) {
        const name = t.proxmoxCluster;
        let view = name ? byName.get(name) ?? standalone.get(`cluster:${name}`) : undefined;
        if (!view) {
            const key = name ? `cluster:${name}` : `token:${t.id}`;
            standalone.set(key, view = groupView(key, name ?? _("New cluster, named by its first node"), t.datacenter));
        }
        view.enrolling.push(t);
    }
    const datacenters = new Map<string, DatacenterView>();
    for (const view of [...byId.values(), ...standalone.values()]) {
        view.nodes.sort((a, b) => a.name.localeCompare(b.name));
        let dc = datacenters.get(view.datacenter);
        if (!dc) datacenters.set(view.datacenter, dc = { name: view.datacenter, clusters: [] });
        dc.clusters.push(view);
    }
    const list = [...datacenters.values()];
    for (const dc of list) dc.clusters.sort((a, b) => a.name.localeCompare(b.name));
    // Named datacenters first, alphabetically; the unassigned group last.
    return list.sort((a, b) => (a.name === UNASSIGNED ? 1 : 0) - (b.name === UNASSIGNED ? 1 : 0) || a.name.localeCompare(b.name));
}
