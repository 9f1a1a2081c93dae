// The Proxmox VE view: datacenters, their clusters with counts per state, and each node's state.
import React, { useMemo, useState } from "react";
import { Button, EmptyState, Spinner, EmptyStateBody, Label, LabelGroup, TreeView, type TreeViewDataItem } from "@patternfly/react-core";
import { ClusterIcon, BuildingIcon, ServerIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";
import { useStore, useWanted } from "../../store";
import { STATE_LABEL, DISPLAY_STATES, spokeAddress } from "../../util/spokeState";
import { buildTree, datacenterLabel, type ClusterView } from "./proxmoxModel";
import { MoveClusterDialog } from "./moveClusterDialog";
import { knownDatacenters } from "../../util/datacenters";

const _ = cockpit.gettext;

const Counts = ({ cluster }: { cluster: ClusterView }) => (
    <LabelGroup numLabels={5} className="pf-v6-u-ml-sm" aria-label={_("Spokes by state")}
        collapsedText={_("${remaining} more")} expandedText={_("Show less")}>
        {DISPLAY_STATES.filter(s => cluster.counts[s] > 0).map(s => (
            <Label key={s} isCompact color={STATE_LABEL[s].color}>
                {cockpit.format("$0 $1", cluster.counts[s], STATE_LABEL[s].text())}
            </Label>
        ))}
    </LabelGroup>
);

function slug(text: string): string {
    return text.replace(/[^a-zA-Z0-9_-]/g, "_");
}

export const ProxmoxTree = () => {
    useWanted("clusters");
    const { clusters, spokes, updatedAt, listsLoaded } = useStore();
    const [moving, setMoving] = useState<ClusterView | null>(null);
    const tree = useMemo(() => buildTree(clusters, spokes, updatedAt || Date.now()), [clusters, spokes, updatedAt]);
    const datacenterNames = useMemo(() => knownDatacenters([...tree.map(dc => dc.name), ...spokes.map(s => s.datacenter)]), [tree, spokes]);

    const data: TreeViewDataItem[] = tree.map(dc => ({
        id: `dc-${slug(dc.name || "none")}`,
        name: datacenterLabel(dc.name),
        icon: <BuildingIcon />,
        defaultExpanded: true,
        hasBadge: true,
        customBadgeContent: cockpit.format(cockpit.ngettext("$0 cluster", "$0 clusters", dc.clusters.length), dc.clusters.length),
        children: dc.clusters.map(c => ({
            id: `cluster-${slug(c.id ?? c.name)}`,
            name: <span>{c.name}<Counts cluster={c} /></span>,
            icon: <ClusterIcon />,
            defaultExpanded: true,
            hasBadge: true,
            customBadgeContent: cockpit.format(cockpit.ngettext("$0 node", "$0 nodes", c.nodes.length), c.nodes.length),
            action: c.id
                ? (
                    <Button id={`cluster-move-${slug(c.name)}`} variant="link" size="sm" onClick={() => setMoving(c)}>
                        {_("Move…")}
                    </Button>
                )
                : undefined,
            children: c.nodes.map(n => ({
                id: `node-${n.spoke.id}`,
                icon: <ServerIcon />,
                name: (
                    <span data-node={n.name}>
                        {n.name}
                        <span className="pf-v6-u-color-200 pf-v6-u-ml-sm">{spokeAddress(n.spoke)}</span>
                        <Label isCompact className="pf-v6-u-ml-sm" color={STATE_LABEL[n.state].color}>{STATE_LABEL[n.state].text()}</Label>
                    </span>
                ),
            })),
        })),
    }));

    if (!listsLoaded.clusters) return <EmptyState id="proxmox-loading" headingLevel="h3" titleText={_("Loading clusters")} icon={Spinner} />;
    if (data.length === 0) {
        return (
            <EmptyState id="proxmox-empty" headingLevel="h3" icon={ClusterIcon} titleText={_("No Proxmox VE nodes")}>
                <EmptyStateBody>
                    {_("Add a spoke and run its Proxmox VE command on each node: the nodes appear here grouped by cluster and datacenter.")}
                </EmptyStateBody>
            </EmptyState>
        );
    }
    return (
        <>
            <div id="proxmox-tree" className="pf-v6-u-pt-md"><TreeView data={data} hasBadges aria-label={_("Proxmox VE datacenters, clusters and nodes")} /></div>
            {moving && <MoveClusterDialog cluster={moving} datacenters={datacenterNames} onClose={() => setMoving(null)} />}
        </>
    );
};
