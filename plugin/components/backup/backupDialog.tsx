// "Download backup": one file with the hub's rows, its WireGuard key and its TLS key, made by
// the service and saved by the browser; encrypted when the admin gives a passphrase.
import React, { useState } from "react";
import { Alert, Button, Form, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core";
import cockpit from "cockpit";
import * as api from "../../api";
import { useDialogAction } from "../../store";
import { Dialog } from "../common/dialog";
import { Field } from "../common/field";
import { InlineError } from "../common/inlineError";
import { notify } from "../common/toasts";
import { submitOnEnter } from "../common/submitOnEnter";

const _ = cockpit.gettext;

/** Hands the text to the browser as a file download. */
function saveAs(fileName: string, text: string): void {
    const url = URL.createObjectURL(new Blob([text], { type: "application/octet-stream" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName;
    link.id = "backup-download-link";
    document.body.appendChild(link);
    link.click();
    link.remove();
    // The download has its own reference to the blob by now.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function passphraseProblem(passphrase: string, again: string): string | null {
    if (!passphrase && !again) return null;
    if (passphrase.length < 8) return _("At least 8 characters.");
    if (passphrase !== again) return _("The two passphrases differ.");
    return null;
}

export const BackupDialog = ({ onClose }: { onClose: () => void }) => {
    const [passphrase, setPassphrase] = useState("");
    const [again, setAgain] = useState("");
    const [touched, setTouched] = useState(false);
    const { busy, error, run } = useDialogAction();
    const problem = passphraseProblem(passphrase, again);
    const showProblem = touched || again.length > 0;

    const download = () => {
        setTouched(true);
        if (problem || busy) return;
        void run(async () => {
            const { fileName, text } = await api.makeBackup(passphrase || null);
            saveAs(fileName, text);
            notify("success", _("Backup downloaded"), passphrase
                ? _("It is encrypted: keep the passphrase apart from the file.")
                : _("It holds the hub's private keys: keep it where only you can read it."));
            onClose();
        });
    };

    return (
        <Dialog id="backup-dialog" isOpen onClose={onClose} variant="medium" aria-labelledby="backup-title" elementToFocus="#backup-passphrase">
            <ModalHeader labelId="backup-title" title={_("Download backup")}
                description={_("One file with everything this hub is: its settings, spokes, pending tokens and audit log, its WireGuard private key and the TLS key that install commands pin. Restored on a new machine, spokes reconnect without anything done on them.")} />
            <ModalBody>
                <Form isHorizontal onKeyDown={submitOnEnter(download)} onSubmit={e => {
                    e.preventDefault();
                    download();
                }}>
                    <Field id="backup-passphrase" type="password" label={_("Passphrase")} value={passphrase} onChange={setPassphrase}
                        helper={_("Optional: encrypts the file (scrypt and AES-256-GCM). Without it, anyone who reads the file can impersonate the hub.")} />
                    <Field id="backup-passphrase-again" type="password" label={_("Passphrase again")} value={again} onChange={setAgain}
                        error={problem} showError={showProblem} />
                </Form>
                {!passphrase && (
                    <Alert id="backup-unencrypted" isInline isPlain variant="warning" title={_("The file will not be encrypted")} />
                )}
                {error && <InlineError id="backup-error" title={_("The backup could not be made")} error={error} />}
            </ModalBody>
            <ModalFooter>
                <Button id="backup-download" variant="primary" onClick={download} isLoading={busy} isDisabled={busy || (showProblem && !!problem)}>
                    {_("Download")}
                </Button>
                <Button id="backup-cancel" variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Dialog>
    );
};
