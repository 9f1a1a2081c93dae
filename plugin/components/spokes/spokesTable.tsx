// Every spoke, searchable and sortable; only the current page is rendered, so thousands stay quick.
// The list is replaced on every refresh while search, filters, sort and page stay as the user left them.
import React, { useDeferredValue, useEffect, useMemo, useState } from "react";
import {
    Button, EmptyState, EmptyStateBody, Label, MenuToggle, Pagination, SearchInput, Toolbar, ToolbarContent,
    ToolbarItem, Content,
} from "@patternfly/react-core";
import { ActionsColumn, Table, Tbody, Td, Th, Thead, Tr, type IAction, type ThProps } from "@patternfly/react-table";
import { EllipsisVIcon, PlusCircleIcon, SearchIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";
import * as api from "../../api";
import { store, useStore, asApiError } from "../../store";
import type { CreatedToken, Spoke } from "../../types";
import { formatBytes, formatDateTime, timeAgo } from "../../util/format";
import { DISPLAY_STATES, STATE_LABEL, OS_NAMES } from "../../util/spokeState";
import { notifyError, notify } from "../common/toasts";
import { FilterSelect } from "../common/filterSelect";
import { querySpokes, toRows, type SortKey, type SpokeRow } from "./spokeQuery";
import { AddSpokeDialog } from "./addSpokeDialog";
import { TokenDialog } from "./tokenDialog";
import { RemoveSpokeDialog } from "./removeSpokeDialog";
import { goTo } from "../../util/location";
import { EditSpokeDialog, UninstallSpokeDialog } from "./editSpokeDialog";
import { paginationTitles } from "../common/paginationTitles";

const _ = cockpit.gettext;

type Visibility = ThProps["visibility"];
/** Narrower pages drop the columns that matter least first; the page itself never scrolls sideways. */
const fromLarge: Visibility = ["hidden", "visibleOnLg"];
const fromXLarge: Visibility = ["hidden", "visibleOnXl"];
const from2XLarge: Visibility = ["hidden", "visibleOn2Xl"];

const COLUMNS: { key: SortKey; title: () => string; visibility?: Visibility }[] = [
    { key: "name", title: () => _("Name") },
    { key: "address", title: () => _("Address") },
    { key: "os", title: () => _("OS"), visibility: fromLarge },
    { key: "state", title: () => _("State") },
    { key: "handshake", title: () => _("Last handshake") },
    { key: "endpoint", title: () => _("Endpoint"), visibility: from2XLarge },
    { key: "rx", title: () => _("Received"), visibility: fromXLarge },
    { key: "tx", title: () => _("Sent"), visibility: fromXLarge },
];
const visibilityOf = (key: SortKey) => COLUMNS.find(c => c.key === key)!.visibility;

export const FIRST_PAINT_MARK = "wireguard-hub:spokes-painted";

const PER_PAGE_OPTIONS = [10, 20, 50, 100].map(n => ({ title: String(n), value: n }));

/** Runs a row action; a failure is a toast titled WHAT, a success one saying DONE (when given). */
async function runAction(what: string, action: () => Promise<unknown>, done?: string): Promise<boolean> {
    try {
        await action();
        if (done) notify("info", done);
        await store.refresh();
        return true;
    } catch (e) {
        notifyError(what, asApiError(e));
        return false;
    }
}

/** The spoke's agent: an action waiting for it, its version and when it last asked, or none. */
const AgentCell = ({ spoke, now }: { spoke: Spoke; now: number }) => {
    if (spoke.pendingAction)
        return (
            <Label isCompact color="orange" className="wgh-agent-pending">
                {spoke.pendingAction === "rotate-key" ? _("New key asked") : _("Uninstall asked")}
            </Label>
        );
    if (!spoke.agent) return <span title={_("Enrolled without an agent (or a macOS or Windows spoke): re-enroll it to get one.")}>{_("none")}</span>;
    return (
        <span title={spoke.agent.lastResult ?? ""}>
            {cockpit.format(_("$0, seen $1"), spoke.agent.version, timeAgo(spoke.agent.lastSeen, now))}
        </span>
    );
};

interface RowHandlers {
    onReenroll: (s: Spoke) => void;
    onRemove: (s: Spoke) => void;
    onEdit: (s: Spoke) => void;
    onUninstall: (s: Spoke) => void;
}

const SpokeRowView = React.memo(({ row, now, onReenroll, onRemove, onEdit, onUninstall }: RowHandlers & {
    row: SpokeRow;
    now: number;
}) => {
    const s = row.spoke;
    const disabled = row.state === "disabled";
    const label = STATE_LABEL[row.state];
    const items: IAction[] = [
        disabled
            ? {
                id: `spoke-enable-${s.id}`,
                title: _("Enable"),
                onClick: () => void runAction(cockpit.format(_("Could not enable $0"), s.name), () => api.enableSpoke(s.id)),
            }
            : {
                id: `spoke-disable-${s.id}`,
                title: _("Disable"),
                onClick: () => void runAction(cockpit.format(_("Could not disable $0"), s.name), () => api.disableSpoke(s.id)),
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
        <Tr id={`spoke-row-${s.id}`} data-spoke-name={s.name} data-state={row.state}>
            <Td dataLabel={_("Name")} className="wgh-spoke-name" modifier="breakWord">{s.name}</Td>
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
                        <MenuToggle id={`spoke-actions-${s.id}`} ref={toggleRef} onClick={onToggle} isExpanded={isOpen}
                            isDisabled={isDisabled} variant="plain" aria-label={cockpit.format(_("Actions for $0"), s.name)}
                            icon={<EllipsisVIcon />} />
                    )}
                />
            </Td>
        </Tr>
    );
});

export const SpokesTable = () => {
    const { spokes, updatedAt } = useStore();
    const [search, setSearch] = useState("");
    const [state, setState] = useState("");
    const [os, setOs] = useState("");
    const [sortKey, setSortKey] = useState<SortKey>("name");
    const [ascending, setAscending] = useState(true);
    const [page, setPage] = useState(1);
    const [perPage, setPerPage] = useState(20);
    const [adding, setAdding] = useState(false);
    const [reenrolled, setReenrolled] = useState<CreatedToken | null>(null);
    const [removing, setRemoving] = useState<Spoke | null>(null);
    const [editing, setEditing] = useState<Spoke | null>(null);
    const [uninstalling, setUninstalling] = useState<Spoke | null>(null);

    const deferredSearch = useDeferredValue(search);
    const now = updatedAt || Date.now();
    const rows = useMemo(() => toRows(spokes, now), [spokes, now]);
    const osOptions = useMemo(() => {
        const names = new Set(Object.values(OS_NAMES));
        for (const r of rows) if (r.os !== "—") names.add(r.os);
        return [...names].sort().map(n => ({ value: n, label: n }));
    }, [rows]);
    const shown = useMemo(
        () => querySpokes(rows, { search: deferredSearch, state: state as SpokeRow["state"] | "", os, sortKey, ascending }),
        [rows, deferredSearch, state, os, sortKey, ascending]);

    const lastPage = Math.max(1, Math.ceil(shown.length / perPage));
    useEffect(() => {
        if (page > lastPage) setPage(lastPage);
    }, [page, lastPage]);
    // A new search or filter starts from the first page; a refresh does not.
    useEffect(() => setPage(1), [deferredSearch, state, os]);

    // A mark the browser test reads: when the first non-empty table reached the screen.
    useEffect(() => {
        if (spokes.length && !performance.getEntriesByName(FIRST_PAINT_MARK).length)
            requestAnimationFrame(() => performance.mark(FIRST_PAINT_MARK));
    }, [spokes.length]);

    const pageRows = shown.slice((Math.min(page, lastPage) - 1) * perPage, Math.min(page, lastPage) * perPage);

    const sortBy = (index: number): ThProps["sort"] => ({
        sortBy: { index: COLUMNS.findIndex(c => c.key === sortKey), direction: ascending ? "asc" : "desc" },
        onSort: (_e, i, direction) => {
            setSortKey(COLUMNS[i].key);
            setAscending(direction === "asc");
        },
        columnIndex: index,
    });

    const reenroll = (s: Spoke) => {
        api.createToken({ spokeName: s.name, spokeId: s.id }).then(token => {
            setReenrolled(token);
            void store.refresh();
        }, e => notifyError(cockpit.format(_("Could not create a new token for $0"), s.name), asApiError(e)));
    };
    const onReenroll = React.useCallback(reenroll, []);
    const onRemove = React.useCallback((s: Spoke) => setRemoving(s), []);
    const onEdit = React.useCallback((s: Spoke) => setEditing(s), []);
    const onUninstall = React.useCallback((s: Spoke) => setUninstalling(s), []);

    const pagination = (variant: "top" | "bottom") => (
        <Pagination id={`spokes-pagination-${variant}`} itemCount={shown.length} page={Math.min(page, lastPage)} perPage={perPage}
            perPageOptions={PER_PAGE_OPTIONS} variant={variant} isCompact={variant === "top"} titles={paginationTitles()}
            onSetPage={(_e, p) => setPage(p)} onPerPageSelect={(_e, n) => {
                setPerPage(n);
                setPage(1);
            }} />
    );

    return (
        <>
            <Toolbar id="spokes-toolbar">
                <ToolbarContent>
                    <ToolbarItem>
                        <SearchInput id="spokes-search" aria-label={_("Search spokes")} placeholder={_("Search by name, address, endpoint…")} value={search}
                            onChange={(_e, v) => setSearch(v)} onClear={() => setSearch("")} />
                    </ToolbarItem>
                    <ToolbarItem>
                        <FilterSelect id="spokes-filter-state" allLabel={_("All states")} value={state} onChange={setState}
                            options={DISPLAY_STATES.map(s => ({ value: s, label: STATE_LABEL[s].text() }))} />
                    </ToolbarItem>
                    <ToolbarItem>
                        <FilterSelect id="spokes-filter-os" allLabel={_("All systems")} value={os} onChange={setOs} options={osOptions} />
                    </ToolbarItem>
                    <ToolbarItem>
                        <Button id="add-spoke" variant="primary" icon={<PlusCircleIcon />} onClick={() => setAdding(true)}>
                            {_("Add spoke")}
                        </Button>
                    </ToolbarItem>
                    <ToolbarItem alignSelf="center">
                        <Content component="small" id="spokes-count">
                            {shown.length === spokes.length
                                ? cockpit.format(cockpit.ngettext("$0 spoke", "$0 spokes", spokes.length), spokes.length.toLocaleString())
                                : cockpit.format(_("$0 of $1 spokes"), shown.length.toLocaleString(), spokes.length.toLocaleString())}
                        </Content>
                    </ToolbarItem>
                    <ToolbarItem variant="pagination">{pagination("top")}</ToolbarItem>
                </ToolbarContent>
            </Toolbar>
            {spokes.length === 0
                ? (
                    <EmptyState id="spokes-empty" headingLevel="h3" titleText={_("No spokes yet")} icon={PlusCircleIcon}>
                        <EmptyStateBody>{_("Add a spoke to get a one-line command that installs WireGuard on it and joins it to this hub.")}</EmptyStateBody>
                    </EmptyState>
                )
                : (
                    <Table id="spokes-table" aria-label={_("Spokes")} variant="compact" isStickyHeader data-updated={updatedAt}>
                        <Thead>
                            <Tr>
                                {COLUMNS.map((c, i) => (
                                    <Th key={c.key} sort={sortBy(i)} id={`spokes-sort-${c.key}`} modifier="wrap" visibility={c.visibility}>{c.title()}</Th>
                                ))}
                                <Th id="spokes-col-agent" visibility={fromXLarge} modifier="wrap">{_("Agent")}</Th>
                                <Th screenReaderText={_("Actions")} />
                            </Tr>
                        </Thead>
                        <Tbody>
                            {pageRows.map(row => (
                                <SpokeRowView key={row.spoke.id} row={row} now={now} onReenroll={onReenroll} onRemove={onRemove}
                                    onEdit={onEdit} onUninstall={onUninstall} />
                            ))}
                            {pageRows.length === 0 && (
                                <Tr>
                                    <Td colSpan={COLUMNS.length + 2}>
                                        <EmptyState id="spokes-no-match" headingLevel="h3" icon={SearchIcon} titleText={_("No matching spokes")}>
                                            <EmptyStateBody>
                                                <Button id="spokes-clear-filters" variant="link" onClick={() => {
                                                    setSearch("");
                                                    setState("");
                                                    setOs("");
                                                }}>{_("Clear search and filters")}</Button>
                                            </EmptyStateBody>
                                        </EmptyState>
                                    </Td>
                                </Tr>
                            )}
                        </Tbody>
                    </Table>
                )}
            {spokes.length > 0 && pagination("bottom")}
            {adding && <AddSpokeDialog onClose={() => setAdding(false)} />}
            {reenrolled && (
                <TokenDialog token={reenrolled} title={cockpit.format(_("Re-enroll $0"), reenrolled.spokeName)}
                    onClose={() => setReenrolled(null)} />
            )}
            {editing && <EditSpokeDialog spoke={editing} onClose={() => setEditing(null)} />}
            {uninstalling && <UninstallSpokeDialog spoke={uninstalling} onClose={() => setUninstalling(null)} />}
            {removing && (
                <RemoveSpokeDialog spoke={removing} onClose={() => setRemoving(null)}
                    onRemove={async () => {
                        await api.removeSpoke(removing.id);
                        notify("success", cockpit.format(_("$0 was removed"), removing.name));
                        setRemoving(null);
                        await store.refresh();
                    }} />
            )}
        </>
    );
};
