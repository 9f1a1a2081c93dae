// "Restore from a backup", offered by the setup wizard beside "set up a new hub": the hub
// comes back with its keys, spokes and tokens, and spokes reconnect by themselves.
import React, { useState } from "react";
import {
    Alert, Button, FileUpload, Form, FormGroup, FormHelperText, HelperText, HelperTextItem, List, ListItem, ModalBody, ModalFooter, ModalHeader,
} from "@patternfly/react-core";
import cockpit from "cockpit";
import * as api from "../../api";
import type { RestoreAnswer } from "../../types";
import { store, useDialogAction } from "../../store";
import { Dialog } from "../common/dialog";
import { Field } from "../common/field";
import { InlineError } from "../common/inlineError";
import { formatDateTime } from "../../util/format";
import { readBackupSummary } from "./backupFile";

const _ = cockpit.gettext;

export const RestoreDialog = ({ onClose }: { onClose: () => void }) => {
    const [fileName, setFileName] = useState("");
    const [text, setText] = useState("");
    const [passphrase, setPassphrase] = useState("");
    const [result, setResult] = useState<RestoreAnswer | null>(null);
    const { busy, error, run } = useDialogAction();
    const summary = text ? readBackupSummary(text) : null;
    const notABackup = text !== "" && summary === null;
    const ready = summary !== null && (!summary.encrypted || passphrase.length >= 8);

    const restore = () => ready && !busy && run(async () => {
        setResult(await api.restoreBackup({ backup: text, ...(summary?.encrypted ? { passphrase } : {}) }));
    });

    const finish = () => {
        void store.refresh();
        onClose();
    };

    if (result)
        return (
            <Dialog id="restore-dialog" isOpen onClose={finish} variant="medium" aria-labelledby="restore-title">
                <ModalHeader labelId="restore-title" title={_("Hub restored")} />
                <ModalBody>
                    <Alert id="restore-done" isInline variant="success" title={cockpit.format(
                        cockpit.ngettext("$0 spoke is back; it reconnects by itself.", "$0 spokes are back; they reconnect by themselves.", result.spokes),
                        result.spokes)}>
                        {cockpit.format(cockpit.ngettext("$0 install command handed out before the backup still works.",
                            "$0 install commands handed out before the backup still work.", result.pendingTokens), result.pendingTokens)}
                    </Alert>
                    {result.warnings.length > 0 && (
                        <Alert id="restore-warnings" isInline variant="warning" title={_("Settings that differ from the backed-up hub's")}>
                            <List>{result.warnings.map(w => <ListItem key={w}>{w}</ListItem>)}</List>
                        </Alert>
                    )}
                </ModalBody>
                <ModalFooter>
                    <Button id="restore-finish" variant="primary" onClick={finish}>{_("Go to the dashboard")}</Button>
                </ModalFooter>
            </Dialog>
        );

    return (
        <Dialog id="restore-dialog" isOpen onClose={onClose} variant="medium" aria-labelledby="restore-title">
            <ModalHeader labelId="restore-title" title={_("Restore from a backup")}
                description={_("The hub comes back with the backed-up WireGuard key, TLS key, spokes and tokens: spokes reconnect without anything done on them. Give this machine the old hub's address first.")} />
            <ModalBody>
                <Form onSubmit={e => {
                    e.preventDefault();
                    void restore();
                }}>
                    <FormGroup label={_("Backup file")} fieldId="restore-file" isRequired>
                        <FileUpload id="restore-file" type="text" value={text} filename={fileName} hideDefaultPreview
                            filenamePlaceholder={_("Drag a file here or browse for one")} browseButtonText={_("Browse…")} clearButtonText={_("Clear")}
                            onFileInputChange={(_e, file) => setFileName(file.name)}
                            onDataChange={(_e, data) => setText(data)}
                            onClearClick={() => {
                                setFileName("");
                                setText("");
                            }}
                            validated={notABackup ? "error" : "default"} />
                        <FormHelperText>
                            <HelperText>
                                <HelperTextItem id="restore-file-helper" variant={notABackup ? "error" : "default"}>
                                    {notABackup
                                        ? _("This file is not a WireGuard Hub backup.")
                                        : summary
                                            ? cockpit.format(cockpit.ngettext("Made $0 by version $1, with $2 spoke.", "Made $0 by version $1, with $2 spokes.", summary.spokes),
                                                formatDateTime(summary.createdAt), summary.hubVersion, summary.spokes)
                                            : _("A file made by \"Download backup\" or by wireguard-hub backup.")}
                                </HelperTextItem>
                            </HelperText>
                        </FormHelperText>
                    </FormGroup>
                    {summary?.encrypted && (
                        <Field id="restore-passphrase" type="password" label={_("Passphrase")} isRequired value={passphrase} onChange={setPassphrase}
                            helper={_("This backup is encrypted.")} />
                    )}
                </Form>
                {error && <InlineError id="restore-error" title={_("The backup was not restored; nothing changed")} error={error} />}
            </ModalBody>
            <ModalFooter>
                <Button id="restore-submit" variant="primary" onClick={() => void restore()} isLoading={busy} isDisabled={busy || !ready}>
                    {_("Restore")}
                </Button>
                <Button id="restore-cancel" variant="link" onClick={onClose}>{_("Cancel")}</Button>
            </ModalFooter>
        </Dialog>
    );
};
