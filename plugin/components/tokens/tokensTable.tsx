// Installation tokens: pending ones can be revoked; used, expired and revoked ones stay for the record,
// those older than a week behind a toggle. A cluster token shows its cluster, its nodes and the uses it has left.
import React, { useMemo, useState } from "react";
import {
    Button, EmptyState, Spinner, EmptyStateBody, Label, Pagination, SearchInput, Toolbar, ToolbarContent, ToolbarItem,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr, type ThProps } from "@patternfly/react-table";
import { KeyIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";
import * as api from "../../api";
import { asApiError, store, useStore, useWanted } from "../../store";
import type { TokenState, TokenSummary } from "../../types";
import { formatDateTime, timeAgo, timeUntil } from "../../util/format";
import { notify, notifyError } from "../common/toasts";
import { paginationTitles } from "../common/paginationTitles";
import { FilterSelect } from "../common/filterSelect";
import { queryTokens, STATE_ORDER, tokenName, type TokenSort, type TokenSortKey } from "./tokenQuery";
import { enrolledText, isClusterToken, usesLeftText } from "../proxmox/clusterTokens";

const _ = cockpit.gettext;

const STATES: Record<TokenState, { text: () => string; color: "blue" | "green" | "grey" | "red" }> = {
    pending: { text: () => _("Pending"), color: "blue" },
    used: { text: () => _("Used"), color: "green" },
    expired: { text: () => _("Expired"), color: "grey" },
    revoked: { text: () => _("Revoked"), color: "red" },
};
const stateText = (s: TokenState) => STATES[s].text();

export const TokensTable = () => {
    useWanted("tokens");
    const { tokens, updatedAt, listsLoaded } = useStore();
    const [filter, setFilter] = useState("");
    const [search, setSearch] = useState("");
    const [sort, setSort] = useState<TokenSort>({ key: null, direction: "asc" });
    const [showOlder, setShowOlder] = useState(false);
    const [busy, setBusy] = useState<string | null>(null);
    const [page, setPage] = useState(1);
    const [perPage, setPerPage] = useState(20);
    const now = updatedAt || Date.now();

    const { rows, olderCount } = useMemo(() => queryTokens(tokens, { search, state: filter, sort, showOlder }, now, stateText),
        [tokens, search, filter, sort, showOlder, now]);
    const sortBy = (key: TokenSortKey, columnIndex: number): ThProps["sort"] => ({
        columnIndex,
        sortBy: sort.key === key ? { index: columnIndex, direction: sort.direction } : {},
        onSort: (_e, _index, direction) => {
            setSort({ key, direction });
            setPage(1);
        },
    });
    const lastPage = Math.max(1, Math.ceil(rows.length / perPage));
    const current = Math.min(page, lastPage);

    const revoke = async (t: TokenSummary) => {
        setBusy(t.id);
        try {
            await api.revokeToken(t.id);
            notify("success", cockpit.format(_("The token for $0 was revoked"), tokenName(t)));
            await store.refresh();
        } catch (e) {
            notifyError(cockpit.format(_("Could not revoke the token for $0"), tokenName(t)), asApiError(e));
        } finally {
            setBusy(null);
        }
    };

    if (!listsLoaded.tokens) return <EmptyState id="tokens-loading" headingLevel="h3" titleText={_("Loading tokens")} icon={Spinner} />;
    if (tokens.length === 0) {
        return (
            <EmptyState id="tokens-empty" headingLevel="h3" icon={KeyIcon} titleText={_("No tokens")}>
                <EmptyStateBody>{_("Adding a spoke creates a one-time token, adding a Proxmox VE cluster one token for its nodes; each is listed here until it is used or expires.")}</EmptyStateBody>
            </EmptyState>
        );
    }

    return (
        <>
            <Toolbar id="tokens-toolbar">
                <ToolbarContent>
                    <ToolbarItem>
                        <SearchInput id="tokens-search" placeholder={_("Search by name, prefix or state")} value={search}
                            aria-label={_("Search tokens")} onChange={(_e, v) => {
                                setSearch(v);
                                setPage(1);
                            }} onClear={() => setSearch("")} />
                    </ToolbarItem>
                    <ToolbarItem>
                        <FilterSelect id="tokens-filter-state" allLabel={_("All tokens")} value={filter} onChange={v => {
                            setFilter(v);
                            setPage(1);
                        }} options={STATE_ORDER.map(s => ({ value: s, label: stateText(s) }))} />
                    </ToolbarItem>
                    {(olderCount > 0 || showOlder) && (
                        <ToolbarItem alignSelf="center">
                            <Button id="tokens-show-older" variant="link" isInline onClick={() => setShowOlder(!showOlder)}>
                                {showOlder
                                    ? _("Hide older tokens")
                                    : cockpit.format(cockpit.ngettext("Show $0 older token", "Show $0 older tokens", olderCount), olderCount)}
                            </Button>
                        </ToolbarItem>
                    )}
                    <ToolbarItem variant="pagination">
                        <Pagination id="tokens-pagination" itemCount={rows.length} page={current} perPage={perPage} isCompact titles={paginationTitles()}
                            onSetPage={(_e, p) => setPage(p)} onPerPageSelect={(_e, n) => {
                                setPerPage(n);
                                setPage(1);
                            }} />
                    </ToolbarItem>
                </ToolbarContent>
            </Toolbar>
            <Table id="tokens-table" aria-label={_("Installation tokens")} variant="compact">
                <Thead>
                    <Tr>
                        <Th id="tokens-sort-name" sort={sortBy("name", 0)}>{_("Spoke")}</Th>
                        <Th>{_("Prefix")}</Th>
                        <Th>{_("Address")}</Th>
                        <Th id="tokens-sort-state" sort={sortBy("state", 3)}>{_("State")}</Th>
                        <Th id="tokens-sort-created" sort={sortBy("created", 4)}>{_("Created")}</Th>
                        <Th id="tokens-sort-expires" sort={sortBy("expires", 5)}>{_("Expires")}</Th>
                        <Th screenReaderText={_("Actions")} />
                    </Tr>
                </Thead>
                <Tbody>
                    {rows.slice((current - 1) * perPage, current * perPage).map(({ token: t, state, name }) => (
                        <Tr key={t.id} id={`token-row-${t.id}`} data-spoke-name={t.spokeName} data-state={state}
                            data-cluster={isClusterToken(t) ? t.proxmoxCluster ?? "" : undefined}>
                            <Td dataLabel={_("Spoke")}>
                                {name}
                                {t.purpose === "reenroll" && <Label isCompact variant="outline" className="pf-v6-u-ml-sm">{_("re-enroll")}</Label>}
                                {t.nodes.length > 0 && (
                                    <div className="pf-v6-u-text-color-subtle pf-v6-u-font-size-sm wgh-token-nodes">
                                        {cockpit.format(_("Nodes: $0"), t.nodes.join(", "))}
                                    </div>
                                )}
                            </Td>
                            <Td dataLabel={_("Prefix")}><code>{t.tokenPrefix}</code></Td>
                            <Td dataLabel={_("Address")}>{t.allowedIPs?.join(", ") || "—"}</Td>
                            <Td dataLabel={_("State")}>
                                <Label isCompact color={STATES[state].color} className="wgh-token-state">{STATES[state].text()}</Label>
                                {isClusterToken(t) && (
                                    <span className="pf-v6-u-ml-sm wgh-token-uses">{state === "pending" ? usesLeftText(t) : enrolledText(t)}</span>
                                )}
                            </Td>
                            <Td dataLabel={_("Created")}>
                                <span title={formatDateTime(t.createdAt)}>{t.createdAt ? timeAgo(t.createdAt, now) : "—"}</span>
                            </Td>
                            <Td dataLabel={_("Expires")}>
                                <span title={formatDateTime(t.expiresAt)}>{state === "pending" ? timeUntil(t.expiresAt, now) : "—"}</span>
                            </Td>
                            <Td isActionCell>
                                {state === "pending" && (
                                    <Button id={`token-revoke-${t.id}`} variant="secondary" isDanger size="sm"
                                        isLoading={busy === t.id} isDisabled={busy === t.id} onClick={() => void revoke(t)}>
                                        {_("Revoke")}
                                    </Button>
                                )}
                            </Td>
                        </Tr>
                    ))}
                </Tbody>
            </Table>
            {!rows.length && (
                <EmptyState id="tokens-no-match" headingLevel="h4" titleText={_("No token matches")}>
                    <EmptyStateBody>{olderCount > 0 ? _("Older tokens may match: show them above.") : _("Try other words or another state.")}</EmptyStateBody>
                </EmptyState>
            )}
        </>
    );
};
