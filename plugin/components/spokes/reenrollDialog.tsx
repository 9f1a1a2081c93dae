// Re-enroll a spoke: asks first (a new one-time token replaces any waiting one), then shows
// the command on the spoke's own platform and follows the spoke until it registers again.
import React, { useState } from "react";
import { Button, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core";
import cockpit from "cockpit";
import * as api from "../../api";
import { store, useDialogAction } from "../../store";
import type { CreatedToken, Spoke } from "../../types";
import { Dialog } from "../common/dialog";
import { InlineError } from "../common/inlineError";
import { TokenDialog } from "./tokenDialog";
import { PLATFORM_NAMES, platformOf } from "./tokenView";

const _ = cockpit.gettext;

export const ReenrollDialog = ({ spoke, onClose }: { spoke: Spoke; onClose: () => void }) => {
    const [token, setToken] = useState<CreatedToken | null>(null);
    const { busy, error, run } = useDialogAction();
    const platform = platformOf(spoke);

    if (token)
        return <TokenDialog token={token} platform={platform} title={cockpit.format(_("Re-enroll $0"), spoke.name)} onClose={onClose} />;

    const create = () => run(async () => {
        setToken(await api.createToken({ spokeName: spoke.name, spokeId: spoke.id }));
        void store.refresh();
    });
    return (
        <Dialog id="reenroll-dialog" isOpen onClose={onClose} variant="small" aria-labelledby="reenroll-title"
            elementToFocus="#reenroll-confirm">
            <ModalHeader labelId="reenroll-title" title={cockpit.format(_("Re-enroll $0?"), spoke.name)} />
            <ModalBody>
                {cockpit.format(_("This makes a one-time install command for $0 ($1). Running it on the spoke installs it again with the hub's current settings; it keeps its address $2. A re-enroll command given out before stops working."),
                    spoke.name, PLATFORM_NAMES[platform], spoke.address)}
                {error && <InlineError id="reenroll-error" title={_("The token could not be created")} error={error} />}
            </ModalBody>
            <ModalFooter>
                <Button id="reenroll-confirm" variant="primary" onClick={() => void create()} isLoading={busy} isDisabled={busy}>
                    {_("Create token")}
                </Button>
                <Button id="reenroll-cancel" variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Dialog>
    );
};
