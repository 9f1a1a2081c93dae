// What a screen reader says before an alert's title; PatternFly's default is English.
import cockpit from "cockpit";

const _ = cockpit.gettext;

export type AlertVariant = "success" | "danger" | "warning" | "info" | "custom";

export function variantLabel(variant: AlertVariant): string {
    switch (variant) {
    case "success": return _("Success:");
    case "danger": return _("Error:");
    case "warning": return _("Warning:");
    case "info": return _("Information:");
    case "custom": return _("Note:");
    }
}
