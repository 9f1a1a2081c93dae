// Every spoke, searchable and sortable. The hub searches, filters and sorts, and sends only the
// page shown: with 100,000 spokes the page paints as fast as with ten. Each refresh asks for the
// same page again while search, filters, sort and page stay as the user left them.
import React, { useCallback, useDeferredValue, useEffect, useMemo, useState } from "react";
import {
    Button, EmptyState, EmptyStateBody, Pagination, SearchInput, Spinner, Toolbar, ToolbarContent,
    ToolbarItem, Content,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr, type ThProps } from "@patternfly/react-table";
import { PlusCircleIcon, SearchIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";
import * as api from "../../api";
import type { SpokePageQuery } from "../../api";
import { asApiError, FIRST_PAGE, store, useStore, useWanted } from "../../store";
import type { CreatedToken, Spoke } from "../../types";
import { DISPLAY_STATES, STATE_LABEL, OS_NAMES, type DisplayState } from "../../util/spokeState";
import { notify, notifyError } from "../common/toasts";
import { FilterSelect } from "../common/filterSelect";
import { toRows, type SortKey } from "./spokeQuery";
import { AddSpokeDialog } from "./addSpokeDialog";
import { TokenDialog } from "./tokenDialog";
import { RemoveSpokeDialog } from "./removeSpokeDialog";
import { EditSpokeDialog, UninstallSpokeDialog } from "./editSpokeDialog";
import { paginationTitles } from "../common/paginationTitles";
import { columnCount, columnsShown, fromXLarge } from "./columns";
import { hasSeveralHubs } from "../../util/hubs";
import { SpokeRowView } from "./spokeRow";
import { CancelEnrollmentDialog, PendingSpokeRow } from "./pendingSpokeRow";
import { matchesSearch, pendingSpokes, reissueCommand, type PendingSpoke } from "./pendingSpokes";
import { ReenrollDialog } from "./reenrollDialog";
import { AddClusterDialog } from "../proxmox/addClusterDialog";

const _ = cockpit.gettext;

/** The state filter's choice for spokes added but not enrolled yet. */
const WAITING = "waiting";

export const FIRST_PAINT_MARK = "wireguard-hub:spokes-painted";

const PER_PAGE_OPTIONS = [10, 20, 50, 100].map(n => ({ title: String(n), value: n }));


export const SpokesTable = () => {
    // Waiting spokes are tokens: those are kept fresh while this tab is open.
    useWanted("waiting");
    const { spokePage, waitingTokens, hubs, updatedAt } = useStore();
    const showHub = hasSeveralHubs(hubs);
    const columns = columnsShown(showHub);
    const [search, setSearch] = useState("");
    const [state, setState] = useState("");
    const [os, setOs] = useState("");
    const [sortKey, setSortKey] = useState<SortKey>(FIRST_PAGE.sortKey);
    const [ascending, setAscending] = useState(FIRST_PAGE.ascending);
    const [page, setPage] = useState(1);
    const [perPage, setPerPage] = useState(FIRST_PAGE.limit);
    const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
    const [adding, setAdding] = useState(false);
    const [addingCluster, setAddingCluster] = useState(false);
    const [reenrolling, setReenrolling] = useState<Spoke | null>(null);
    const [reissued, setReissued] = useState<CreatedToken | null>(null);
    const [cancelling, setCancelling] = useState<PendingSpoke | null>(null);
    const [removing, setRemoving] = useState<Spoke | null>(null);
    const [editing, setEditing] = useState<Spoke | null>(null);
    const [uninstalling, setUninstalling] = useState<Spoke | null>(null);

    const deferredSearch = useDeferredValue(search);
    const now = updatedAt || Date.now();
    const query = useMemo((): SpokePageQuery => ({
        search: deferredSearch, state: state === WAITING ? "" : state as DisplayState | "", os, sortKey, ascending, offset: (page - 1) * perPage, limit: perPage,
    }), [deferredSearch, state, os, sortKey, ascending, page, perPage]);
    useEffect(() => void store.setSpokeQuery(query), [query]);
    useEffect(() => () => void store.setSpokeQuery(null), []);

    const total = spokePage?.total ?? 0;
    const matched = state === WAITING ? 0 : spokePage?.matched ?? 0;
    const pageRows = useMemo(() => state === WAITING || !spokePage ? [] : toRows(spokePage.spokes, now), [spokePage, state, now]);
    const waiting = useMemo(() => pendingSpokes(waitingTokens, now), [waitingTokens, now]);
    const osOptions = useMemo(() => {
        const names = new Set([...Object.values(OS_NAMES), ...spokePage?.oses ?? []]);
        names.delete("—");
        return [...names].sort().map(n => ({ value: n, label: n }));
    }, [spokePage?.oses]);
    // Waiting spokes have no system and no traffic yet: a filter on either leaves them out.
    const shownWaiting = useMemo(
        () => (state && state !== WAITING) || os ? [] : waiting.filter(p => matchesSearch(p.haystack, deferredSearch)),
        [waiting, state, os, deferredSearch]);

    const lastPage = Math.max(1, Math.ceil(matched / perPage));
    useEffect(() => {
        if (spokePage && page > lastPage) setPage(lastPage);
    }, [spokePage, page, lastPage]);
    // A new search or filter starts from the first page; a refresh does not.
    useEffect(() => setPage(1), [deferredSearch, state, os]);

    // A mark the browser test reads: when the first non-empty table reached the screen.
    useEffect(() => {
        if (pageRows.length && !performance.getEntriesByName(FIRST_PAINT_MARK).length)
            requestAnimationFrame(() => performance.mark(FIRST_PAINT_MARK));
    }, [pageRows.length]);

    const current = Math.min(page, lastPage);

    const sortBy = (index: number): ThProps["sort"] => ({
        sortBy: { index: columns.findIndex(c => c.key === sortKey), direction: ascending ? "asc" : "desc" },
        onSort: (_e, i, direction) => {
            setSortKey(columns[i].key);
            setAscending(direction === "asc");
        },
        columnIndex: index,
    });

    const onReenroll = useCallback((s: Spoke) => setReenrolling(s), []);
    const onRemove = useCallback((s: Spoke) => setRemoving(s), []);
    const onEdit = useCallback((s: Spoke) => setEditing(s), []);
    const onUninstall = useCallback((s: Spoke) => setUninstalling(s), []);
    const onExpand = useCallback((id: string, open: boolean) => setExpanded(set => {
        const next = new Set(set);
        if (open) next.add(id);
        else next.delete(id);
        return next;
    }), []);
    const onCancel = useCallback((p: PendingSpoke) => setCancelling(p), []);
    const onNewCommand = useCallback((p: PendingSpoke) => {
        reissueCommand(p).then(token => {
            setReissued(token);
            void store.refresh();
        }, (e: unknown) => {
            // Nothing changed: the old command still works.
            notifyError(cockpit.format(_("Could not make a new command for $0"), p.name), asApiError(e));
            void store.refresh();
        });
    }, []);

    const pagination = (variant: "top" | "bottom") => (
        <Pagination id={`spokes-pagination-${variant}`} itemCount={matched} page={current} perPage={perPage}
            perPageOptions={PER_PAGE_OPTIONS} variant={variant} isCompact={variant === "top"} titles={paginationTitles()}
            onSetPage={(_e, p) => setPage(p)} onPerPageSelect={(_e, n) => {
                setPerPage(n);
                setPage(1);
            }} />
    );
    const clearFilters = () => {
        setSearch("");
        setState("");
        setOs("");
    };
    const stateOptions = [
        ...DISPLAY_STATES.map(s => ({ value: s as string, label: STATE_LABEL[s].text() })),
        { value: WAITING, label: _("Waiting for enrollment") },
    ];

    return (
        <>
            <Toolbar id="spokes-toolbar">
                <ToolbarContent>
                    <ToolbarItem>
                        <SearchInput id="spokes-search" aria-label={_("Search spokes")} placeholder={_("Search by name, address, subnet, endpoint…")} value={search}
                            onChange={(_e, v) => setSearch(v)} onClear={() => setSearch("")} />
                    </ToolbarItem>
                    <ToolbarItem>
                        <FilterSelect id="spokes-filter-state" allLabel={_("All states")} value={state} onChange={setState} options={stateOptions} />
                    </ToolbarItem>
                    <ToolbarItem>
                        <FilterSelect id="spokes-filter-os" allLabel={_("All systems")} value={os} onChange={setOs} options={osOptions} />
                    </ToolbarItem>
                    <ToolbarItem>
                        <Button id="add-spoke" variant="primary" icon={<PlusCircleIcon />} onClick={() => setAdding(true)}>
                            {_("Add spoke")}
                        </Button>
                    </ToolbarItem>
                    <ToolbarItem>
                        <Button id="add-cluster" variant="secondary" icon={<PlusCircleIcon />} onClick={() => setAddingCluster(true)}>
                            {_("Add Proxmox VE cluster")}
                        </Button>
                    </ToolbarItem>
                    <ToolbarItem alignSelf="center">
                        <Content component="small">
                            <span id="spokes-count">
                                {matched === total
                                    ? cockpit.format(cockpit.ngettext("$0 spoke", "$0 spokes", total), total.toLocaleString())
                                    : cockpit.format(_("$0 of $1 spokes"), matched.toLocaleString(), total.toLocaleString())}
                            </span>
                            {waiting.length > 0 && (
                                <span id="spokes-waiting-count">
                                    {" · "}
                                    {cockpit.format(cockpit.ngettext("$0 waiting for enrollment", "$0 waiting for enrollment", waiting.length), waiting.length)}
                                </span>
                            )}
                        </Content>
                    </ToolbarItem>
                    {total > 0 && <ToolbarItem variant="pagination">{pagination("top")}</ToolbarItem>}
                </ToolbarContent>
            </Toolbar>
            {!spokePage && <EmptyState id="spokes-loading" headingLevel="h3" titleText={_("Loading spokes")} icon={Spinner} />}
            {spokePage && total === 0 && waiting.length === 0
                ? (
                    <EmptyState id="spokes-empty" headingLevel="h3" titleText={_("No spokes yet")} icon={PlusCircleIcon}>
                        <EmptyStateBody>{_("Add a spoke to get a one-line command that installs WireGuard on it and joins it to this hub.")}</EmptyStateBody>
                    </EmptyState>
                )
                : spokePage && (
                    <Table id="spokes-table" aria-label={_("Spokes")} variant="compact" isStickyHeader isExpandable data-updated={updatedAt}
                        data-hubs={hubs.length}>
                        <Thead>
                            <Tr>
                                <Th screenReaderText={_("Details")} />
                                {columns.map((c, i) => (
                                    <Th key={c.key} sort={sortBy(i)} id={`spokes-sort-${c.key}`} modifier="wrap" visibility={c.visibility}>{c.title()}</Th>
                                ))}
                                <Th id="spokes-col-agent" visibility={fromXLarge} modifier="wrap">{_("Agent")}</Th>
                                <Th screenReaderText={_("Actions")} />
                            </Tr>
                        </Thead>
                        {/* Waiting spokes are few and new: they lead the first page. */}
                        {current === 1 && shownWaiting.map(p => (
                            <PendingSpokeRow key={p.token.id} pending={p} now={now} showHub={showHub} onNewCommand={onNewCommand} onCancel={onCancel} />
                        ))}
                        {pageRows.map(row => (
                            <SpokeRowView key={row.spoke.id} row={row} now={now} showHub={showHub} expanded={expanded.has(row.spoke.id)} onExpand={onExpand}
                                onReenroll={onReenroll} onRemove={onRemove} onEdit={onEdit} onUninstall={onUninstall} />
                        ))}
                        {pageRows.length === 0 && shownWaiting.length === 0 && (
                            <Tbody>
                                <Tr>
                                    <Td colSpan={columnCount(showHub)}>
                                        <EmptyState id="spokes-no-match" headingLevel="h3" icon={SearchIcon} titleText={_("No matching spokes")}>
                                            <EmptyStateBody>
                                                <Button id="spokes-clear-filters" variant="link" onClick={clearFilters}>{_("Clear search and filters")}</Button>
                                            </EmptyStateBody>
                                        </EmptyState>
                                    </Td>
                                </Tr>
                            </Tbody>
                        )}
                    </Table>
                )}
            {total > 0 && pagination("bottom")}
            {adding && <AddSpokeDialog onClose={() => setAdding(false)} />}
            {addingCluster && <AddClusterDialog onClose={() => setAddingCluster(false)} />}
            {reenrolling && <ReenrollDialog spoke={reenrolling} onClose={() => setReenrolling(null)} />}
            {reissued && (
                <TokenDialog token={reissued} title={cockpit.format(_("New command for $0"), reissued.spokeName)}
                    onClose={() => setReissued(null)} />
            )}
            {cancelling && <CancelEnrollmentDialog pending={cancelling} onClose={() => setCancelling(null)} />}
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
