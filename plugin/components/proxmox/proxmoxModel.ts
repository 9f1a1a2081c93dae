// Datacenter → cluster → node, from the cluster records and the Proxmox VE spokes.
import cockpit from "cockpit";
import type { Cluster, Spoke } from "../../types";
import { displayState, type DisplayState } from "../../util/spokeState";

const _ = cockpit.gettext;

export interface NodeView {
    spoke: Spoke;
    name: string;
    state: DisplayState;
}

export interface ClusterView {
    id: string | null;
    name: string;
    datacenter: string;
    nodes: NodeView[];
    counts: Record<DisplayState, number>;
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

export function buildTree(clusters: Cluster[], spokes: Spoke[], now = Date.now()): DatacenterView[] {
    const byId = new Map<string, ClusterView>();
    const byName = new Map<string, ClusterView>();
    for (const c of clusters) {
        const view: ClusterView = { id: c.id, name: c.clusterName, datacenter: c.datacenter ?? UNASSIGNED, nodes: [], counts: emptyCounts() };
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
            if (!view) {
                view = {
                    id: null,
                    name: s.proxmoxClusterName ?? _("Standalone nodes"),
                    datacenter: dc,
                    nodes: [],
                    counts: emptyCounts(),
                };
                standalone.set(key, view);
            }
        }
        const state = displayState(s, now);
        view.nodes.push({ spoke: s, name: s.proxmoxNodeName || s.hostname || s.name, state });
        view.counts[state] += 1;
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
