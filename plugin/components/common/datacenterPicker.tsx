// A datacenter field: pick an existing datacenter or type a new one ("Use "X""). A typed name
// that matches an existing one in another case is that one.
import React, { useEffect, useRef, useState } from "react";
import {
    Button, FormGroup, FormHelperText, HelperText, HelperTextItem, MenuToggle, Select, SelectList, SelectOption,
    TextInputGroup, TextInputGroupMain, TextInputGroupUtilities,
} from "@patternfly/react-core";
import { TimesIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";
import { matchingDatacenters, resolveDatacenter } from "../../util/datacenters";

const _ = cockpit.gettext;

/** The option that takes the typed text as a new datacenter. */
const CREATE = "\u0000create";

export const DatacenterPicker = ({ id, label, value, onChange, existing, helper, placeholder }: {
    id: string;
    label: string;
    value: string;
    onChange: (value: string) => void;
    existing: string[];
    helper?: string;
    placeholder?: string;
}) => {
    const [open, setOpen] = useState(false);
    const input = useRef<HTMLInputElement>(null);
    const openNow = useRef(open);
    openNow.current = open;
    // Escape closes the open list, not the dialog: the dialog listens on <body> itself, so the
    // key is stopped on the field, natively, before it gets there.
    useEffect(() => {
        const field = input.current;
        if (!field) return;
        const closeList = (event: KeyboardEvent) => {
            if (event.key !== "Escape" || !openNow.current) return;
            event.stopPropagation();
            setOpen(false);
        };
        field.addEventListener("keydown", closeList);
        return () => field.removeEventListener("keydown", closeList);
    }, []);
    const typed = value.trim();
    const options = matchingDatacenters(value, existing);
    const existingMatch = typed ? existing.find(d => d.toLowerCase() === typed.toLowerCase()) : undefined;
    const offerCreate = typed !== "" && !existingMatch;

    const pick = (picked: string) => {
        onChange(picked);
        setOpen(false);
        input.current?.focus();
    };
    const onKeyDown = (event: React.KeyboardEvent) => {
        if (event.key === "Enter" && open) {
            // Enter takes what was typed (an existing spelling when it matches one); the form's Enter comes once the menu is closed.
            event.preventDefault();
            event.stopPropagation();
            pick(resolveDatacenter(value, existing));
        } else if (event.key === "ArrowDown") {
            setOpen(true);
        }
    };

    return (
        <FormGroup label={label} fieldId={id}>
            <Select id={`${id}-menu`} isOpen={open && (options.length > 0 || offerCreate)} selected={existingMatch}
                onSelect={(_e, v) => pick(v === CREATE ? typed : String(v ?? ""))}
                onOpenChange={setOpen}
                toggle={ref => (
                    <MenuToggle ref={ref} variant="typeahead" isFullWidth isExpanded={open} onClick={() => setOpen(!open)}
                        aria-label={_("Show the datacenters")}>
                        <TextInputGroup isPlain>
                            <TextInputGroupMain inputId={id} innerRef={input} value={value} placeholder={placeholder} autoComplete="off" aria-label={label}
                                role="combobox" isExpanded={open} aria-controls={`${id}-options`}
                                onClick={() => setOpen(!open)} onKeyDown={onKeyDown}
                                onChange={(_e, v) => {
                                    onChange(v);
                                    setOpen(true);
                                }}
                                onBlur={() => {
                                    const resolved = resolveDatacenter(value, existing);
                                    if (resolved !== value) onChange(resolved);
                                }} />
                            {value && (
                                <TextInputGroupUtilities>
                                    <Button id={`${id}-clear`} variant="plain" aria-label={_("Clear the datacenter")} icon={<TimesIcon />}
                                        onClick={() => {
                                            onChange("");
                                            input.current?.focus();
                                        }} />
                                </TextInputGroupUtilities>
                            )}
                        </TextInputGroup>
                    </MenuToggle>
                )}>
                <SelectList id={`${id}-options`}>
                    {options.map(d => (
                        <SelectOption key={d} value={d} data-datacenter={d}>{d}</SelectOption>
                    ))}
                    {offerCreate && (
                        <SelectOption id={`${id}-create`} value={CREATE}>{cockpit.format(_("Use \"$0\""), typed)}</SelectOption>
                    )}
                </SelectList>
            </Select>
            {helper && (
                <FormHelperText>
                    <HelperText><HelperTextItem id={`${id}-helper`}>{helper}</HelperTextItem></HelperText>
                </FormHelperText>
            )}
        </FormGroup>
    );
};
