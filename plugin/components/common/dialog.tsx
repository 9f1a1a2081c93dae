// A PatternFly modal whose close button speaks the admin's language (PatternFly's own says
// "Close" in English and takes no label), closed by the button or the Escape key.
import React from "react";
import { Button, Modal, type ModalProps } from "@patternfly/react-core";
import { TimesIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";

const _ = cockpit.gettext;

export interface DialogProps extends Omit<ModalProps, "onClose" | "onEscapePress" | "ref"> {
    id: string;
    onClose: () => void;
}

export const Dialog = ({ id, onClose, children, ...props }: DialogProps) => (
    <Modal id={id} {...props} onEscapePress={onClose}>
        <div className="pf-v6-c-modal-box__close">
            <Button id={`${id}-dismiss`} variant="plain" aria-label={_("Close")} icon={<TimesIcon />} onClick={onClose} />
        </div>
        {children}
    </Modal>
);
