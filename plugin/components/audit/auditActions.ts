// The audit log's actions in words: one map for the spoke's details and the Audit tab.
import cockpit from "cockpit";

const _ = cockpit.gettext;

const ACTIONS: Record<string, () => string> = {
    "hub.initialized": () => _("Hub set up"),
    "hub.reinitialized": () => _("Hub set up again"),
    "hub.config_changed": () => _("Hub settings changed"),
    "hub.backup_made": () => _("Backup made"),
    "hub.restored": () => _("Restored from a backup"),
    "hub.joined": () => _("Hub joined the network"),
    "hub.took_over": () => _("Took over a stopped hub's spokes"),
    "hub.removed": () => _("Hub removed from the network"),
    "cluster.updated": () => _("Cluster moved"),
    "token.created": () => _("Enrollment token created"),
    "token.created_reenroll": () => _("Re-enrollment token created"),
    "token.created_cluster": () => _("Cluster token created"),
    "token.revoked": () => _("Token revoked"),
    "token.reissued": () => _("Token issued again"),
    "spoke.registered": () => _("Registered"),
    "spoke.reenrolled": () => _("Re-enrolled"),
    "spoke.removed": () => _("Removed"),
    "spoke.enabled": () => _("Enabled"),
    "spoke.disabled": () => _("Disabled"),
    "spoke.updated": () => _("Settings changed"),
    "spoke.rotate_key_requested": () => _("New key asked"),
    "spoke.uninstall_requested": () => _("Uninstall asked"),
    "spoke.key_rotated": () => _("Key rotated by its agent"),
};

/** The action in the admin's words, or null for one this page does not know (shown as its code). */
export function auditActionText(action: string): string | null {
    return ACTIONS[action]?.() ?? null;
}
