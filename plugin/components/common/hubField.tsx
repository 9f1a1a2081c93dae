// Which hub a new spoke goes to, among hubs sharing one PostgreSQL database: this hub unless
// the admin picks another. Shown only when there is another to pick.
import React from "react";
import { FormGroup, FormHelperText, FormSelect, FormSelectOption, HelperText, HelperTextItem } from "@patternfly/react-core";
import cockpit from "cockpit";
import type { HubMember } from "../../types";

const _ = cockpit.gettext;

export const HubField = ({ id, hubs, value, onChange }: { id: string; hubs: HubMember[]; value: string; onChange: (name: string) => void }) => (
    <FormGroup label={_("Hub")} fieldId={id}>
        <FormSelect id={id} value={value} onChange={(_e, v) => onChange(v)}>
            {hubs.map(h => (
                <FormSelectOption key={h.name} value={h.name}
                    label={h.self ? cockpit.format(_("$0 (this hub)"), h.name) : h.healthy ? h.name : cockpit.format(_("$0 (down)"), h.name)} />
            ))}
        </FormSelect>
        <FormHelperText>
            <HelperText>
                <HelperTextItem id={`${id}-helper`}>{_("The hub the spoke connects to; the others stand by for it.")}</HelperTextItem>
            </HelperText>
        </FormHelperText>
    </FormGroup>
);
