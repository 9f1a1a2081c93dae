// Shows a token made outside the add-spoke form (re-enrolling an existing spoke).
import React from "react";
import { Button, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core";
import { Dialog } from "../common/dialog";
import cockpit from "cockpit";
import type { CreatedToken } from "../../types";
import { TokenView } from "./tokenView";

const _ = cockpit.gettext;

export const TokenDialog = ({ token, title, onClose }: { token: CreatedToken; title: string; onClose: () => void }) => (
    <Dialog id="token-dialog" isOpen onClose={onClose} variant="medium" aria-labelledby="token-dialog-title">
        <ModalHeader labelId="token-dialog-title" title={title} />
        <ModalBody><TokenView token={token} /></ModalBody>
        <ModalFooter>
            <Button id="token-dialog-close" variant="primary" onClick={onClose}>{_("Close")}</Button>
        </ModalFooter>
    </Dialog>
);
