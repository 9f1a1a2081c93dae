// One registered spoke: its row, its actions menu, and its details when expanded.
import React from "react";
import { Label, MenuToggle } from "@patternfly/react-core";
import { ActionsColumn, CollapseColumn, ExpandableRowContent, Tbody, Td, Tr, type IAction } from "@patternfly/react-table";
import { EllipsisVIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";
import * as api from "../../api";
import { store, asApiError } from "../../store";
import type { Spoke } from "../../types";
import { formatBytes, formatDateTime, timeAgo } from "../../util/format";
import { STATE_LABEL } from "../../util/spokeState";
import { notifyError, notify } from "../common/toasts";
import { goTo } from "../../util/location";
import type { SpokeRow } from "./spokeQuery";
import { columnCount, fromXLarge, visibilityOf } from "./columns";
import { SpokeDetails } from "./spokeDetails";

const _ = cockpit.gettext;

/** Runs a row action; a failure is a toast titled WHAT, a success one saying DONE (when given). */
async function runAction(what: string, action: () => Promise<unknown>, done?: string): Promise<boolean> {
    try {
        await action();
        if (done) notify("success", done);
        await store.refresh();
        return true;
    } catch (e) {
        notifyError(what, asApiError(e));
        return false;
    }
}

/** The row's menu closes and its item is gone: keyboard focus goes back to the row's toggle. */
function refocus(toggleId: string): void {
    window.requestAnimationFrame(() => document.getElementById(toggleId)?.focus());
}

/** The spoke's agent: an action waiting for it, its version and when it last asked, or none. */
const AgentCell = ({ spoke, now }: { spoke: Spoke; now: number }) => {
    if (spoke.pendingAction)
        return (
            <Label isCompact color="orange" className="wgh-agent-pending">
                {spoke.pendingAction === "rotate-key" ? _("New key asked") : _("Uninstall asked")}
            </Label>
        );
    if (!spoke.agent) return <span title={_("Enrolled without an agent: re-enroll it to get one.")}>{_("none")}</span>;
    return (
        <span title={spoke.agent.lastResult ?? ""}>
            {cockpit.format(_("$0, seen $1"), spoke.agent.version, timeAgo(spoke.agent.lastSeen, now))}
            {spoke.agent.behind && (
                <>
                    {" "}
                    <Label isCompact color="yellow" className="wgh-agent-behind" id={`spoke-agent-behind-${spoke.id}`}
                        title={_("The hub's settings for this spoke changed since its agent last ran: it applies them at its next cycle (within a minute).")}>
                        {_("behind")}
                    </Label>
                </>
            )}
        </span>
    );
};

export interface RowHandlers {
    onReenroll: (s: Spoke) => void;
    onRemove: (s: Spoke) => void;
    onEdit: (s: Spoke) => void;
    onUninstall: (s: Spoke) => void;
    onExpand: (id: string, open: boolean) => void;
}

export const SpokeRowView = React.memo(({ row, now, showHub, expanded, onReenroll, onRemove, onEdit, onUninstall, onExpand }: RowHandlers & {
    row: SpokeRow;
    now: number;
    showHub: boolean;
    expanded: boolean;
}) => {
    const s = row.spoke;
    const disabled = row.state === "disabled";
    const label = STATE_LABEL[row.state];
    const toggleId = `spoke-actions-${s.id}`;
    const items: IAction[] = [
        disabled
            ? {
                id: `spoke-enable-${s.id}`,
                title: _("Enable"),
                onClick: () => {
                    refocus(toggleId);
                    void runAction(cockpit.format(_("Could not enable $0"), s.name), () => api.enableSpoke(s.id),
                        cockpit.format(_("$0 was enabled"), s.name)).then(() => refocus(toggleId));
                },
            }
            : {
                id: `spoke-disable-${s.id}`,
                title: _("Disable"),
                onClick: () => {
                    refocus(toggleId);
                    void runAction(cockpit.format(_("Could not disable $0"), s.name), () => api.disableSpoke(s.id),
                        cockpit.format(_("$0 was disabled: its tunnel stays down until it is enabled again"), s.name)).then(() => refocus(toggleId));
                },
            },
        { id: `spoke-traffic-${s.id}`, title: _("Traffic"), onClick: () => goTo(["traffic"], { spoke: String(s.id) }) },
        { id: `spoke-edit-${s.id}`, title: _("Edit…"), onClick: () => onEdit(s) },
        {
            id: `spoke-rotate-${s.id}`,
            title: _("Rotate key"),
            isDisabled: !s.agent,
            description: s.agent ? undefined : _("Needs the spoke's agent"),
            onClick: () => void runAction(cockpit.format(_("Could not ask $0 for a new key"), s.name), () => api.rotateSpokeKey(s.id),
                cockpit.format(_("$0 makes a new key pair at its agent's next cycle"), s.name)),
        },
        { id: `spoke-reenroll-${s.id}`, title: _("Re-enroll…"), onClick: () => onReenroll(s) },
        { isSeparator: true },
        {
            id: `spoke-uninstall-${s.id}`,
            title: _("Uninstall…"),
            isDanger: true,
            isDisabled: !s.agent,
            description: s.agent ? undefined : _("Needs the spoke's agent"),
            onClick: () => onUninstall(s),
        },
        { id: `spoke-remove-${s.id}`, title: _("Remove…"), isDanger: true, onClick: () => onRemove(s) },
    ];
    return (
        <Tbody isExpanded={expanded}>
            <Tr id={`spoke-row-${s.id}`} data-spoke-name={s.name} data-state={row.state} isContentExpanded={expanded}>
                {/* PatternFly's own expand toggle is labelled in English only: this one says the spoke's name in the admin's language. */}
                <Td className="pf-v6-c-table__toggle">
                    <CollapseColumn id={`spoke-expand-${s.id}`} isOpen={expanded} variant="compact"
                        aria-label={cockpit.format(_("Details of $0"), s.name)} onToggle={() => onExpand(s.id, !expanded)} />
                </Td>
                <Td dataLabel={_("Name")} className="wgh-spoke-name" modifier="breakWord">{s.name}</Td>
                {showHub && <Td dataLabel={_("Hub")} className="wgh-spoke-hub" visibility={visibilityOf("hub")}>{s.hub ?? "—"}</Td>}
                <Td dataLabel={_("Address")} modifier="nowrap">{row.address || "—"}</Td>
                <Td dataLabel={_("OS")} visibility={visibilityOf("os")}>{row.os}</Td>
                <Td dataLabel={_("State")}>
                    <Label color={label.color} className="wgh-spoke-state" isCompact>{label.text()}</Label>
                </Td>
                <Td dataLabel={_("Last handshake")}>
                    <span title={formatDateTime(s.lastHandshake)}>{timeAgo(s.lastHandshake, now)}</span>
                </Td>
                <Td dataLabel={_("Endpoint")} modifier="nowrap" visibility={visibilityOf("endpoint")}>{s.endpoint || "—"}</Td>
                <Td dataLabel={_("Received")} visibility={visibilityOf("rx")}>{formatBytes(s.rxBytes ?? null)}</Td>
                <Td dataLabel={_("Sent")} visibility={visibilityOf("tx")}>{formatBytes(s.txBytes ?? null)}</Td>
                <Td dataLabel={_("Agent")} visibility={fromXLarge} className="wgh-spoke-agent"><AgentCell spoke={s} now={now} /></Td>
                <Td isActionCell>
                    <ActionsColumn
                        items={items}
                        actionsToggle={({ onToggle, isOpen, toggleRef, isDisabled }) => (
                            <MenuToggle id={toggleId} ref={toggleRef} onClick={onToggle} isExpanded={isOpen}
                                isDisabled={isDisabled} variant="plain" aria-label={cockpit.format(_("Actions for $0"), s.name)}
                                icon={<EllipsisVIcon />} />
                        )}
                    />
                </Td>
            </Tr>
            {expanded && (
                <Tr isExpanded id={`spoke-details-row-${s.id}`}>
                    <Td colSpan={columnCount(showHub)}>
                        <ExpandableRowContent><SpokeDetails spoke={s} now={now} /></ExpandableRowContent>
                    </Td>
                </Tr>
            )}
        </Tbody>
    );
});
