// A value with a copy button. navigator.clipboard exists only in secure contexts; Cockpit is
// often reached over plain HTTP on a LAN, so a selection-based copy is the fallback.
import React, { useState } from "react";
import { Button, CodeBlock, CodeBlockCode, Flex, FlexItem, Tooltip } from "@patternfly/react-core";
import { CopyIcon } from "@patternfly/react-icons";
import cockpit from "cockpit";

const _ = cockpit.gettext;

export async function copyToClipboard(text: string): Promise<void> {
    if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return;
    }
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try {
        if (!document.execCommand("copy")) throw new Error(_("The browser refused to copy."));
    } finally {
        area.remove();
    }
}

export const CopyButton = ({ id, text, label, onCopied }: { id: string; text: string; label?: string; onCopied?: () => void }) => {
    const [copied, setCopied] = useState<boolean | null>(null);
    const copy = () => {
        copyToClipboard(text).then(() => {
            setCopied(true);
            onCopied?.();
        }, () => setCopied(false));
    };
    const tip = copied === null ? _("Copy to clipboard") : copied ? _("Copied") : _("Copy failed: select the text and copy it");
    return (
        <Tooltip content={tip} onTooltipHidden={() => setCopied(null)}>
            <Button id={id} variant="plain" aria-label={label ?? _("Copy to clipboard")} icon={<CopyIcon />}
                onClick={copy} data-copied={copied ? "true" : undefined} />
        </Tooltip>
    );
};

/** A command or key in a code block, with its copy button. */
export const CopyBlock = ({ id, text, onCopied }: { id: string; text: string; onCopied?: () => void }) => (
    <CodeBlock actions={<CopyButton id={`${id}-copy`} text={text} onCopied={onCopied} />}>
        <CodeBlockCode id={id}>{text}</CodeBlockCode>
    </CodeBlock>
);

/** A short value inline (a public key) with its copy button. */
export const CopyInline = ({ id, text }: { id: string; text: string }) => (
    <Flex spaceItems={{ default: "spaceItemsXs" }} alignItems={{ default: "alignItemsCenter" }} flexWrap={{ default: "nowrap" }}>
        <FlexItem><code id={id} className="wgh-break">{text}</code></FlexItem>
        <FlexItem><CopyButton id={`${id}-copy`} text={text} /></FlexItem>
    </Flex>
);
