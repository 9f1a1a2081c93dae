// What the page shows as a spoke's state: the service's own verdict when it gives one,
// else worked out from the last handshake the same way.
import cockpit from "cockpit";
import type { Spoke } from "../types";

const _ = cockpit.gettext;

import { displayStates, type DisplayState } from "../../backend/contract/spokeDisplay";

export { OS_NAMES, osName, type DisplayState } from "../../backend/contract/spokeDisplay";
export const DISPLAY_STATES: readonly DisplayState[] = displayStates;

/** WireGuard re-handshakes at least every two minutes on a live session. */
export const ONLINE_WINDOW_MS = 3 * 60 * 1000;

export function handshakeMillis(spoke: { lastHandshake?: string | null }): number {
    return spoke.lastHandshake ? Date.parse(spoke.lastHandshake) || 0 : 0;
}

export function displayState(spoke: Spoke, now = Date.now()): DisplayState {
    if (spoke.enabled === false || spoke.status === "disabled") return "disabled";
    if (spoke.status === "online") return "online";
    if (spoke.status === "offline") return "offline";
    if (spoke.status === "pending") return "registered";
    const handshake = handshakeMillis(spoke);
    if (!handshake) return "registered";
    return now - handshake <= ONLINE_WINDOW_MS ? "online" : "offline";
}

export const STATE_LABEL: Record<DisplayState, { text: () => string; color: "green" | "teal" | "orange" | "grey" }> = {
    online: { text: () => _("Online"), color: "green" },
    registered: { text: () => _("Registered"), color: "teal" },
    offline: { text: () => _("Offline"), color: "orange" },
    disabled: { text: () => _("Disabled"), color: "grey" },
};

export function spokeAddress(spoke: Spoke): string {
    return spoke.address ?? (spoke.allowedIPs?.[0] ?? "").replace(/\/32$|\/128$/, "");
}

