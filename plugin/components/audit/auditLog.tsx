// The Audit tab: the whole log, newest first, searchable, with older pages on request.
import React, { useDeferredValue, useMemo, useState } from "react";
import {
    Button, EmptyState, EmptyStateBody, SearchInput, Spinner, Toolbar, ToolbarContent, ToolbarItem,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import { HistoryIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";
import { useStore } from "../../store";
import type { AuditEvent } from "../../types";
import { formatDateTime, timeAgo } from "../../util/format";
import { InlineError } from "../common/inlineError";
import { auditActionText } from "./auditActions";
import { useAuditPages } from "./auditPages";

const _ = cockpit.gettext;

/** Matches the action (its code and its words), the subject and the actor. */
export function matchesAudit(e: AuditEvent, search: string): boolean {
    const needle = search.trim().toLowerCase();
    if (!needle) return true;
    return [e.action, auditActionText(e.action) ?? "", e.subject ?? "", e.actor, e.source ?? ""]
        .some(text => text.toLowerCase().includes(needle));
}

export const AuditLog = () => {
    const { updatedAt } = useStore();
    const { events, error, hasOlder, loadingOlder, loadOlder } = useAuditPages();
    const [search, setSearch] = useState("");
    const deferredSearch = useDeferredValue(search);
    const shown = useMemo(() => (events ?? []).filter(e => matchesAudit(e, deferredSearch)), [events, deferredSearch]);
    const now = updatedAt || Date.now();

    if (!events) {
        if (error) return <InlineError id="audit-error" title={_("The audit log could not be read")} error={error} />;
        return <EmptyState id="audit-loading" headingLevel="h3" titleText={_("Loading the audit log")} icon={Spinner} />;
    }
    if (!events.length) {
        return (
            <EmptyState id="audit-empty" headingLevel="h3" icon={HistoryIcon} titleText={_("No audit entries")}>
                <EmptyStateBody>{_("Every change to the hub, its spokes and tokens is recorded here.")}</EmptyStateBody>
            </EmptyState>
        );
    }
    return (
        <>
            <Toolbar id="audit-toolbar">
                <ToolbarContent>
                    <ToolbarItem>
                        <SearchInput id="audit-search" placeholder={_("Search by action, subject or actor")} value={search}
                            aria-label={_("Search the audit log")} onChange={(_e, v) => setSearch(v)} onClear={() => setSearch("")} />
                    </ToolbarItem>
                    <ToolbarItem id="audit-count" alignSelf="center">
                        {cockpit.format(cockpit.ngettext("$0 entry loaded", "$0 entries loaded", events.length), events.length)}
                    </ToolbarItem>
                </ToolbarContent>
            </Toolbar>
            {error && <InlineError id="audit-error" title={_("The audit log could not be read")} error={error} />}
            <Table id="audit-table" aria-label={_("Audit log")} variant="compact">
                <Thead>
                    <Tr>
                        <Th modifier="nowrap">{_("When")}</Th>
                        <Th>{_("What")}</Th>
                        <Th>{_("Subject")}</Th>
                        <Th>{_("Who")}</Th>
                    </Tr>
                </Thead>
                <Tbody>
                    {shown.map(e => (
                        <Tr key={e.id} id={`audit-row-${e.id}`} data-action={e.action} data-subject={e.subject ?? ""}>
                            <Td dataLabel={_("When")} modifier="nowrap"><span title={formatDateTime(e.at)}>{timeAgo(e.at, now)}</span></Td>
                            <Td dataLabel={_("What")}>{auditActionText(e.action) ?? <code>{e.action}</code>}</Td>
                            <Td dataLabel={_("Subject")}>{e.subject ?? "—"}</Td>
                            <Td dataLabel={_("Who")}>{e.source ? cockpit.format(_("$0 from $1"), e.actor, e.source) : e.actor}</Td>
                        </Tr>
                    ))}
                </Tbody>
            </Table>
            {!shown.length && (
                <EmptyState id="audit-no-match" headingLevel="h4" titleText={_("No loaded entry matches")}>
                    <EmptyStateBody>{hasOlder ? _("Older entries may match: load them below.") : _("Try other words.")}</EmptyStateBody>
                </EmptyState>
            )}
            {hasOlder && (
                <Button id="audit-load-older" variant="secondary" className="pf-v6-u-mt-md" isLoading={loadingOlder}
                    isDisabled={loadingOlder} onClick={() => void loadOlder()}>
                    {_("Load older")}
                </Button>
            )}
        </>
    );
};
