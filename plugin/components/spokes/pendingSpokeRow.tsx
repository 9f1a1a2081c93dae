// A spoke added but not enrolled yet: its token waits for the install command to run.
// Its actions: a new command (the old one stops working) or cancel the enrollment.
// A cluster token's row waits for the nodes still to come; its nodes follow in the Proxmox tab.
import React from "react";
import { Button, Label, MenuToggle, ModalBody, ModalFooter, ModalHeader } from "@patternfly/react-core";
import { ActionsColumn, Tbody, Td, Tr, type IAction } from "@patternfly/react-table";
import { EllipsisVIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";
import * as api from "../../api";
import { store, useDialogAction } from "../../store";
import { formatDateTime, timeUntil } from "../../util/format";
import { Dialog } from "../common/dialog";
import { InlineError } from "../common/inlineError";
import { notify } from "../common/toasts";
import type { PendingSpoke } from "./pendingSpokes";
import { fromLarge, fromXLarge, from2XLarge } from "./columns";
import { isClusterToken } from "../proxmox/clusterTokens";
import { goTo } from "../../util/location";

const _ = cockpit.gettext;

export const PendingSpokeRow = React.memo(({ pending, now, showHub, onNewCommand, onCancel }: {
    pending: PendingSpoke;
    now: number;
    showHub: boolean;
    onNewCommand: (p: PendingSpoke) => void;
    onCancel: (p: PendingSpoke) => void;
}) => {
    const t = pending.token;
    const cluster = isClusterToken(t);
    // A cluster token is not re-issued: the nodes still missing get a new token from "Add nodes" on the cluster.
    const items: IAction[] = [
        cluster
            ? { id: `pending-show-cluster-${t.id}`, title: _("Show in the Proxmox tab"), onClick: () => goTo(["proxmox"]) }
            : { id: `pending-new-command-${t.id}`, title: _("New command"), description: _("The current command stops working"), onClick: () => onNewCommand(pending) },
        { isSeparator: true },
        { id: `pending-cancel-${t.id}`, title: _("Cancel…"), isDanger: true, onClick: () => onCancel(pending) },
    ];
    return (
        <Tbody>
            <Tr id={`pending-row-${t.id}`} data-pending-name={pending.name} data-pending-cluster={cluster ? t.proxmoxCluster ?? "" : undefined}
                data-state="waiting">
                <Td />
                <Td dataLabel={_("Name")} className="wgh-spoke-name" modifier="breakWord">{pending.name}</Td>
                {showHub && <Td dataLabel={_("Hub")} className="wgh-spoke-hub" visibility={fromLarge}>{t.hub ?? "—"}</Td>}
                <Td dataLabel={_("Address")} modifier="nowrap">{pending.address || "—"}</Td>
                <Td dataLabel={_("OS")} visibility={fromLarge}>{cluster ? "Proxmox VE" : "—"}</Td>
                <Td dataLabel={_("State")}>
                    <Label color="blue" className="wgh-spoke-state" isCompact>
                        {cluster
                            ? cockpit.format(cockpit.ngettext("Waiting for $0 more node", "Waiting for $0 more nodes", t.usesLeft), t.usesLeft)
                            : _("Waiting for enrollment")}
                    </Label>
                </Td>
                <Td dataLabel={_("Last handshake")} className="wgh-pending-expiry">
                    <span title={formatDateTime(t.expiresAt)}>{cockpit.format(_("expires $0"), timeUntil(t.expiresAt, now))}</span>
                </Td>
                <Td dataLabel={_("Endpoint")} visibility={from2XLarge}>—</Td>
                <Td dataLabel={_("Received")} visibility={fromXLarge}>—</Td>
                <Td dataLabel={_("Sent")} visibility={fromXLarge}>—</Td>
                <Td dataLabel={_("Agent")} visibility={fromXLarge}>—</Td>
                <Td isActionCell>
                    <ActionsColumn
                        items={items}
                        actionsToggle={({ onToggle, isOpen, toggleRef, isDisabled }) => (
                            <MenuToggle id={`pending-actions-${t.id}`} ref={toggleRef} onClick={onToggle} isExpanded={isOpen}
                                isDisabled={isDisabled} variant="plain" aria-label={cockpit.format(_("Actions for $0"), pending.name)}
                                icon={<EllipsisVIcon />} />
                        )}
                    />
                </Td>
            </Tr>
        </Tbody>
    );
});

/** Cancelling asks first: the command given out stops working and the address is free again. */
export const CancelEnrollmentDialog = ({ pending, onClose }: { pending: PendingSpoke; onClose: () => void }) => {
    const { busy, error, run } = useDialogAction();
    const { name, token } = pending;
    const cancel = () => run(async () => {
        await api.revokeToken(token.id);
        notify("success", cockpit.format(_("The enrollment of $0 was cancelled"), name));
        await store.refresh();
        onClose();
    });
    return (
        <Dialog id="cancel-enrollment-dialog" isOpen onClose={onClose} variant="small" aria-labelledby="cancel-enrollment-title">
            <ModalHeader labelId="cancel-enrollment-title" titleIconVariant="warning" titleScreenReaderText={_("Warning:")}
                title={cockpit.format(_("Cancel the enrollment of $0?"), name)} />
            <ModalBody>
                {isClusterToken(token)
                    ? cockpit.format(cockpit.ngettext(
                        "The command given out for $0 stops working: $1 more node can no longer enroll with it. The nodes it enrolled stay.",
                        "The command given out for $0 stops working: $1 more nodes can no longer enroll with it. The nodes it enrolled stay.",
                        token.usesLeft), name, token.usesLeft)
                    : pending.address
                    ? cockpit.format(_("The install command given out for $0 stops working, and the address $1 is free again."), name, pending.address)
                    : cockpit.format(_("The install command given out for $0 stops working."), name)}
                {error && <InlineError id="cancel-enrollment-error" title={_("The enrollment could not be cancelled")} error={error} />}
            </ModalBody>
            <ModalFooter>
                <Button id="cancel-enrollment-confirm" variant="danger" onClick={() => void cancel()} isLoading={busy} isDisabled={busy}>
                    {_("Cancel enrollment")}
                </Button>
                <Button id="cancel-enrollment-keep" variant="link" onClick={onClose}>{_("Keep waiting")}</Button>
            </ModalFooter>
        </Dialog>
    );
};
