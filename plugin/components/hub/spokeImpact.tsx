// What a change of the hub's settings means for the spokes already running: those with an
// agent pick it up by themselves, the others keep their old settings until re-enrolled.
import React from "react";
import { Alert, List, ListItem } from "@patternfly/react-core";
import cockpit from "cockpit";
import type { HubStatus } from "../../types";
import { variantLabel } from "../common/alertLabels";

const _ = cockpit.gettext;

/** Of the hub's spokes (as its status counts them), those that follow through an agent and those that do not. */
export function countFollowers(status: HubStatus | null): { following: number; reenroll: number } {
    const total = status?.spokes.total ?? 0;
    const following = status?.spokes.withAgent ?? 0;
    return { following, reenroll: total - following };
}

export const SpokeImpact = ({ status }: { status: HubStatus | null }) => {
    const { following, reenroll } = countFollowers(status);
    if (following + reenroll === 0) return null;
    return (
        <Alert id="edit-hub-impact" isInline variant={reenroll ? "warning" : "info"} variantLabel={variantLabel(reenroll ? "warning" : "info")}
            className="pf-v6-u-mt-md" title={_("What this change means for the running spokes")}>
            <List>
                <ListItem id="edit-hub-impact-following">
                    {cockpit.format(cockpit.ngettext("$0 spoke follows by itself through its agent, within a minute.",
                        "$0 spokes follow by themselves through their agents, within a minute.", following), following)}
                </ListItem>
                <ListItem id="edit-hub-impact-reenroll">
                    {cockpit.format(cockpit.ngettext("$0 spoke has no agent: it keeps the old settings until it is re-enrolled.",
                        "$0 spokes have no agent: they keep the old settings until they are re-enrolled.", reenroll), reenroll)}
                </ListItem>
            </List>
        </Alert>
    );
};
