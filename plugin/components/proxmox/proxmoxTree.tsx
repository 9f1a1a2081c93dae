// The Proxmox VE view: datacenters, their clusters with counts per state, and each node's state;
// a cluster being enrolled shows how many of its nodes have joined while its command still works.
import React, { useMemo, useState } from "react";
import {
    Button, EmptyState, EmptyStateActions, EmptyStateFooter, Spinner, EmptyStateBody, Flex, Label, LabelGroup, Toolbar, ToolbarContent, ToolbarItem,
    TreeView, type TreeViewDataItem,
} from "@patternfly/react-core";
import { ClusterIcon, BuildingIcon, PlusCircleIcon, ServerIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";
import { useStore, useWanted } from "../../store";
import { STATE_LABEL, DISPLAY_STATES, spokeAddress } from "../../util/spokeState";
import { formatDateTime, timeUntil } from "../../util/format";
import { buildTree, datacenterLabel, type ClusterView } from "./proxmoxModel";
import { MoveClusterDialog } from "./moveClusterDialog";
import { AddClusterDialog, type KnownCluster } from "./addClusterDialog";
import { enrolledText, enrollingClusterTokens } from "./clusterTokens";
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

/** "1 of 3 nodes enrolled" for each cluster token still enrolling nodes of the cluster. */
const Enrolling = ({ cluster, now }: { cluster: ClusterView; now: number }) => (
    <>
        {cluster.enrolling.map(t => (
            <Label key={t.id} isCompact variant="outline" color="blue" className="pf-v6-u-ml-sm wgh-cluster-enrolling" data-token={t.id}
                data-uses={t.uses} data-max-uses={t.maxUses}>
                <span title={formatDateTime(t.expiresAt)}>
                    {cockpit.format(_("$0, command expires $1"), enrolledText(t), timeUntil(t.expiresAt, now))}
                </span>
            </Label>
        ))}
    </>
);

function slug(text: string): string {
    return text.replace(/[^a-zA-Z0-9_-]/g, "_");
}

const AddClusterButton = ({ onClick }: { onClick: () => void }) => (
    <Button id="proxmox-add-cluster" variant="secondary" icon={<PlusCircleIcon />} onClick={onClick}>{_("Add Proxmox VE cluster")}</Button>
);

export const ProxmoxTree = () => {
    useWanted("clusters");
    // Cluster tokens: a cluster being enrolled shows its progress.
    useWanted("tokens");
    // The nodes are spokes: the tree needs every one.
    useWanted("spokes");
    const { clusters, spokes, tokens, updatedAt, listsLoaded } = useStore();
    const [moving, setMoving] = useState<ClusterView | null>(null);
    const [adding, setAdding] = useState<KnownCluster | "new" | null>(null);
    const now = updatedAt || Date.now();
    const tree = useMemo(() => buildTree(clusters, spokes, now, enrollingClusterTokens(tokens, now)), [clusters, spokes, tokens, now]);
    const datacenterNames = useMemo(() => knownDatacenters([...tree.map(dc => dc.name), ...spokes.map(s => s.datacenter)]), [tree, spokes]);

    const data: TreeViewDataItem[] = tree.map(dc => ({
        id: `dc-${slug(dc.name || "none")}`,
        name: datacenterLabel(dc.name),
        icon: <BuildingIcon />,
        defaultExpanded: true,
        hasBadge: true,
        customBadgeContent: cockpit.format(cockpit.ngettext("$0 cluster", "$0 clusters", dc.clusters.length), dc.clusters.length),
        children: dc.clusters.map(c => ({
            id: `cluster-${slug(c.id ?? c.key)}`,
            name: <span data-cluster={c.name}>{c.name}<Counts cluster={c} /><Enrolling cluster={c} now={now} /></span>,
            icon: <ClusterIcon />,
            defaultExpanded: true,
            hasBadge: true,
            customBadgeContent: cockpit.format(cockpit.ngettext("$0 node", "$0 nodes", c.nodes.length), c.nodes.length),
            action: c.id
                ? (
                    <Flex spaceItems={{ default: "spaceItemsNone" }} flexWrap={{ default: "nowrap" }}>
                        <Button id={`cluster-add-nodes-${slug(c.name)}`} variant="link" size="sm"
                            onClick={() => setAdding({ name: c.name, datacenter: c.datacenter })}>
                            {_("Add nodes…")}
                        </Button>
                        <Button id={`cluster-move-${slug(c.name)}`} variant="link" size="sm" onClick={() => setMoving(c)}>
                            {_("Move…")}
                        </Button>
                    </Flex>
                )
                : undefined,
            children: c.nodes.map(n => ({
                id: `node-${n.spoke.id}`,
                icon: <ServerIcon />,
                name: (
                    <span data-node={n.name}>
                        {n.name}
                        <span className="pf-v6-u-text-color-subtle pf-v6-u-ml-sm">{spokeAddress(n.spoke)}</span>
                        <Label isCompact className="pf-v6-u-ml-sm" color={STATE_LABEL[n.state].color}>{STATE_LABEL[n.state].text()}</Label>
                    </span>
                ),
            })),
        })),
    }));

    const dialogs = (
        <>
            {moving && <MoveClusterDialog cluster={moving} datacenters={datacenterNames} onClose={() => setMoving(null)} />}
            {adding && <AddClusterDialog cluster={adding === "new" ? undefined : adding} onClose={() => setAdding(null)} />}
        </>
    );
    if (!listsLoaded.clusters || !listsLoaded.spokes) return <EmptyState id="proxmox-loading" headingLevel="h3" titleText={_("Loading clusters")} icon={Spinner} />;
    if (data.length === 0) {
        return (
            <>
                <EmptyState id="proxmox-empty" headingLevel="h3" icon={ClusterIcon} titleText={_("No Proxmox VE nodes")}>
                    <EmptyStateBody>
                        {_("Add a Proxmox VE cluster and run its command on any one node: it enrolls every node, and they appear here grouped by cluster and datacenter.")}
                    </EmptyStateBody>
                    <EmptyStateFooter>
                        <EmptyStateActions><AddClusterButton onClick={() => setAdding("new")} /></EmptyStateActions>
                    </EmptyStateFooter>
                </EmptyState>
                {dialogs}
            </>
        );
    }
    return (
        <>
            <Toolbar id="proxmox-toolbar">
                <ToolbarContent>
                    <ToolbarItem><AddClusterButton onClick={() => setAdding("new")} /></ToolbarItem>
                </ToolbarContent>
            </Toolbar>
            <div id="proxmox-tree"><TreeView data={data} hasBadges aria-label={_("Proxmox VE datacenters, clusters and nodes")} /></div>
            {dialogs}
        </>
    );
};
