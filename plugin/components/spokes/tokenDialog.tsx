// Shows a token made outside the add-spoke form (a spoke's new command, a re-enrollment).
import React from "react";
import { Button, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core";
import { Dialog } from "../common/dialog";
import cockpit from "cockpit";
import type { CreatedToken, Platform } from "../../types";
import { TokenView } from "./tokenView";
import { TokenCloseButtons, TokenCloseQuestion, useTokenCloseGuard } from "./tokenCloseGuard";

const _ = cockpit.gettext;

export const TokenDialog = ({ token, title, platform, onClose }: {
    token: CreatedToken;
    title: string;
    platform?: Platform;
    onClose: () => void;
}) => {
    const guard = useTokenCloseGuard(onClose);
    return (
        <Dialog id="token-dialog" isOpen onClose={guard.requestClose} variant="medium" aria-labelledby="token-dialog-title">
            <ModalHeader labelId="token-dialog-title" title={title} />
            <ModalBody>
                {guard.asking && <TokenCloseQuestion />}
                <TokenView token={token} initialPlatform={platform} {...guard.follow} />
            </ModalBody>
            <ModalFooter>
                {guard.asking
                    ? <TokenCloseButtons guard={guard} />
                    : <Button id="token-dialog-close" variant="primary" onClick={guard.requestClose}>{_("Close")}</Button>}
            </ModalFooter>
        </Dialog>
    );
};
