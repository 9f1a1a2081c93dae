// A token is shown once: closing its dialog (Escape, ✕, Done) before the command was copied
// or used asks first, so a stray key press cannot throw the command away.
import React, { useCallback, useState } from "react";
import { Alert, Button } from "@patternfly/react-core";
import cockpit from "cockpit";
import { variantLabel } from "../common/alertLabels";
import type { FollowStage } from "./tokenView";

const _ = cockpit.gettext;

export interface TokenCloseGuard {
    /** Closes at once when the command was copied or the spoke already enrolled; else asks. */
    requestClose: () => void;
    asking: boolean;
    keepOpen: () => void;
    closeAnyway: () => void;
    /** For TokenView: what it reports about the command and the spoke. */
    follow: { onCopied: () => void; onStage: (stage: FollowStage) => void };
}

export function useTokenCloseGuard(onClose: () => void, active = true): TokenCloseGuard {
    const [copied, setCopied] = useState(false);
    const [enrolled, setEnrolled] = useState(false);
    const [asking, setAsking] = useState(false);
    const requestClose = () => {
        if (!active || copied || enrolled) onClose();
        else setAsking(true);
    };
    const onCopied = useCallback(() => setCopied(true), []);
    const onStage = useCallback((stage: FollowStage) => setEnrolled(stage !== "waiting"), []);
    return { requestClose, asking, keepOpen: () => setAsking(false), closeAnyway: onClose, follow: { onCopied, onStage } };
}

/** Shown at the top of the dialog's body while the guard asks. */
export const TokenCloseQuestion = () => (
    <Alert id="token-close-confirm" isInline variant="warning" variantLabel={variantLabel("warning")} className="pf-v6-u-mb-md"
        title={_("Close without copying the command?")}>
        {_("The token inside it is shown only once. Once this dialog is closed, the spoke needs a new command.")}
    </Alert>
);

/** The footer's buttons while the guard asks. */
export const TokenCloseButtons = ({ guard }: { guard: TokenCloseGuard }) => (
    <>
        <Button id="token-close-keep" variant="primary" onClick={guard.keepOpen} autoFocus>{_("Back to the command")}</Button>
        <Button id="token-close-anyway" variant="secondary" isDanger onClick={guard.closeAnyway}>{_("Close without copying")}</Button>
    </>
);

/**
 * The footer of a dialog that makes a token: Create and Cancel, then Done once the token is
 * shown, and the guard's question when closing would lose an uncopied command.
 */
export const TokenDialogFooter = ({ idPrefix, guard, made, busy, isDisabled, onCreate, onCancel }: {
    idPrefix: string;
    guard: TokenCloseGuard;
    made: boolean;
    busy: boolean;
    isDisabled: boolean;
    onCreate: () => void;
    onCancel: () => void;
}) => {
    if (guard.asking) return <TokenCloseButtons guard={guard} />;
    if (made) return <Button id={`${idPrefix}-done`} variant="primary" onClick={guard.requestClose}>{_("Done")}</Button>;
    return (
        <>
            <Button id={`${idPrefix}-create`} variant="primary" onClick={onCreate} isLoading={busy} isDisabled={busy || isDisabled}>
                {_("Create token")}
            </Button>
            <Button id={`${idPrefix}-cancel`} variant="link" onClick={onCancel}>{_("Cancel")}</Button>
        </>
    );
};
