// The spokes as a host application lists them next to its own objects: searchable, Proxmox VE
// nodes alone when asked, and a spoke's name hands the spoke to the host (onSpokeClick), which
// decides what selecting it means. The full table with its actions is the Spokes tab.
import React, { useDeferredValue, useEffect, useState } from "react";
import { Button, Content, EmptyState, EmptyStateBody, Label, SearchInput, Toolbar, ToolbarContent, ToolbarItem } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import { SearchIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";
import * as api from "../api";
import { useStore } from "../store";
import type { Spoke, SpokePage } from "../types";
import { OS_NAMES, STATE_LABEL } from "../util/spokeState";
import { formatDateTime, timeAgo } from "../util/format";
import { toRows } from "../components/spokes/spokeQuery";

const _ = cockpit.gettext;

/** The most spokes listed at once; a search narrows them down. */
const MAX_SHOWN = 1000;

export interface SpokeManagerProps {
    /** Only spokes enrolled as Proxmox VE nodes. */
    showProxmoxOnly?: boolean;
    /** Called with the spoke whose name was clicked; without it names are plain text. */
    onSpokeClick?: (spoke: Spoke) => void;
}

/** The spokes matching the search, by name, asked for again at each refresh of the page. */
function useMatchingSpokes(search: string, showProxmoxOnly: boolean): SpokePage | null {
    const { updatedAt } = useStore();
    const [page, setPage] = useState<SpokePage | null>(null);
    useEffect(() => {
        let alive = true;
        const query = { search, state: "", os: showProxmoxOnly ? OS_NAMES.proxmox : "", sortKey: "name", ascending: true, offset: 0, limit: MAX_SHOWN } as const;
        // A failure keeps what was shown: the store's own refresh shows the hub's trouble.
        api.listSpokePage(query).then(p => alive && setPage(p), () => undefined);
        return () => {
            alive = false;
        };
    }, [search, showProxmoxOnly, updatedAt]);
    return page;
}

export function SpokeManager({ showProxmoxOnly = false, onSpokeClick }: SpokeManagerProps) {
    const { updatedAt } = useStore();
    const [search, setSearch] = useState("");
    const deferredSearch = useDeferredValue(search);
    const now = updatedAt || Date.now();
    const page = useMatchingSpokes(deferredSearch, showProxmoxOnly);
    const shown = page ? toRows(page.spokes, now) : [];
    const matched = page?.matched ?? 0;

    const emptyTitle = search ? _("No matching spokes") : showProxmoxOnly ? _("No Proxmox VE nodes") : _("No spokes yet");

    return (
        <>
            <Toolbar id="spoke-manager-toolbar">
                <ToolbarContent>
                    <ToolbarItem>
                        <SearchInput id="spoke-manager-search" aria-label={_("Search spokes")} value={search}
                            placeholder={_("Search by name, address, subnet, endpoint…")}
                            onChange={(_e, v) => setSearch(v)} onClear={() => setSearch("")} />
                    </ToolbarItem>
                    <ToolbarItem alignSelf="center">
                        <Content component="small" id="spoke-manager-count">
                            {matched > shown.length
                                ? cockpit.format(_("The first $0 of $1 spokes: search to find the others"), shown.length.toLocaleString(), matched.toLocaleString())
                                : cockpit.format(cockpit.ngettext("$0 spoke", "$0 spokes", matched), matched.toLocaleString())}
                        </Content>
                    </ToolbarItem>
                </ToolbarContent>
            </Toolbar>
            {shown.length === 0
                ? (
                    <EmptyState id="spoke-manager-empty" headingLevel="h3" icon={SearchIcon} titleText={emptyTitle}>
                        {!search && (
                            <EmptyStateBody>
                                {showProxmoxOnly
                                    ? _("Add a spoke and run its Proxmox VE command on each node: the nodes appear here grouped by cluster and datacenter.")
                                    : _("Add a spoke to get a one-line command that installs WireGuard on it and joins it to this hub.")}
                            </EmptyStateBody>
                        )}
                    </EmptyState>
                )
                : (
                    <Table id="spoke-manager" aria-label={_("Spokes")} variant="compact">
                        <Thead>
                            <Tr>
                                <Th>{_("Name")}</Th>
                                <Th>{_("Address")}</Th>
                                <Th>{_("Datacenter")}</Th>
                                <Th>{_("State")}</Th>
                                <Th>{_("Last handshake")}</Th>
                            </Tr>
                        </Thead>
                        <Tbody>
                            {shown.map(row => {
                                const s = row.spoke;
                                const label = STATE_LABEL[row.state];
                                return (
                                    <Tr key={s.id} id={`spoke-manager-row-${s.id}`} data-spoke-name={s.name}>
                                        <Td dataLabel={_("Name")} modifier="breakWord">
                                            {onSpokeClick
                                                ? <Button variant="link" isInline onClick={() => onSpokeClick(s)}>{s.name}</Button>
                                                : s.name}
                                        </Td>
                                        <Td dataLabel={_("Address")} modifier="nowrap">{row.address || "—"}</Td>
                                        <Td dataLabel={_("Datacenter")}>{s.datacenter || "—"}</Td>
                                        <Td dataLabel={_("State")}><Label color={label.color} isCompact>{label.text()}</Label></Td>
                                        <Td dataLabel={_("Last handshake")}>
                                            <span title={formatDateTime(s.lastHandshake)}>{timeAgo(s.lastHandshake, now)}</span>
                                        </Td>
                                    </Tr>
                                );
                            })}
                        </Tbody>
                    </Table>
                )}
        </>
    );
}
