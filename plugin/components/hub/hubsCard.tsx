// The hubs sharing this hub's PostgreSQL database: each one's tunnel address, endpoints, health
// and spokes. Shown only where there are such hubs; a single SQLite hub has its own card only.
import React from "react";
import { Card, CardBody, CardHeader, CardTitle, Label } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import cockpit from "cockpit";
import { useStore } from "../../store";
import type { HubMember } from "../../types";
import { formatDateTime, timeAgo } from "../../util/format";
import { showsHubList } from "../../util/hubs";

const _ = cockpit.gettext;

const HealthLabel = ({ hub }: { hub: HubMember }) => (
    <Label isCompact color={hub.healthy ? "green" : "red"} className="wgh-hub-health"
        title={hub.lastHeartbeat ? cockpit.format(_("Last heartbeat $0 ($1)"), timeAgo(hub.lastHeartbeat), formatDateTime(hub.lastHeartbeat)) : undefined}>
        {hub.healthy ? _("Healthy") : _("Down")}
    </Label>
);

export const HubsCard = () => {
    const { hubs, hubsShared } = useStore();
    if (!showsHubList(hubs, hubsShared)) return null;
    return (
        <Card id="hubs-card" isCompact className="pf-v6-u-mt-md">
            <CardHeader><CardTitle>{_("Hubs")}</CardTitle></CardHeader>
            <CardBody>
                <Table id="hubs-table" aria-label={_("Hubs")} variant="compact">
                    <Thead>
                        <Tr>
                            <Th modifier="wrap">{_("Name")}</Th>
                            <Th modifier="wrap">{_("Tunnel address")}</Th>
                            <Th modifier="wrap">{_("Endpoint")}</Th>
                            <Th modifier="wrap">{_("Health")}</Th>
                            <Th modifier="wrap">{_("Spokes")}</Th>
                        </Tr>
                    </Thead>
                    <Tbody>
                        {hubs.map(h => (
                            <Tr key={h.name} id={`hub-row-${h.name}`} data-hub-name={h.name} data-healthy={String(h.healthy)}>
                                <Td dataLabel={_("Name")}>
                                    {h.name}
                                    {h.self && <Label isCompact color="blue" className="pf-v6-u-ml-sm" id="hubs-self">{_("this hub")}</Label>}
                                </Td>
                                <Td dataLabel={_("Tunnel address")} modifier="nowrap">{[h.address, h.addressV6].filter(Boolean).join(", ")}</Td>
                                <Td dataLabel={_("Endpoint")} modifier="nowrap">
                                    {h.publicEndpoint}
                                    {h.privateEndpoint && <div className="pf-v6-u-text-color-subtle">{cockpit.format(_("$0 (local network)"), h.privateEndpoint)}</div>}
                                </Td>
                                <Td dataLabel={_("Health")}><HealthLabel hub={h} /></Td>
                                <Td dataLabel={_("Spokes")} className="wgh-hub-spokes">{h.spokes.toLocaleString()}</Td>
                            </Tr>
                        ))}
                    </Tbody>
                </Table>
            </CardBody>
        </Card>
    );
};
