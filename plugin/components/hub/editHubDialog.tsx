// Changes what can change on a running hub without re-enrolling spokes: endpoints and DNS.
import React, { useMemo, useState } from "react";
import { Button, Form, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core";
import { Dialog } from "../common/dialog";
import cockpit from "cockpit";
import * as api from "../../api";
import { store, useDialogAction, useStore } from "../../store";
import type { HubConfig } from "../../types";
import { Field } from "../common/field";
import { notify } from "../common/toasts";
import { checkDNS, checkEndpoint, checkOptionalEndpoint, splitList } from "../../util/validate";
import { InlineError } from "../common/inlineError";
import { submitOnEnter } from "../common/submitOnEnter";
import { countFollowers, SpokeImpact } from "./spokeImpact";

const _ = cockpit.gettext;

export const EditHubDialog = ({ config, onClose }: { config: HubConfig; onClose: () => void }) => {
    const [publicEndpoint, setPublicEndpoint] = useState(config.publicEndpoint);
    const [privateEndpoint, setPrivateEndpoint] = useState(config.privateEndpoint ?? "");
    const [dns, setDns] = useState((config.dns ?? []).join(", "));
    const { busy, error, run } = useDialogAction();
    const errors = useMemo(() => ({
        publicEndpoint: checkEndpoint(publicEndpoint),
        privateEndpoint: checkOptionalEndpoint(privateEndpoint),
        dns: checkDNS(dns),
    }), [publicEndpoint, privateEndpoint, dns]);
    const valid = !errors.publicEndpoint && !errors.privateEndpoint && !errors.dns;
    const { status } = useStore();
    const changed = publicEndpoint.trim() !== config.publicEndpoint
        || (privateEndpoint.trim() || null) !== (config.privateEndpoint ?? null)
        || splitList(dns).join(",") !== (config.dns ?? []).join(",");

    const save = () => valid && !busy && run(async () => {
        await api.updateHubConfig({
            publicEndpoint: publicEndpoint.trim(),
            privateEndpoint: privateEndpoint.trim() || null,
            dns: splitList(dns),
        });
        const { reenroll } = countFollowers(store.state.status);
        notify("success", _("Hub settings saved"), reenroll
            ? cockpit.format(cockpit.ngettext("Spokes with an agent follow within a minute; $0 spoke without one keeps the old settings until it is re-enrolled.",
                "Spokes with an agent follow within a minute; $0 spokes without one keep the old settings until they are re-enrolled.", reenroll), reenroll)
            : _("Running spokes follow through their agents within a minute; spokes installed from now on get the new settings."));
        await store.refresh();
        onClose();
    });

    return (
        <Dialog id="edit-hub-dialog" isOpen onClose={onClose} variant="medium" aria-labelledby="edit-hub-title"
            elementToFocus="#edit-hub-public-endpoint">
            <ModalHeader labelId="edit-hub-title" title={_("Hub settings")} />
            <ModalBody>
                <Form isHorizontal onKeyDown={submitOnEnter(() => void save())} onSubmit={e => {
                    e.preventDefault();
                    void save();
                }}>
                    <Field id="edit-hub-public-endpoint" label={_("Public endpoint")} isRequired value={publicEndpoint}
                        onChange={setPublicEndpoint} error={errors.publicEndpoint} />
                    <Field id="edit-hub-private-endpoint" label={_("Private endpoint")} value={privateEndpoint}
                        onChange={setPrivateEndpoint} error={errors.privateEndpoint} helper={_("Optional.")} />
                    <Field id="edit-hub-dns" label={_("DNS for spokes")} value={dns} onChange={setDns} error={errors.dns}
                        helper={_("Separated by commas or spaces; empty keeps each spoke's own DNS.")} />
                </Form>
                {changed && <SpokeImpact status={status} />}
                {error && (
                    <InlineError id="edit-hub-error" title={_("The settings could not be saved")} error={error} />
                )}
            </ModalBody>
            <ModalFooter>
                <Button id="edit-hub-save" variant="primary" onClick={() => void save()} isLoading={busy} isDisabled={busy || !valid}>
                    {_("Save")}
                </Button>
                <Button id="edit-hub-cancel" variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Dialog>
    );
};
