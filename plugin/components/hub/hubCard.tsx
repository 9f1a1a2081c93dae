// The hub at a glance: interface, keys, endpoints, peers and the last reconcile.
import React, { useState } from "react";
import {
    Alert, Button, Card, CardBody, CardHeader, CardTitle, DescriptionList, DescriptionListDescription, DescriptionListGroup,
    DescriptionListTerm, Label, Tooltip,
} from "@patternfly/react-core";
import { variantLabel } from "../common/alertLabels";
import cockpit from "cockpit";
import { useStore } from "../../store";
import { CopyInline } from "../common/copyText";
import { formatDateTime, timeAgo } from "../../util/format";
import type { DriftItem, HubStatus } from "../../types";
import { EditHubDialog } from "./editHubDialog";
import { BackupDialog } from "../backup/backupDialog";
import { enrollmentPort } from "../../util/ports";
import { FirewallPorts, neededPorts } from "./firewallPorts";

const _ = cockpit.gettext;

function driftText(drift: DriftItem[]): string {
    const kinds = { missing: 0, rogue: 0, changed: 0 };
    for (const d of drift) kinds[d.kind] += 1;
    const parts: string[] = [];
    if (kinds.missing) parts.push(cockpit.format(_("$0 missing"), kinds.missing));
    if (kinds.rogue) parts.push(cockpit.format(_("$0 unknown"), kinds.rogue));
    if (kinds.changed) parts.push(cockpit.format(_("$0 changed"), kinds.changed));
    return cockpit.format(_("Drift corrected: $0"), parts.join(", "));
}

const Item = ({ term, id, children }: { term: string; id: string; children: React.ReactNode }) => (
    <DescriptionListGroup>
        <DescriptionListTerm>{term}</DescriptionListTerm>
        <DescriptionListDescription id={id}>{children}</DescriptionListDescription>
    </DescriptionListGroup>
);

const ModeLabel = ({ status }: { status: HubStatus | null }) => {
    const mode = status?.mode ?? "off";
    const text = mode === "off"
        ? _("WireGuard off")
        : cockpit.format(status?.interfaceUp ? _("$0, up") : _("$0, down"), mode === "kernel" ? _("kernel") : mode);
    const color = mode === "off" ? "grey" : status?.interfaceUp ? "green" : "red";
    return (
        <Tooltip content={status?.modeReason ?? _("No status yet")}>
            <Label id="hub-mode" color={color} tabIndex={0}>{text}</Label>
        </Tooltip>
    );
};

export const HubCard = () => {
    const { config, status, statusError, spokePage } = useStore();
    const [editing, setEditing] = useState(false);
    const [backingUp, setBackingUp] = useState(false);
    if (!config) return null;

    const reconcile = status?.lastReconcile ?? null;
    const lastDrift = status?.reconcile?.lastDrift;
    // Until the status is there, the spokes table's page knows the total.
    const online = status?.spokes?.online ?? 0;
    const total = status?.spokes?.total ?? spokePage?.total ?? 0;
    const enrollPort = enrollmentPort(config.publicUrl);

    return (
        <Card id="hub-card" isCompact>
            <CardHeader actions={{
                actions: (
                    <>
                        <ModeLabel status={status} />
                        <Button id="hub-backup" variant="secondary" size="sm" onClick={() => setBackingUp(true)}>{_("Download backup")}</Button>
                        <Button id="hub-edit" variant="secondary" size="sm" onClick={() => setEditing(true)}>{_("Edit")}</Button>
                    </>
                ),
            }}>
                <CardTitle>{cockpit.format(_("Hub $0"), status?.interfaceName ?? config.interfaceName ?? "wg0")}</CardTitle>
            </CardHeader>
            <CardBody>
                <DescriptionList columnModifier={{ default: "1Col", md: "2Col", lg: "3Col" }} isCompact>
                    <Item term={_("Address")} id="hub-address">
                        {[config.interfaceAddress, config.interfaceAddressV6].filter(Boolean).join(", ")}
                    </Item>
                    <Item term={_("Public key")} id="hub-public-key-item">
                        <CopyInline id="hub-public-key" text={config.publicKey} />
                    </Item>
                    <Item term={_("Ports spokes need")} id="hub-ports">
                        <span id="hub-listen-port">{cockpit.format(_("$0/udp (WireGuard)"), config.listenPort)}</span>
                        {enrollPort !== null && <>, <span id="hub-enroll-port">{cockpit.format(_("$0/tcp (enrollment)"), enrollPort)}</span></>}
                        <FirewallPorts ports={neededPorts(config.listenPort, enrollPort)} idPrefix="hub" />
                    </Item>
                    <Item term={_("Public endpoint")} id="hub-public-endpoint">{config.publicEndpoint}</Item>
                    <Item term={_("Private endpoint")} id="hub-private-endpoint">{config.privateEndpoint || _("none")}</Item>
                    <Item term={_("Spokes online")} id="hub-peers">{cockpit.format(_("$0 of $1"), online.toLocaleString(), total.toLocaleString())}</Item>
                    <Item term={_("DNS for spokes")} id="hub-dns">{config.dns?.length ? config.dns.join(", ") : _("none")}</Item>
                    <Item term={_("Addresses in use")} id="hub-addresses">
                        {status?.addresses ? cockpit.format(_("$0 of $1"), status.addresses.used.toLocaleString(), status.addresses.capacity.toLocaleString()) : "—"}
                    </Item>
                    <Item term={_("Last reconcile")} id="hub-reconcile">
                        {reconcile?.at
                            ? <span title={formatDateTime(reconcile.at)}>{timeAgo(reconcile.at)}</span>
                            : _("not yet")}
                        {lastDrift && lastDrift.drift.length > 0 && (
                            <Label className="pf-v6-u-ml-sm" color="orange" isCompact id="hub-drift">
                                {driftText(lastDrift.drift)} ({timeAgo(lastDrift.at)})
                            </Label>
                        )}
                    </Item>
                </DescriptionList>
                {statusError && (
                    <Alert id="hub-status-error" isInline isPlain variant="warning" variantLabel={variantLabel("warning")} className="pf-v6-u-mt-sm"
                        title={_("The hub's live status is unavailable")}>
                        {statusError.message}
                    </Alert>
                )}
            </CardBody>
            {editing && <EditHubDialog config={config} onClose={() => setEditing(false)} />}
            {backingUp && <BackupDialog onClose={() => setBackingUp(false)} />}
        </Card>
    );
};
