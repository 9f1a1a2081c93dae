// The wizard's result: the hub's key and the ports spokes need, and whether WireGuard really
// runs. It stays until the admin moves on to the dashboard, whatever the refreshes find.
import React, { useEffect, useState } from "react";
import {
    Button, Card, CardBody, EmptyState, EmptyStateActions, EmptyStateBody, EmptyStateFooter, Spinner,
} from "@patternfly/react-core";
import { CheckCircleIcon, ExclamationTriangleIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";
import * as api from "../../api";
import { store } from "../../store";
import type { HubConfig, HubStatus } from "../../types";
import { CopyInline } from "../common/copyText";
import { hubProblems, HubProblemAlert } from "../hub/hubHealth";
import { enrollmentPort } from "../../util/ports";
import { FirewallPorts, neededPorts } from "../hub/firewallPorts";

const _ = cockpit.gettext;

/** The interface may take a moment to come up after the first run. */
const STATUS_POLL_MS = 2000;

function useHubStatus(): { status: HubStatus | null; failed: boolean } {
    const [status, setStatus] = useState<HubStatus | null>(null);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
        let alive = true;
        let timer = 0;
        const load = () => {
            api.getHubStatus().then(s => {
                if (!alive) return;
                setStatus(s);
                setFailed(false);
                // Healthy: nothing more to learn; else keep looking until it is.
                if (hubProblems(s).length) timer = window.setTimeout(load, STATUS_POLL_MS);
            }, () => {
                if (!alive) return;
                setFailed(true);
                timer = window.setTimeout(load, STATUS_POLL_MS);
            });
        };
        load();
        return () => {
            alive = false;
            window.clearTimeout(timer);
        };
    }, []);
    return { status, failed };
}

/** Whether WireGuard really runs: said in the result's text when it does, as alerts above it when not. */
const WireGuardState = ({ config, status, failed }: { config: HubConfig; status: HubStatus | null; failed: boolean }) => {
    if (!status) {
        return failed
            ? <p id="setup-result-status-unknown">{_("The hub's WireGuard status could not be read yet")}</p>
            : (
                <p id="setup-result-checking">
                    <Spinner size="md" aria-labelledBy="setup-result-checking-text" />{" "}
                    <span id="setup-result-checking-text">{_("Checking WireGuard…")}</span>
                </p>
            );
    }
    if (hubProblems(status).length) return null;
    return (
        <p id="setup-result-listening">
            {cockpit.format(_("WireGuard listens on UDP port $0 with address $1."), config.listenPort, config.interfaceAddress)}
        </p>
    );
};

export const SetupResult = ({ config }: { config: HubConfig }) => {
    const { status, failed } = useHubStatus();
    const enrollPort = enrollmentPort(config.publicUrl);
    const problems = hubProblems(status);
    return (
        <Card>
            <CardBody>
                {problems.map(p => <HubProblemAlert key={p.kind} problem={p} idPrefix="setup-result" className="pf-v6-u-mb-md" />)}
                <EmptyState id="setup-result" status={problems.length ? "warning" : "success"}
                    icon={problems.length ? ExclamationTriangleIcon : CheckCircleIcon} headingLevel="h2" titleText={_("The hub is set up")}>
                    <EmptyStateBody>
                        <WireGuardState config={config} status={status} failed={failed} />
                        <p id="setup-result-ports" className="pf-v6-u-mt-md">
                            {enrollPort === null
                                ? cockpit.format(_("Spokes must reach this hub on UDP port $0 (WireGuard): open it in the firewall."), config.listenPort)
                                : cockpit.format(_("Spokes must reach this hub on UDP port $0 (WireGuard) and TCP port $1 (enrollment): open both in the firewall."),
                                    config.listenPort, enrollPort)}
                        </p>
                        <FirewallPorts ports={neededPorts(config.listenPort, enrollPort)} idPrefix="setup-result" />
                        <div className="pf-v6-u-mt-md pf-v6-u-text-align-start">
                            <strong>{_("Hub public key")}</strong>
                            <CopyInline id="setup-result-public-key" text={config.publicKey} />
                        </div>
                        <p className="pf-v6-u-mt-md">{_("Next, add a spoke: the dashboard gives you a one-line command to run on it.")}</p>
                    </EmptyStateBody>
                    <EmptyStateFooter>
                        <EmptyStateActions>
                            <Button id="setup-open-dashboard" variant="primary" onClick={() => store.afterInitialize(config)}>
                                {_("Go to the dashboard")}
                            </Button>
                        </EmptyStateActions>
                    </EmptyStateFooter>
                </EmptyState>
            </CardBody>
        </Card>
    );
};
