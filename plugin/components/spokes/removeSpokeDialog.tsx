// Removing a spoke names it, says what happens, and keeps the dialog open on failure.
import React from "react";
import { Button, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core";
import { Dialog } from "../common/dialog";
import cockpit from "cockpit";
import type { Spoke } from "../../types";
import { useDialogAction } from "../../store";
import { spokeAddress } from "../../util/spokeState";
import { InlineError } from "../common/inlineError";

const _ = cockpit.gettext;

export const RemoveSpokeDialog = ({ spoke, onClose, onRemove }: {
    spoke: Spoke;
    onClose: () => void;
    onRemove: () => Promise<void>;
}) => {
    const { busy, error, run } = useDialogAction();
    const remove = () => run(onRemove);
    return (
        <Dialog id="remove-spoke-dialog" isOpen onClose={onClose} variant="small" aria-labelledby="remove-spoke-title">
            <ModalHeader labelId="remove-spoke-title" titleIconVariant="warning" titleScreenReaderText={_("Warning:")}
                title={cockpit.format(_("Remove spoke $0?"), spoke.name)} />
            <ModalBody>
                {cockpit.format(_("$0 ($1) loses its tunnel to the hub at once and its address returns to the pool. To bring it back, add it again and run the new command on it."),
                    spoke.name, spokeAddress(spoke) || _("no address"))}
                {error && (
                    <InlineError id="remove-spoke-error" title={_("The spoke could not be removed")} error={error} />
                )}
            </ModalBody>
            <ModalFooter>
                <Button id="remove-spoke-confirm" variant="danger" onClick={remove} isLoading={busy} isDisabled={busy}>
                    {_("Remove")}
                </Button>
                <Button id="remove-spoke-cancel" variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Dialog>
    );
};
