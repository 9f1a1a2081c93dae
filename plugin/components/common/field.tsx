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
    placeholder?: string;
    isRequired?: boolean;
    type?: "text" | "number" | "password";
    isDisabled?: boolean;
}

export const Field = ({ id, label, value, onChange, error, showError = true, helper, placeholder, isRequired, type = "text", isDisabled }: FieldProps) => {
    const visibleError = showError ? error : null;
    return (
        <FormGroup label={label} fieldId={id} isRequired={isRequired}>
            <TextInput id={id} value={value} type={type} placeholder={placeholder} isDisabled={isDisabled}
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
