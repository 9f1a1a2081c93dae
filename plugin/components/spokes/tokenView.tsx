// A new token, shown once: one install command per platform, then the spoke followed live
// from "waiting" to "registered" to its first handshake.
import React, { useEffect, useState } from "react";
import {
    Alert, ProgressStep, ProgressStepper, Tab, Tabs, TabTitleText, Content,
} from "@patternfly/react-core";
import { variantLabel } from "../common/alertLabels";
import cockpit from "cockpit";
import * as api from "../../api";
import { store, useStore } from "../../store";
import { PLATFORMS, type CreatedToken, type Platform, type Spoke } from "../../types";
import { CopyBlock } from "../common/copyText";
import { formatDateTime, timeUntil } from "../../util/format";
import { handshakeMillis, spokeAddress } from "../../util/spokeState";

const _ = cockpit.gettext;

export const PLATFORM_NAMES: Record<Platform, string> = {
    linux: "Linux",
    proxmox: "Proxmox VE",
    macos: "macOS",
    windows: "Windows",
};

const PLATFORM_HINTS: Record<Platform, () => string> = {
    linux: () => _("Run as root on the spoke (Debian, Ubuntu, RHEL, Fedora, Arch, openSUSE…)."),
    proxmox: () => _("Run as root on the Proxmox VE node. To enroll every node of a cluster with one command, use \"Add Proxmox VE cluster\" instead."),
    macos: () => _("Run in Terminal on the Mac; it asks for your password to install WireGuard."),
    windows: () => _("Run in PowerShell opened as Administrator."),
};

export type FollowStage = "waiting" | "registered" | "handshake";

export function followStage(spoke: Spoke | undefined, token: Pick<CreatedToken, "purpose" | "createdAt">): FollowStage {
    // The list holds registered spokes only; a re-enrolled one is there all along and counts
    // once it registered again (both times are the hub's clock).
    if (!spoke || !spoke.publicKey) return "waiting";
    const registeredAt = Date.parse(spoke.registeredAt ?? "") || 0;
    const createdAt = Date.parse(token.createdAt) || 0;
    if (token.purpose === "reenroll" && registeredAt < createdAt) return "waiting";
    return handshakeMillis(spoke) > Math.max(createdAt - 60_000, registeredAt) - 60_000 ? "handshake" : "registered";
}

/** While a dialog follows a spoke, the list is refreshed more often than the page's own loop. */
export function useFastRefresh(ms: number) {
    useEffect(() => {
        const timer = window.setInterval(() => void store.refresh(), ms);
        return () => window.clearInterval(timer);
    }, [ms]);
}

/** The install tab a spoke's own system wants (its OS as it registered, Proxmox VE first). */
export function platformOf(spoke: Pick<Spoke, "os" | "isProxmox">): Platform {
    if (spoke.isProxmox) return "proxmox";
    const os = (spoke.os ?? "").toLowerCase();
    return (PLATFORMS as readonly string[]).includes(os) ? os as Platform : "linux";
}

/** The spoke with this id as the hub has it now, asked for again at each refresh (undefined: none yet). */
function useSpoke(id: string | null): Spoke | undefined {
    const { updatedAt } = useStore();
    const [spoke, setSpoke] = useState<Spoke>();
    useEffect(() => {
        if (!id) return;
        let alive = true;
        // A failure keeps what was shown: the page's own refresh shows the hub's trouble.
        api.getSpoke(id).then(s => alive && setSpoke(s ?? undefined), () => undefined);
        return () => {
            alive = false;
        };
    }, [id, updatedAt]);
    return spoke;
}

export interface TokenViewProps {
    token: CreatedToken;
    /** The install tab shown first. */
    initialPlatform?: Platform;
    /** Called once a command was copied (button or selection). */
    onCopied?: () => void;
    /** Called as the spoke moves from waiting to registered to its first handshake. */
    onStage?: (stage: FollowStage) => void;
}

export const TokenView = ({ token, initialPlatform = "linux", onCopied, onStage }: TokenViewProps) => {
    const [platform, setPlatform] = useState<Platform>(initialPlatform);
    useFastRefresh(2000);
    const spoke = useSpoke(token.spokeId);
    const stage = followStage(spoke, token);
    useEffect(() => onStage?.(stage), [stage, onStage]);
    type StepVariant = "success" | "info" | "pending";
    const variants: Record<FollowStage, StepVariant> = {
        waiting: stage === "waiting" ? "info" : "success",
        registered: stage === "waiting" ? "pending" : "success",
        handshake: stage === "handshake" ? "success" : stage === "registered" ? "info" : "pending",
    };
    const variant = (s: FollowStage) => variants[s];

    return (
        <>
            <Alert id="token-once" isInline variant="warning" variantLabel={variantLabel("warning")}
                title={_("Copy the command now: the token inside it will not be shown again.")}>
                {cockpit.format(_("It works once and expires $0 ($1)."), timeUntil(token.expiresAt), formatDateTime(token.expiresAt))}
            </Alert>
            <Tabs id="install-tabs" className="pf-v6-u-mt-md" activeKey={platform} data-platform={platform} onSelect={(_e, k) => setPlatform(k as Platform)}>
                {PLATFORMS.map(p => (
                    <Tab key={p} eventKey={p} id={`install-panel-${p}`} title={<TabTitleText id={`install-tab-${p}`}>{PLATFORM_NAMES[p]}</TabTitleText>}>
                        <div className="pf-v6-u-pt-md" onCopy={onCopied}>
                            <Content component="p">{PLATFORM_HINTS[p]()}</Content>
                            {token.installCommands[p]
                                ? <CopyBlock id={`install-command-${p}`} text={token.installCommands[p]!} onCopied={onCopied} />
                                : <Content component="p">{_("No command for this platform.")}</Content>}
                        </div>
                    </Tab>
                ))}
            </Tabs>
            <Content component="h3" className="pf-v6-u-mt-lg">{_("Progress")}</Content>
            <ProgressStepper id="token-follow" aria-label={_("Enrollment progress")} data-stage={stage}>
                <ProgressStep id="follow-waiting" titleId="follow-waiting-title" variant={variant("waiting")}
                    isCurrent={stage === "waiting"}
                    description={stage === "waiting" ? _("Run the command on the spoke.") : undefined}>
                    {_("Waiting for the spoke")}
                </ProgressStep>
                <ProgressStep id="follow-registered" titleId="follow-registered-title" variant={variant("registered")}
                    isCurrent={stage === "registered"}
                    description={spoke && stage !== "waiting" ? cockpit.format(_("Address $0"), spokeAddress(spoke)) : undefined}>
                    {_("Registered")}
                </ProgressStep>
                <ProgressStep id="follow-handshake" titleId="follow-handshake-title" variant={variant("handshake")}
                    isCurrent={stage === "handshake"}
                    description={stage === "registered" ? _("Waiting for the tunnel's first handshake.") : undefined}>
                    {_("First handshake")}
                </ProgressStep>
            </ProgressStepper>
        </>
    );
};
