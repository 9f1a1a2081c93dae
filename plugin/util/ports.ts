// The ports a spoke must reach: WireGuard's UDP port and the enrollment listener's TCP port
// (the port of the hub's public URL, which the install command fetches its script from).

export function enrollmentPort(publicUrl: string | null | undefined): number | null {
    if (!publicUrl) return null;
    try {
        const url = new URL(publicUrl);
        if (url.port) return Number(url.port);
        return url.protocol === "https:" ? 443 : url.protocol === "http:" ? 80 : null;
    } catch {
        return null;
    }
}
