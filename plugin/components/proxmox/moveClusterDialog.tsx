// Moves a Proxmox VE cluster to another datacenter (a label; no node is touched).
import React, { useState } from "react";
import { Button, Form, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core";
import { Dialog } from "../common/dialog";
import cockpit from "cockpit";
import * as api from "../../api";
import { store, useDialogAction } from "../../store";
import { DatacenterPicker } from "../common/datacenterPicker";
import { resolveDatacenter } from "../../util/datacenters";
import { notify } from "../common/toasts";
import type { ClusterView } from "./proxmoxModel";
import { InlineError } from "../common/inlineError";

const _ = cockpit.gettext;

export const MoveClusterDialog = ({ cluster, datacenters, onClose }: {
    cluster: ClusterView;
    datacenters: string[];
    onClose: () => void;
}) => {
    const [target, setTarget] = useState(cluster.datacenter);
    const { busy, error, run } = useDialogAction();
    const trimmed = resolveDatacenter(target, datacenters);
    const clusterId = cluster.id;
    const move = () => clusterId && run(async () => {
        await api.moveCluster(clusterId, trimmed);
        notify("success", cockpit.format(_("$0 moved to $1"), cluster.name, trimmed || _("No datacenter")));
        await store.refresh();
        onClose();
    });
    return (
        <Dialog id="move-cluster-dialog" isOpen onClose={onClose} variant="small" aria-labelledby="move-cluster-title"
            elementToFocus="#move-cluster-datacenter">
            <ModalHeader labelId="move-cluster-title" title={cockpit.format(_("Move cluster $0"), cluster.name)} />
            <ModalBody>
                <Form onSubmit={e => {
                    e.preventDefault();
                    void move();
                }}>
                    <DatacenterPicker id="move-cluster-datacenter" label={_("Datacenter")} value={target} onChange={setTarget}
                        existing={datacenters} helper={_("Pick an existing datacenter or type a new one. Empty leaves the cluster without one.")} />
                </Form>
                {error && (
                    <InlineError id="move-cluster-error" title={_("The cluster could not be moved")} error={error} />
                )}
            </ModalBody>
            <ModalFooter>
                <Button id="move-cluster-confirm" variant="primary" onClick={() => void move()} isLoading={busy}
                    isDisabled={busy || trimmed === cluster.datacenter}>
                    {_("Move")}
                </Button>
                <Button id="move-cluster-cancel" variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Dialog>
    );
};
