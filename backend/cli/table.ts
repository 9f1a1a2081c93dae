// Plain-text tables and value formatting for human output.

export type Cell = string | number | null | undefined;

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: string[], rows: Cell[][]): string {
    const text = [headers, ...rows.map(r => r.map(c => (c === null || c === undefined || c === "" ? "-" : String(c))))];
    const widths = headers.map((_, i) => Math.max(...text.map(r => (r[i] ?? "").length)));
    return text
        .map(r => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd())
        .join("\n");
}

/** "key: value" lines with the keys aligned. */
export function keyValues(pairs: [string, Cell][]): string {
    const width = Math.max(...pairs.map(([k]) => k.length)) + 1;
    return pairs
        .map(([k, v]) => `${(k + ":").padEnd(width)} ${v === null || v === undefined || v === "" ? "-" : v}`)
        .join("\n");
}

/** UUIDs are long; eight characters are unique enough to read and to type back. */
export function shortId(id: unknown): string {
    return typeof id === "string" ? id.slice(0, 8) : String(id ?? "");
}

function parseTime(value: unknown): Date | null {
    if (typeof value !== "string" && typeof value !== "number") return null;
    const d = new Date(value);
    return Number.isNaN(d.getTime()) || d.getTime() === 0 ? null : d;
}

/** "2026-11-28 16:40 UTC" (or with seconds) */
export function when(value: unknown, withSeconds = false): string | null {
    const d = parseTime(value);
    return d ? d.toISOString().replace("T", " ").slice(0, withSeconds ? 19 : 16) + " UTC" : null;
}

/** "3 min ago", "in 23 h", "just now", "never" */
export function relative(value: unknown, now = Date.now()): string {
    const d = parseTime(value);
    if (!d) return "never";
    const seconds = Math.round((d.getTime() - now) / 1000);
    const abs = Math.abs(seconds);
    if (abs < 2) return "just now";
    const amount = abs < 60 ? `${abs} s` : abs < 3600 ? `${Math.floor(abs / 60)} min`
        : abs < 86_400 ? `${Math.floor(abs / 3600)} h` : `${Math.floor(abs / 86_400)} d`;
    return seconds < 0 ? `${amount} ago` : `in ${amount}`;
}

export function bytes(value: unknown): string | null {
    const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : NaN;
    if (!Number.isFinite(n)) return null;
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let v = n;
    let i = 0;
    while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i += 1;
    }
    return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function list(value: unknown): string | null {
    if (Array.isArray(value)) return value.length ? value.join(", ") : null;
    return typeof value === "string" && value ? value : null;
}
