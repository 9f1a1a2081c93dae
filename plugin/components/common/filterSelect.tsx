// A single-choice filter: a menu toggle showing the choice, "All" first.
import React, { useState } from "react";
import { MenuToggle, Select, SelectList, SelectOption } from "@patternfly/react-core";

export interface FilterOption {
    value: string;
    label: string;
}

export const FilterSelect = ({ id, allLabel, options, value, onChange }: {
    id: string;
    allLabel: string;
    options: FilterOption[];
    value: string;
    onChange: (value: string) => void;
}) => {
    const [open, setOpen] = useState(false);
    const current = options.find(o => o.value === value)?.label ?? allLabel;
    return (
        <Select
            id={`${id}-menu`}
            isOpen={open}
            selected={value}
            onSelect={(_e, v) => {
                onChange(String(v ?? ""));
                setOpen(false);
            }}
            onOpenChange={setOpen}
            toggle={ref => (
                <MenuToggle id={id} ref={ref} onClick={() => setOpen(o => !o)} isExpanded={open}>
                    {current}
                </MenuToggle>
            )}
        >
            <SelectList>
                <SelectOption id={`${id}-all`} value="">{allLabel}</SelectOption>
                {options.map(o => (
                    <SelectOption key={o.value} id={`${id}-${o.value.replace(/[^a-zA-Z0-9_-]/g, "_")}`} value={o.value}>
                        {o.label}
                    </SelectOption>
                ))}
            </SelectList>
        </Select>
    );
};
