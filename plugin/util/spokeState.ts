// What the page shows as a spoke's state, derived from the service's status and the last handshake.
import cockpit from "cockpit";
import type { Spoke } from "../types";

const _ = cockpit.gettext;

export type DisplayState = "online" | "registered" | "offline" | "pending" | "disabled";
export const DISPLAY_STATES: DisplayState[] = ["online", "registered", "offline", "pending", "disabled"];

/** WireGuard re-handshakes at least every two minutes on a live session. */
export const ONLINE_WINDOW_MS = 3 * 60 * 1000;

export function handshakeMillis(spoke: Spoke): number {
    return spoke.lastHandshake ? Date.parse(spoke.lastHandshake) || 0 : 0;
}

export function displayState(spoke: Spoke, now = Date.now()): DisplayState {
    const status = (spoke.status || "").toLowerCase();
    if (status === "disabled") return "disabled";
    if (status === "pending" || (!spoke.publicKey && status !== "active" && status !== "inactive")) return "pending";
    const handshake = handshakeMillis(spoke);
    if (handshake && now - handshake < ONLINE_WINDOW_MS) return "online";
    return handshake ? "offline" : "registered";
}

export const STATE_LABEL: Record<DisplayState, { text: () => string; color: "green" | "teal" | "orange" | "blue" | "grey" }> = {
    online: { text: () => _("Online"), color: "green" },
    registered: { text: () => _("Registered"), color: "teal" },
    offline: { text: () => _("Offline"), color: "orange" },
    pending: { text: () => _("Waiting for registration"), color: "blue" },
    disabled: { text: () => _("Disabled"), color: "grey" },
};

export function spokeAddress(spoke: Spoke): string {
    return spoke.address ?? (spoke.allowedIPs?.[0] ?? "").replace(/\/32$|\/128$/, "");
}

export const OS_NAMES: Record<string, string> = {
    linux: "Linux",
    proxmox: "Proxmox VE",
    macos: "macOS",
    windows: "Windows",
};

export function osName(os: string | null | undefined, isProxmox?: boolean): string {
    if (isProxmox) return OS_NAMES.proxmox;
    if (!os) return "—";
    return OS_NAMES[os.toLowerCase()] ?? os;
}
