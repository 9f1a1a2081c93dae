// How long a new token stays valid: the same choices for a spoke and for a cluster.
import React from "react";
import { FormGroup, FormSelect, FormSelectOption } from "@patternfly/react-core";
import cockpit from "cockpit";

const _ = cockpit.gettext;

const CHOICES = [
    { value: "1h", label: () => _("1 hour") },
    { value: "24h", label: () => _("24 hours") },
    { value: "72h", label: () => _("3 days") },
    { value: "7d", label: () => _("7 days") },
];

export const DEFAULT_TOKEN_LIFETIME = "24h";

export const TokenLifetimeField = ({ id, value, onChange }: { id: string; value: string; onChange: (value: string) => void }) => (
    <FormGroup label={_("Token valid for")} fieldId={id}>
        <FormSelect id={id} value={value} onChange={(_e, v) => onChange(v)}>
            {CHOICES.map(c => <FormSelectOption key={c.value} value={c.value} label={c.label()} />)}
        </FormSelect>
    </FormGroup>
);
