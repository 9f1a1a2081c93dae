// Edit a spoke after its enrollment: name, datacenter, routed subnets. The hub's peer changes
// at once; the spokes' agents bring the new routes to every other spoke.
import React, { useMemo, useState } from "react";
import { Button, Form, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core";
import cockpit from "cockpit";
import * as api from "../../api";
import { store, useDialogAction } from "../../store";
import type { Spoke, SpokeUpdateRequest } from "../../types";
import { checkSpokeName, checkSubnets, splitList } from "../../util/validate";
import { Dialog } from "../common/dialog";
import { Field } from "../common/field";
import { InlineError } from "../common/inlineError";
import { DatacenterPicker } from "../common/datacenterPicker";
import { useDatacenters } from "../common/useDatacenters";
import { resolveDatacenter } from "../../util/datacenters";
import { notify } from "../common/toasts";
import { submitOnEnter } from "../common/submitOnEnter";

const _ = cockpit.gettext;

export const EditSpokeDialog = ({ spoke, onClose }: { spoke: Spoke; onClose: () => void }) => {
    const [name, setName] = useState(spoke.name);
    const [datacenter, setDatacenter] = useState(spoke.datacenter ?? "");
    const [subnets, setSubnets] = useState(spoke.subnets.join(", "));
    const { busy, error, run } = useDialogAction();
    const datacenters = useDatacenters();
    const errors = useMemo(() => ({ name: checkSpokeName(name), subnets: checkSubnets(subnets) }), [name, subnets]);
    const valid = !errors.name && !errors.subnets;

    const save = () => run(async () => {
        const changes: SpokeUpdateRequest = {};
        if (name.trim() !== spoke.name) changes.name = name.trim();
        const pickedDatacenter = resolveDatacenter(datacenter, datacenters);
        if (pickedDatacenter !== (spoke.datacenter ?? "")) changes.datacenter = pickedDatacenter;
        const nets = splitList(subnets);
        if (nets.join(",") !== spoke.subnets.join(",")) changes.subnets = nets;
        if (Object.keys(changes).length) {
            await api.updateSpoke(spoke.id, changes);
            notify("success", cockpit.format(_("$0 was updated"), name.trim()),
                changes.subnets ? _("The other spokes' agents add the new routes within a minute.") : undefined);
            await store.refresh();
        }
        onClose();
    });

    return (
        <Dialog id="edit-spoke-dialog" isOpen onClose={onClose} variant="medium" aria-labelledby="edit-spoke-title"
            elementToFocus="#edit-spoke-name">
            <ModalHeader labelId="edit-spoke-title" title={cockpit.format(_("Edit $0"), spoke.name)} />
            <ModalBody>
                <Form id="edit-spoke-form" isHorizontal onKeyDown={submitOnEnter(() => {
                    if (valid && !busy) void save();
                })} onSubmit={e => {
                    e.preventDefault();
                    if (valid) void save();
                }}>
                    <Field id="edit-spoke-name" label={_("Name")} isRequired value={name} onChange={setName} error={errors.name} />
                    <DatacenterPicker id="edit-spoke-datacenter" label={_("Datacenter")} value={datacenter} onChange={setDatacenter}
                        existing={datacenters} helper={_("Optional. Groups Proxmox VE clusters in the Proxmox tab.")} />
                    <Field id="edit-spoke-subnets" label={_("Routed subnets")} value={subnets} onChange={setSubnets} error={errors.subnets}
                        helper={_("Networks behind this spoke that the hub routes to it, separated by commas. Spokes with an agent follow within a minute.")} />
                    {error && <InlineError id="edit-spoke-error" title={_("The spoke could not be changed")} error={error} />}
                </Form>
            </ModalBody>
            <ModalFooter>
                <Button id="edit-spoke-save" variant="primary" onClick={() => void save()} isLoading={busy} isDisabled={busy || !valid}>
                    {_("Save")}
                </Button>
                <Button id="edit-spoke-cancel" variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Dialog>
    );
};

/** Uninstall asks first: the spoke's agent removes the tunnel and itself, then the hub forgets the spoke. */
export const UninstallSpokeDialog = ({ spoke, onClose }: { spoke: Spoke; onClose: () => void }) => {
    const { busy, error, run } = useDialogAction();
    const uninstall = () => run(async () => {
        await api.uninstallSpoke(spoke.id);
        notify("info", cockpit.format(_("$0 uninstalls at its agent's next cycle"), spoke.name));
        await store.refresh();
        onClose();
    });
    return (
        <Dialog id="uninstall-spoke-dialog" isOpen onClose={onClose} variant="small" aria-labelledby="uninstall-spoke-title">
            <ModalHeader labelId="uninstall-spoke-title" titleIconVariant="warning" titleScreenReaderText={_("Warning:")}
                title={cockpit.format(_("Uninstall $0?"), spoke.name)} />
            <ModalBody>
                {_("At its next cycle (within a minute), the spoke's agent takes the tunnel down and removes its config, its key and itself; then the hub removes the spoke and frees its address.")}
                {error && <InlineError id="uninstall-spoke-error" title={_("The uninstall could not be asked")} error={error} />}
            </ModalBody>
            <ModalFooter>
                <Button id="uninstall-spoke-confirm" variant="danger" onClick={() => void uninstall()} isLoading={busy} isDisabled={busy}>
                    {_("Uninstall")}
                </Button>
                <Button id="uninstall-spoke-cancel" variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Dialog>
    );
};
