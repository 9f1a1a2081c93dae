// Failed (and finished) user actions, as dismissable toasts. The refresh loop never posts here.
import React, { useReducer } from "react";
import { Alert, AlertActionCloseButton, AlertGroup } from "@patternfly/react-core";
import cockpit from "cockpit";
import { variantLabel } from "./alertLabels";
import { EventEmitter, useOn } from "../../store";

const _ = cockpit.gettext;

interface Toast {
    key: number;
    variant: "danger" | "success" | "info" | "warning";
    title: string;
    detail?: string;
}

const MAX_TOASTS = 4;
const toasts = new EventEmitter();
let shown: Toast[] = [];
let nextKey = 1;

function publish(list: Toast[]): void {
    shown = list;
    toasts.emit("changed");
}

export function notify(variant: Toast["variant"], title: string, detail?: string): void {
    // The same message twice in a row is one toast, so a repeated failure cannot pile up.
    const rest = shown.filter(t => !(t.title === title && t.detail === detail));
    publish([...rest, { key: nextKey++, variant, title, detail }].slice(-MAX_TOASTS));
}

export function notifyError(title: string, err: { message: string; hint?: string }): void {
    notify("danger", title, err.hint ? `${err.message} ${err.hint}` : err.message);
}

function dismiss(key: number): void {
    publish(shown.filter(t => t.key !== key));
}

export const Toasts = () => {
    const [, bump] = useReducer((n: number) => n + 1, 0);
    useOn(toasts, "changed", bump);
    return (
        <AlertGroup isToast isLiveRegion id="toasts">
            {shown.map(t => (
                <Alert
                    key={t.key}
                    variant={t.variant}
                    variantLabel={variantLabel(t.variant)}
                    title={t.title}
                    timeout={t.variant === "danger" ? false : 6000}
                    onTimeout={() => dismiss(t.key)}
                    actionClose={<AlertActionCloseButton aria-label={cockpit.format(_("Close: $0"), t.title)} onClose={() => dismiss(t.key)} />}
                    className="wgh-toast"
                >
                    {t.detail}
                </Alert>
            ))}
        </AlertGroup>
    );
};
