// The Cockpit page: the hub's dashboard under the page's title, through Cockpit's bridge.
import React from "react";
import { Page, PageSection, Content, Flex, FlexItem } from "@patternfly/react-core";
import cockpit from "cockpit";
import { HubProvider } from "./hubProvider";
import { Dashboard } from "./dashboard";
import { cockpitTransport } from "./transport/cockpitTransport";
import { DocumentationLink } from "./components/help/documentationLink";

const _ = cockpit.gettext;

export const App = () => (
    <HubProvider transport={cockpitTransport}>
        <Page id="wireguard-hub" className="no-masthead-sidebar">
            <PageSection variant="secondary" padding={{ default: "noPadding" }} className="pf-v6-u-px-lg pf-v6-u-pt-md">
                <Flex alignItems={{ default: "alignItemsCenter" }}>
                    <FlexItem><Content component="h1">{_("WireGuard Hub")}</Content></FlexItem>
                    <FlexItem align={{ default: "alignRight" }}><DocumentationLink /></FlexItem>
                </Flex>
            </PageSection>
            <Dashboard />
        </Page>
    </HubProvider>
);
