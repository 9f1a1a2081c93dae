// How a spoke is shown, searched and sorted: the same words for the page and for the service,
// which searches and sorts the list for it (GET /api/spoke/list with `limit`). Pure: the page
// bundles it.

export const OS_NAMES: Record<string, string> = {
    linux: "Linux",
    proxmox: "Proxmox VE",
    macos: "macOS",
    windows: "Windows",
};

/** The system as the page names it; a Proxmox VE node is one whatever its OS says. */
export function osName(os: string | null | undefined, isProxmox?: boolean): string {
    if (isProxmox) return OS_NAMES.proxmox;
    if (!os) return "—";
    return OS_NAMES[os.toLowerCase()] ?? os;
}

export const displayStates = ["online", "registered", "offline", "disabled"] as const;
export type DisplayState = typeof displayStates[number];

/** A spoke that registered but never made a handshake is shown as registered. */
export function displayStateOf(status: "online" | "offline" | "pending" | "disabled"): DisplayState {
    return status === "pending" ? "registered" : status;
}

export const spokeSortKeys = ["name", "hub", "address", "os", "state", "handshake", "endpoint", "rx", "tx"] as const;
export type SpokeSortKey = typeof spokeSortKeys[number];
