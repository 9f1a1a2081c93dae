// Whole-page states: loading, service not running, no administrative access, other failures.
import React from "react";
import {
    Button, CodeBlock, CodeBlockCode, EmptyState, EmptyStateActions, EmptyStateBody, EmptyStateFooter, Spinner,
} from "@patternfly/react-core";
import { ExclamationCircleIcon, LockIcon, PowerOffIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";
import type { ApiError } from "../../api";
import { store } from "../../store";

const _ = cockpit.gettext;

export const Loading = () => (
    <EmptyState id="state-loading" titleText={_("Loading the hub")} headingLevel="h2" icon={Spinner} />
);

export const ServiceDown = ({ error }: { error: ApiError | null }) => (
    <EmptyState id="state-service-down" status="warning" icon={PowerOffIcon} headingLevel="h2"
        titleText={_("The WireGuard Hub service is not running")}>
        <EmptyStateBody>
            {_("This page manages the hub through its service. Start the service, then try again:")}
            <CodeBlock className="pf-v6-u-mt-md"><CodeBlockCode>systemctl start wireguard-hub</CodeBlockCode></CodeBlock>
            {error && <div className="pf-v6-u-mt-sm pf-v6-u-text-color-subtle">{error.message}</div>}
        </EmptyStateBody>
        <EmptyStateFooter>
            <EmptyStateActions>
                <Button id="service-retry" variant="primary" onClick={() => void store.refresh()}>{_("Try again")}</Button>
                <Button id="service-troubleshoot" variant="link"
                    onClick={() => cockpit.jump("/system/services#/wireguard-hub.service")}>
                    {_("Open the service")}
                </Button>
            </EmptyStateActions>
        </EmptyStateFooter>
    </EmptyState>
);

export const AccessDenied = () => (
    <EmptyState id="state-access-denied" icon={LockIcon} headingLevel="h2"
        titleText={_("Administrative access required")}>
        <EmptyStateBody>
            <p>{_("The WireGuard Hub keeps its keys and settings where only the administrator can reach them, so this page needs administrative access.")}</p>
            <p className="pf-v6-u-mt-sm">
                {_("Your session has limited access. Click \"Limited access\" in the top bar and authenticate to turn on administrative access; the page reloads by itself.")}
            </p>
            <p className="pf-v6-u-mt-sm pf-v6-u-text-color-subtle">
                {_("If there is no such button, your user cannot become administrator on this machine: ask an administrator to add you to the sudo group.")}
            </p>
        </EmptyStateBody>
    </EmptyState>
);

export const PageError = ({ error }: { error: ApiError | null }) => (
    <EmptyState id="state-error" status="danger" icon={ExclamationCircleIcon} headingLevel="h2"
        titleText={_("The hub could not be loaded")}>
        <EmptyStateBody>
            {error?.message}
            {error?.hint && <div className="pf-v6-u-mt-sm">{error.hint}</div>}
        </EmptyStateBody>
        <EmptyStateFooter>
            <Button id="error-retry" variant="primary" onClick={() => void store.refresh()}>{_("Try again")}</Button>
        </EmptyStateFooter>
    </EmptyState>
);
