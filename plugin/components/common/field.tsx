// A form text field with its inline validation message.
import React from "react";
import { FormGroup, FormHelperText, HelperText, HelperTextItem, TextInput } from "@patternfly/react-core";
import cockpit from "cockpit";

const _ = cockpit.gettext;

export interface FieldProps {
    id: string;
    label: string;
    value: string;
    onChange: (value: string) => void;
    error?: string | null;
    /** Show the error only once the user has typed or tried to go on. */
    showError?: boolean;
    helper?: string;
    /** A sample value, shown greyed as "e.g. …" so it never reads as a value already filled in. */
    example?: string;
    isRequired?: boolean;
    type?: "text" | "number" | "password";
    isDisabled?: boolean;
    /** Focus this field when it appears (the first field of a form or a wizard step). */
    autoFocus?: boolean;
}

export const Field = ({ id, label, value, onChange, error, showError = true, helper, example, isRequired, type = "text", isDisabled, autoFocus }: FieldProps) => {
    const visibleError = showError ? error : null;
    return (
        <FormGroup label={label} fieldId={id} isRequired={isRequired}>
            <TextInput id={id} value={value} type={type} placeholder={example && cockpit.format(_("e.g. $0"), example)} isDisabled={isDisabled} autoFocus={autoFocus}
                validated={visibleError ? "error" : "default"} onChange={(_e, v) => onChange(v)} />
            {(visibleError || helper) && (
                <FormHelperText>
                    <HelperText>
                        <HelperTextItem id={`${id}-helper`} variant={visibleError ? "error" : "default"}
                            screenReaderText={visibleError ? _("Error:") : undefined}>
                            {visibleError || helper}
                        </HelperTextItem>
                    </HelperText>
                </FormHelperText>
            )}
        </FormGroup>
    );
};
