// The hub at a glance: interface, keys, endpoints, peers and the last reconcile.
import React, { useMemo } from "react";
import {
    Card, CardBody, CardHeader, CardTitle, DescriptionList, DescriptionListDescription, DescriptionListGroup,
    DescriptionListTerm, Label, Alert,
} from "@patternfly/react-core";
import cockpit from "cockpit";
import { useStore } from "../../store";
import { CopyInline } from "../common/copyText";
import { displayState } from "../../util/spokeState";
import { formatDateTime, timeAgo } from "../../util/format";
import type { ReconcileInfo } from "../../types";

const _ = cockpit.gettext;

function driftText(drift: ReconcileInfo["drift"]): string | null {
    if (drift === null || drift === undefined) return null;
    if (Array.isArray(drift)) return drift.length ? drift.join(", ") : null;
    if (typeof drift === "number") return drift > 0 ? cockpit.format(_("$0 peers corrected"), drift) : null;
    return String(drift) || null;
}

const Item = ({ term, id, children }: { term: string; id: string; children: React.ReactNode }) => (
    <DescriptionListGroup>
        <DescriptionListTerm>{term}</DescriptionListTerm>
        <DescriptionListDescription id={id}>{children}</DescriptionListDescription>
    </DescriptionListGroup>
);

export const HubCard = () => {
    const { config, status, statusError, spokes } = useStore();
    const counts = useMemo(() => {
        const now = Date.now();
        let online = 0;
        let enabled = 0;
        for (const s of spokes) {
            const state = displayState(s, now);
            if (state === "online") online += 1;
            if (state !== "pending") enabled += 1;
        }
        return { online, total: enabled };
    }, [spokes]);
    if (!config) return null;

    const reconcile = status?.lastReconcile;
    const drift = driftText(reconcile?.drift);
    const mode = status?.mode ?? "—";
    const online = status?.peersOnline ?? counts.online;
    const total = status?.peersTotal ?? counts.total;

    return (
        <Card id="hub-card" isCompact>
            <CardHeader actions={{
                actions: (
                    <Label id="hub-mode" color={mode === "off" ? "grey" : status?.up === false ? "red" : "green"}>
                        {mode === "off" ? _("WireGuard not applied (mode off)") : cockpit.format(_("Mode: $0"), mode)}
                    </Label>
                ),
            }}>
                <CardTitle>{cockpit.format(_("Hub $0"), status?.interfaceName ?? config.interfaceName ?? "wg0")}</CardTitle>
            </CardHeader>
            <CardBody>
                <DescriptionList columnModifier={{ default: "1Col", md: "2Col", xl: "3Col" }} isCompact>
                    <Item term={_("Address")} id="hub-address">
                        {[config.interfaceAddress, config.interfaceAddressV6].filter(Boolean).join(", ")}
                    </Item>
                    <Item term={_("Public key")} id="hub-public-key-item">
                        <CopyInline id="hub-public-key" text={config.publicKey} />
                    </Item>
                    <Item term={_("Listen port")} id="hub-listen-port">{cockpit.format(_("$0/udp"), config.listenPort)}</Item>
                    <Item term={_("Public endpoint")} id="hub-public-endpoint">{config.publicEndpoint}</Item>
                    <Item term={_("Private endpoint")} id="hub-private-endpoint">{config.privateEndpoint || _("none")}</Item>
                    <Item term={_("Peers online")} id="hub-peers">{cockpit.format(_("$0 of $1"), online, total)}</Item>
                    <Item term={_("DNS for spokes")} id="hub-dns">{config.dns?.length ? config.dns.join(", ") : _("none")}</Item>
                    <Item term={_("Last reconcile")} id="hub-reconcile">
                        {reconcile?.at
                            ? <span title={formatDateTime(reconcile.at)}>{timeAgo(reconcile.at)}</span>
                            : _("not yet")}
                        {drift && <Label className="pf-v6-u-ml-sm" color="orange" isCompact id="hub-drift">{drift}</Label>}
                    </Item>
                </DescriptionList>
                {(reconcile?.error || status?.error) && (
                    <Alert id="hub-reconcile-error" isInline isPlain variant="danger" className="pf-v6-u-mt-sm"
                        title={_("WireGuard could not be brought in line with the database")}>
                        {reconcile?.error || status?.error}
                    </Alert>
                )}
                {statusError && (
                    <Alert id="hub-status-error" isInline isPlain variant="warning" className="pf-v6-u-mt-sm"
                        title={_("The hub's live status is unavailable")}>
                        {statusError.message}
                    </Alert>
                )}
            </CardBody>
        </Card>
    );
};
