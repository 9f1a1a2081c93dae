// Add a Proxmox VE cluster, or nodes to one: the form makes a cluster token (one command for up
// to N nodes), then the same dialog shows the command and follows the nodes as they enroll.
import React, { useCallback, useMemo, useState } from "react";
import {
    Alert, Form, ModalBody, ModalFooter, ModalHeader,
} from "@patternfly/react-core";
import cockpit from "cockpit";
import { DEFAULT_TOKEN_LIFETIME, TokenLifetimeField } from "../common/tokenLifetime";
import type { TokenRequest } from "../../types";
import { Dialog } from "../common/dialog";
import { Field } from "../common/field";
import { InlineError } from "../common/inlineError";
import { DatacenterPicker } from "../common/datacenterPicker";
import { useDatacenters } from "../common/useDatacenters";
import { submitOnEnter } from "../common/submitOnEnter";
import { variantLabel } from "../common/alertLabels";
import { resolveDatacenter } from "../../util/datacenters";
import { TokenDialogFooter, useTokenCloseGuard } from "../spokes/tokenCloseGuard";
import { useTokenCreation } from "../spokes/useTokenCreation";
import { ClusterTokenView } from "./clusterTokenView";
import { DEFAULT_NODE_COUNT, MAX_NODE_COUNT } from "./clusterTokens";

const _ = cockpit.gettext;


/** A cluster the hub knows already: its name and datacenter are given, not asked. */
export interface KnownCluster {
    name: string;
    datacenter: string;
}

function checkClusterName(value: string): string | null {
    const name = value.trim();
    if (name.length > 100) return cockpit.format(_("Use at most $0 characters."), 100);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(name)) return _("The name cannot hold control characters.");
    return null;
}

function checkNodeCount(value: string): string | null {
    const n = Number(value.trim());
    if (!/^\d+$/.test(value.trim()) || n < 1 || n > MAX_NODE_COUNT)
        return cockpit.format(_("Enter a whole number from 1 to $0."), MAX_NODE_COUNT);
    return null;
}

/** Closing before the command was copied or used asks first, in the words of a cluster. */
const ClusterCloseQuestion = () => (
    <Alert id="token-close-confirm" isInline variant="warning" variantLabel={variantLabel("warning")} className="pf-v6-u-mb-md"
        title={_("Close without copying the command?")}>
        {_("The token inside it is shown only once. Once this dialog is closed, the nodes not enrolled yet need a new command: \"Add nodes\" on the cluster in the Proxmox tab.")}
    </Alert>
);

export const AddClusterDialog = ({ cluster, onClose }: { cluster?: KnownCluster; onClose: () => void }) => {
    const datacenters = useDatacenters();
    const [name, setName] = useState(cluster?.name ?? "");
    const [nodeCount, setNodeCount] = useState(String(DEFAULT_NODE_COUNT));
    const [datacenter, setDatacenter] = useState(cluster?.datacenter ?? "");
    const [ttl, setTtl] = useState(DEFAULT_TOKEN_LIFETIME);
    const [tried, setTried] = useState(false);
    const { busy, error, token, create } = useTokenCreation();
    const guard = useTokenCloseGuard(onClose, token !== null);
    const { onStage } = guard.follow;
    const onEnrolled = useCallback(() => onStage("registered"), [onStage]);

    const errors = useMemo(() => ({ name: checkClusterName(name), nodeCount: checkNodeCount(nodeCount) }), [name, nodeCount]);
    const valid = !errors.name && !errors.nodeCount;

    const submit = async () => {
        if (busy || token) return;
        setTried(true);
        if (!valid) return;
        const req: TokenRequest = { maxUses: Number(nodeCount.trim()), ttl };
        const clusterName = name.trim();
        if (clusterName) req.proxmoxCluster = clusterName;
        const pickedDatacenter = resolveDatacenter(datacenter, datacenters);
        if (pickedDatacenter) req.datacenter = pickedDatacenter;
        await create(req);
    };

    const title = token
        ? (token.proxmoxCluster ? cockpit.format(_("Enroll cluster $0"), token.proxmoxCluster) : _("Enroll a Proxmox VE cluster"))
        : cluster ? cockpit.format(_("Add nodes to $0"), cluster.name) : _("Add Proxmox VE cluster");

    return (
        <Dialog id="add-cluster-dialog" isOpen onClose={guard.requestClose} variant="medium" aria-labelledby="add-cluster-title"
            elementToFocus={cluster ? "#add-cluster-nodes" : "#add-cluster-name"}>
            <ModalHeader labelId="add-cluster-title" title={title} />
            <ModalBody>
                {guard.asking && <ClusterCloseQuestion />}
                {token
                    ? <ClusterTokenView token={token} onCopied={guard.follow.onCopied} onEnrolled={onEnrolled} />
                    : (
                        <Form id="add-cluster-form" isHorizontal onKeyDown={submitOnEnter(() => void submit())} onSubmit={e => {
                            e.preventDefault();
                            void submit();
                        }}>
                            <Field id="add-cluster-name" label={_("Cluster name")} value={name} onChange={setName} isDisabled={!!cluster}
                                error={errors.name} showError={tried || name !== ""}
                                helper={cluster
                                    ? _("Only nodes of this cluster can use the command.")
                                    : _("Optional. As pvecm status names it; empty lets the first node to enroll fix it.")} />
                            <Field id="add-cluster-nodes" label={_("Nodes")} type="number" isRequired value={nodeCount} onChange={setNodeCount}
                                error={errors.nodeCount} showError={tried || nodeCount !== ""}
                                helper={_("How many nodes the command may enroll: the cluster's node count, or more for nodes to come.")} />
                            {!cluster && (
                                <DatacenterPicker id="add-cluster-datacenter" label={_("Datacenter")} value={datacenter} onChange={setDatacenter}
                                    existing={datacenters} helper={_("Optional. Groups Proxmox VE clusters in the Proxmox tab.")} />
                            )}
                            <TokenLifetimeField id="add-cluster-ttl" value={ttl} onChange={setTtl} />
                            {error && <InlineError id="add-cluster-error" title={_("The token could not be created")} error={error} className="" />}
                        </Form>
                    )}
            </ModalBody>
            <ModalFooter>
                <TokenDialogFooter idPrefix="add-cluster" guard={guard} made={!!token} busy={busy} isDisabled={tried && !valid}
                    onCreate={() => void submit()} onCancel={onClose} />
            </ModalFooter>
        </Dialog>
    );
};
