// Whether the hub does its job: WireGuard running, the interface up, the last run applied.
// Each problem is an alert that says what is wrong and what fixes it, where the admin looks.
import React from "react";
import { Alert, CodeBlock, CodeBlockCode, Content } from "@patternfly/react-core";
import cockpit from "cockpit";
import type { HubStatus } from "../../types";
import { variantLabel } from "../common/alertLabels";

const _ = cockpit.gettext;

export type HubProblemKind = "wireguard-off" | "interface-down" | "reconcile-failed";

export interface HubProblem {
    kind: HubProblemKind;
    variant: "warning" | "danger";
    title: string;
    /** What the service itself said, shown as it is. */
    detail: string | null;
    fix: string;
    command: string;
}

const JOURNAL = "journalctl -u wireguard-hub -n 50";

export function hubProblems(status: HubStatus | null): HubProblem[] {
    if (!status) return [];
    const problems: HubProblem[] = [];
    if (status.mode === "off") {
        problems.push({
            kind: "wireguard-off",
            variant: "warning",
            title: _("WireGuard is off: spokes cannot connect to this hub"),
            detail: status.modeReason || null,
            fix: _("The service only writes WireGuard's configuration file. Install WireGuard (the kernel module, or wireguard-go), let the service run as root with WGHUB_WG_MODE=auto in /etc/wireguard-hub/hub.env, then restart it:"),
            command: "systemctl restart wireguard-hub",
        });
    } else if (!status.interfaceUp) {
        problems.push({
            kind: "interface-down",
            variant: "danger",
            title: cockpit.format(_("The interface $0 is down: spokes cannot connect to this hub"), status.interfaceName),
            detail: status.modeReason || null,
            fix: _("Restart the service, which brings the interface up again; if it stays down, its log says why:"),
            command: `systemctl restart wireguard-hub; ${JOURNAL}`,
        });
    }
    const failed = status.lastReconcile?.error || status.lastError;
    if (failed) {
        problems.push({
            kind: "reconcile-failed",
            variant: "danger",
            title: _("The last run could not bring WireGuard in line with the hub's spokes"),
            detail: failed,
            fix: _("Spokes added, changed or removed since may not be applied. The service retries on its next run; its log has the details:"),
            command: JOURNAL,
        });
    }
    return problems;
}

export const HubProblemAlert = ({ problem, idPrefix = "hub-health", className }: { problem: HubProblem; idPrefix?: string; className?: string }) => (
    <Alert id={`${idPrefix}-${problem.kind}`} isInline variant={problem.variant} variantLabel={variantLabel(problem.variant)}
        title={problem.title} className={className} data-problem={problem.kind}>
        {problem.detail && (
            <Content component="p">
                {_("The service reports:")} <code className="wgh-break">{problem.detail}</code>
            </Content>
        )}
        <Content component="p" className="pf-v6-u-mt-sm">{problem.fix}</Content>
        <CodeBlock className="pf-v6-u-mt-sm"><CodeBlockCode>{problem.command}</CodeBlockCode></CodeBlock>
    </Alert>
);

/** Every current problem of the hub, or nothing when it is healthy. */
export const HubHealth = ({ status }: { status: HubStatus | null }) => {
    const problems = hubProblems(status);
    if (problems.length === 0) return null;
    return (
        <div id="hub-health" className="pf-v6-u-mb-md">
            {problems.map((p, i) => (
                <div key={p.kind} className={i ? "pf-v6-u-mt-sm" : undefined}><HubProblemAlert problem={p} /></div>
            ))}
        </div>
    );
};
