// What the page can read of a backup file before sending it: its header line (format, when,
// counts, whether it is encrypted). The service checks everything again.
export interface BackupSummary {
    createdAt: string;
    hubVersion: string;
    spokes: number;
    encrypted: boolean;
}

export function readBackupSummary(text: string): BackupSummary | null {
    const lines = text.split("\n", 2);
    if (lines[0] !== "WIREGUARD-HUB-BACKUP" || lines.length < 2) return null;
    try {
        const header = JSON.parse(lines[1]) as { createdAt?: unknown; hubVersion?: unknown; counts?: Record<string, unknown>; sealed?: unknown };
        return {
            createdAt: typeof header.createdAt === "string" ? header.createdAt : "",
            hubVersion: typeof header.hubVersion === "string" ? header.hubVersion : "",
            spokes: typeof header.counts?.spokes === "number" ? header.counts.spokes : 0,
            encrypted: header.sealed !== null && header.sealed !== undefined,
        };
    } catch {
        return null;
    }
}
