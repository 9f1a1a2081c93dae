// A failed dialog action, shown inside the dialog: what went wrong, then what to do.
import React from "react";
import { Alert } from "@patternfly/react-core";
import { variantLabel } from "./alertLabels";

export const InlineError = ({ id, title, error, className = "pf-v6-u-mt-md" }: {
    id: string;
    title: string;
    error: { message: string; hint: string };
    className?: string;
}) => (
    <Alert id={id} isInline variant="danger" variantLabel={variantLabel("danger")} className={className} title={title}>
        {error.message} {error.hint}
    </Alert>
);
