// The hub's whole view: a state machine over the store's phase (loading, setup, service
// down…), then the hub's health and card over the tabs. The Cockpit page shows it inside its
// header; a host application shows it wherever it puts <Dashboard /> in a HubProvider.
import React from "react";
import { PageSection, Tab, Tabs, TabTitleText } from "@patternfly/react-core";
import cockpit from "cockpit";
import { useStore } from "./store";
import { AccessDenied, Loading, PageError, ServiceDown } from "./components/common/pageStates";
import { SetupWizard } from "./components/setup/setupWizard";
import { SetupResult } from "./components/setup/setupResult";
import { HubCard } from "./components/hub/hubCard";
import { HubHealth } from "./components/hub/hubHealth";
import { HubsCard } from "./components/hub/hubsCard";
import { SpokesTable } from "./components/spokes/spokesTable";
import { TokensTable } from "./components/tokens/tokensTable";
import { ProxmoxTree } from "./components/proxmox/proxmoxTree";
import { TrafficTab } from "./components/traffic/trafficTab";
import { AuditLog } from "./components/audit/auditLog";
import { goTo, usePageLocation } from "./util/location";

const _ = cockpit.gettext;

type TabKey = "spokes" | "tokens" | "proxmox" | "traffic" | "audit";
const TAB_KEYS: TabKey[] = ["spokes", "tokens", "proxmox", "traffic", "audit"];

const DashboardTabs = () => {
    const { status } = useStore();
    const first = usePageLocation().path[0];
    const tab: TabKey = (TAB_KEYS as (string | undefined)[]).includes(first) ? first as TabKey : "spokes";
    const select = (key: TabKey) => {
        if (key !== tab) goTo([key]);
    };
    return (
        <>
            <PageSection>
                <HubHealth status={status} />
                <HubCard />
                <HubsCard />
            </PageSection>
            <PageSection>
                <Tabs id="main-tabs" activeKey={tab} onSelect={(_e, key) => select(key as TabKey)} mountOnEnter unmountOnExit>
                    <Tab eventKey="spokes" id="panel-spokes" title={<TabTitleText id="tab-spokes">{_("Spokes")}</TabTitleText>}>
                        <SpokesTable />
                    </Tab>
                    <Tab eventKey="tokens" id="panel-tokens" title={<TabTitleText id="tab-tokens">{_("Tokens")}</TabTitleText>}>
                        <TokensTable />
                    </Tab>
                    <Tab eventKey="proxmox" id="panel-proxmox" title={<TabTitleText id="tab-proxmox">{_("Proxmox")}</TabTitleText>}>
                        <ProxmoxTree />
                    </Tab>
                    <Tab eventKey="traffic" id="panel-traffic" title={<TabTitleText id="tab-traffic">{_("Traffic")}</TabTitleText>}>
                        <TrafficTab />
                    </Tab>
                    <Tab eventKey="audit" id="panel-audit" title={<TabTitleText id="tab-audit">{_("Audit log")}</TabTitleText>}>
                        <AuditLog />
                    </Tab>
                </Tabs>
            </PageSection>
        </>
    );
};

export function Dashboard() {
    const state = useStore();
    if (state.setupResult) return <PageSection isFilled><SetupResult config={state.setupResult} /></PageSection>;
    switch (state.phase) {
    case "loading":
        return <PageSection isFilled><Loading /></PageSection>;
    case "service-down":
        return <PageSection isFilled><ServiceDown error={state.error} /></PageSection>;
    case "access-denied":
        return <PageSection isFilled><AccessDenied /></PageSection>;
    case "error":
        return <PageSection isFilled><PageError error={state.error} /></PageSection>;
    case "uninitialized":
        return <PageSection isFilled><SetupWizard /></PageSection>;
    case "ready":
        return <DashboardTabs />;
    }
}
