// A spoke's expanded row: what the hub knows about it, its agent, and its audit entries.
import React, { useEffect, useState } from "react";
import {
    Content, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Grid, GridItem, Spinner,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import cockpit from "cockpit";
import * as api from "../../api";
import { asApiError } from "../../store";
import type { AuditEvent, Spoke } from "../../types";
import { formatDateTime, timeAgo } from "../../util/format";
import { osName } from "../../util/spokeState";
import { CopyInline } from "../common/copyText";
import { auditActionText } from "../audit/auditActions";

const _ = cockpit.gettext;

const AUDIT_SHOWN = 10;

/**
 * Events about this spoke. The log is asked for by name (events name their subject); two spokes
 * may share a name, so an event that carries a spoke id must carry this one.
 */
export function spokeEvents(events: AuditEvent[], spoke: Pick<Spoke, "id" | "name">): AuditEvent[] {
    return events.filter(e => {
        const id = e.details?.spokeId;
        if (typeof id === "string") return id === spoke.id;
        return e.subject === spoke.name && (e.action.startsWith("spoke.") || e.action.startsWith("token."));
    });
}

function useSpokeAudit(spoke: Spoke): { events: AuditEvent[] | null; error: string | null } {
    const [events, setEvents] = useState<AuditEvent[] | null>(null);
    const [error, setError] = useState<string | null>(null);
    // A new spoke object means the hub's list changed: read the log again.
    useEffect(() => {
        let alive = true;
        api.listAudit({ subject: spoke.name, limit: AUDIT_SHOWN * 5 }).then(all => {
            if (!alive) return;
            setEvents(spokeEvents(all, spoke));
            setError(null);
        }, e => alive && setError(asApiError(e).message));
        return () => {
            alive = false;
        };
    }, [spoke]);
    return { events, error };
}

const Detail = ({ term, field, children }: { term: string; field: string; children: React.ReactNode }) => (
    <DescriptionListGroup>
        <DescriptionListTerm>{term}</DescriptionListTerm>
        <DescriptionListDescription data-field={field}>{children}</DescriptionListDescription>
    </DescriptionListGroup>
);

const AgentDetail = ({ spoke, now }: { spoke: Spoke; now: number }) => {
    if (!spoke.agent) return <>{_("no agent")}</>;
    const a = spoke.agent;
    return (
        <>
            {cockpit.format(_("version $0, last seen $1"), a.version, timeAgo(a.lastSeen, now))}
            <div>{a.behind
                ? _("Behind: the hub's settings for this spoke changed since the agent last ran; it applies them at its next cycle.")
                : _("Current: it has applied the hub's settings for this spoke.")}</div>
            {a.lastResult && <div>{_("Last result:")} <code className="wgh-break">{a.lastResult}</code></div>}
        </>
    );
};

const AuditList = ({ spoke, now }: { spoke: Spoke; now: number }) => {
    const { events, error } = useSpokeAudit(spoke);
    if (error) return <Content component="p" id={`spoke-audit-${spoke.id}-error`}>{cockpit.format(_("The audit log could not be read: $0"), error)}</Content>;
    if (!events) return <Spinner size="md" aria-label={_("Loading the audit log")} />;
    if (!events.length) return <Content component="p" id={`spoke-audit-${spoke.id}-empty`}>{_("No audit entries for this spoke.")}</Content>;
    return (
        <Table id={`spoke-audit-${spoke.id}`} aria-label={_("Audit log of the spoke")} variant="compact" borders={false}>
            <Thead>
                <Tr>
                    <Th modifier="nowrap">{_("When")}</Th>
                    <Th>{_("What")}</Th>
                    <Th>{_("Who")}</Th>
                </Tr>
            </Thead>
            <Tbody>
                {events.slice(0, AUDIT_SHOWN).map(e => (
                    <Tr key={e.id} data-action={e.action}>
                        <Td dataLabel={_("When")} modifier="nowrap"><span title={formatDateTime(e.at)}>{timeAgo(e.at, now)}</span></Td>
                        <Td dataLabel={_("What")}>{auditActionText(e.action) ?? <code>{e.action}</code>}</Td>
                        <Td dataLabel={_("Who")}>
                            {e.source ? cockpit.format(_("$0 from $1"), e.actor, e.source) : e.actor}
                        </Td>
                    </Tr>
                ))}
            </Tbody>
        </Table>
    );
};

export const SpokeDetails = ({ spoke, now }: { spoke: Spoke; now: number }) => {
    // Only Proxmox VE nodes report their version so far.
    const os = osName(spoke.os, spoke.isProxmox);
    const osVersion = spoke.isProxmox && spoke.proxmoxVersion ? `${os} ${spoke.proxmoxVersion}`
        : os === "—" ? "—" : cockpit.format(_("$0, version not reported"), os);
    return (
        <Grid hasGutter id={`spoke-details-${spoke.id}`} className="wgh-spoke-details">
            <GridItem lg={6}>
                <DescriptionList isCompact isHorizontal>
                    <Detail term={_("Datacenter")} field="datacenter">{spoke.datacenter || _("none")}</Detail>
                    <Detail term={_("Routed subnets")} field="subnets">{spoke.subnets.length ? spoke.subnets.join(", ") : _("none")}</Detail>
                    <Detail term={_("IPv4 address")} field="address">{spoke.address || "—"}</Detail>
                    <Detail term={_("IPv6 address")} field="addressV6">{spoke.addressV6 || _("none")}</Detail>
                    <Detail term={_("Public key")} field="publicKey"><CopyInline id={`spoke-details-${spoke.id}-key`} text={spoke.publicKey} /></Detail>
                    <Detail term={_("Hostname")} field="hostname">{spoke.hostname || "—"}</Detail>
                    <Detail term={_("OS version")} field="osVersion">{osVersion}</Detail>
                    <Detail term={_("Registered")} field="registeredAt">
                        {spoke.registeredAt ? <span title={timeAgo(spoke.registeredAt, now)}>{formatDateTime(spoke.registeredAt)}</span> : "—"}
                    </Detail>
                    <Detail term={_("Agent")} field="agent"><AgentDetail spoke={spoke} now={now} /></Detail>
                </DescriptionList>
            </GridItem>
            <GridItem lg={6}>
                <Content component="h4">{_("Audit log")}</Content>
                <AuditList spoke={spoke} now={now} />
            </GridItem>
        </Grid>
    );
};
