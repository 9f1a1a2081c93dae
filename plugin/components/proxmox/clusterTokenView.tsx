// A new cluster token, shown once: the one Proxmox VE command and what it does, then the
// cluster's nodes followed live as they register and handshake.
import React, { useEffect } from "react";
import { Alert, Content, Label, List, ListItem } from "@patternfly/react-core";
import cockpit from "cockpit";
import { useStore, useWanted } from "../../store";
import type { CreatedToken, TokenSummary } from "../../types";
import { variantLabel } from "../common/alertLabels";
import { CopyBlock } from "../common/copyText";
import { formatDateTime, timeUntil } from "../../util/format";
import { STATE_LABEL, spokeAddress } from "../../util/spokeState";
import { useFastRefresh } from "../spokes/tokenView";
import { enrolledNodes, enrolledText } from "./clusterTokens";

const _ = cockpit.gettext;

/** The token as the last refresh lists it: its uses and nodes move as the nodes register. */
function useLiveToken(created: CreatedToken): TokenSummary {
    useWanted("tokens");
    const { tokens } = useStore();
    return tokens.find(t => t.id === created.id) ?? created;
}

export const ClusterTokenView = ({ token, onCopied, onEnrolled }: {
    token: CreatedToken;
    /** Called once the command was copied (button or selection). */
    onCopied?: () => void;
    /** Called once the first node registered: the command did its work. */
    onEnrolled?: () => void;
}) => {
    useFastRefresh(2000);
    // The cluster's nodes are followed as spokes.
    useWanted("spokes");
    const live = useLiveToken(token);
    const { spokes, updatedAt } = useStore();
    const nodes = enrolledNodes(live, spokes, updatedAt || Date.now());
    const command = token.installCommands.proxmox ?? "";
    useEffect(() => {
        if (live.uses > 0) onEnrolled?.();
    }, [live.uses, onEnrolled]);

    return (
        <>
            <Alert id="token-once" isInline variant="warning" variantLabel={variantLabel("warning")}
                title={_("Copy the command now: the token inside it will not be shown again.")}>
                {cockpit.format(
                    cockpit.ngettext("It enrolls up to $0 node and expires $1 ($2).", "It enrolls up to $0 nodes and expires $1 ($2).", token.maxUses),
                    token.maxUses, timeUntil(token.expiresAt), formatDateTime(token.expiresAt))}
            </Alert>
            <div className="pf-v6-u-pt-md" onCopy={onCopied}>
                <Content component="p">{_("Run as root on any one node of the cluster:")}</Content>
                <CopyBlock id="cluster-command" text={command} onCopied={onCopied} />
                <Content component="p" id="cluster-command-explained" className="pf-v6-u-pt-sm">
                    {_("It enrolls that node, then every other online node of the cluster over the cluster's own root SSH, each with its own keys and address. A node it cannot enroll is named in its summary, with a command of its own to run on that node.")}
                </Content>
            </div>
            <Content component="h3" className="pf-v6-u-mt-lg">{_("Progress")}</Content>
            <div id="cluster-progress" data-uses={live.uses} data-max-uses={live.maxUses}>
                <Content component="p" id="cluster-progress-count">
                    {live.uses === 0 ? _("Waiting for the command to run on a node.") : enrolledText(live)}
                </Content>
                {nodes.length > 0 && (
                    <List isPlain aria-label={_("Enrolled nodes")}>
                        {nodes.map(n => (
                            <ListItem key={n.name} data-node={n.name} data-state={n.state}>
                                {n.name}
                                {n.spoke && <span className="pf-v6-u-text-color-subtle pf-v6-u-ml-sm">{spokeAddress(n.spoke)}</span>}
                                <Label isCompact className="pf-v6-u-ml-sm" color={STATE_LABEL[n.state].color}>{STATE_LABEL[n.state].text()}</Label>
                            </ListItem>
                        ))}
                    </List>
                )}
            </div>
        </>
    );
};
