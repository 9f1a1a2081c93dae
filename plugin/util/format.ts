// Human units for sizes, rates and times, every word through gettext.
import cockpit from "cockpit";

const _ = cockpit.gettext;

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

export function formatBytes(bytes: number | null | undefined): string {
    if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return "—";
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
        value /= 1024;
        unit += 1;
    }
    const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
    return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number): string {
    return cockpit.format(_("$0/s"), formatBytes(bytesPerSecond));
}

function toMillis(when: string | number | Date): number {
    return when instanceof Date ? when.getTime() : typeof when === "number" ? when : Date.parse(when);
}

/** "just now", "2 min ago", "3 h ago", "5 days ago"; "never" for no time. */
export function timeAgo(when: string | number | null | undefined, now = Date.now()): string {
    if (when === null || when === undefined || when === "" || when === 0) return _("never");
    const at = toMillis(when);
    if (!Number.isFinite(at)) return _("never");
    const seconds = Math.max(0, Math.round((now - at) / 1000));
    if (seconds < 10) return _("just now");
    if (seconds < 60) return cockpit.format(_("$0 s ago"), seconds);
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return cockpit.format(_("$0 min ago"), minutes);
    const hours = Math.round(minutes / 60);
    if (hours < 48) return cockpit.format(_("$0 h ago"), hours);
    return cockpit.format(_("$0 days ago"), Math.round(hours / 24));
}

/** "in 23 h", "expired" — for token expiry. */
export function timeUntil(when: string | number | null | undefined, now = Date.now()): string {
    if (!when) return "—";
    const at = toMillis(when);
    const seconds = Math.round((at - now) / 1000);
    if (seconds <= 0) return _("expired");
    if (seconds < 3600) return cockpit.format(_("in $0 min"), Math.max(1, Math.round(seconds / 60)));
    if (seconds < 48 * 3600) return cockpit.format(_("in $0 h"), Math.round(seconds / 3600));
    return cockpit.format(_("in $0 days"), Math.round(seconds / 86400));
}

export function formatDateTime(when: string | number | null | undefined): string {
    if (!when) return "—";
    const at = new Date(toMillis(when));
    return Number.isNaN(at.getTime()) ? "—" : at.toLocaleString(cockpit.language);
}

export function formatClock(when: number): string {
    return new Date(when).toLocaleTimeString(cockpit.language, { hour: "2-digit", minute: "2-digit" });
}
