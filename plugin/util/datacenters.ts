// Datacenters are labels the admin types; the same place spelled "paris" and "Paris" would split
// the Proxmox tree, so a typed name takes the spelling of an existing one that matches it.

/** The datacenters in use, each spelling once, sorted. */
export function knownDatacenters(names: (string | null | undefined)[]): string[] {
    const byKey = new Map<string, string>();
    for (const name of names) {
        const trimmed = name?.trim();
        if (trimmed && !byKey.has(trimmed.toLowerCase())) byKey.set(trimmed.toLowerCase(), trimmed);
    }
    return [...byKey.values()].sort((a, b) => a.localeCompare(b));
}

/** The existing datacenter the typed name means (case-insensitively), else the typed name itself. */
export function resolveDatacenter(typed: string, existing: string[]): string {
    const trimmed = typed.trim();
    return existing.find(d => d.toLowerCase() === trimmed.toLowerCase()) ?? trimmed;
}

/** The existing datacenters that contain the typed text, whatever its case. */
export function matchingDatacenters(typed: string, existing: string[]): string[] {
    const needle = typed.trim().toLowerCase();
    return needle ? existing.filter(d => d.toLowerCase().includes(needle)) : existing;
}
