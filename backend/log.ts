// One-line logs to stderr (journald adds the time). Tokens never reach here: callers pass
// token ids or prefixes, and redact() masks anything that looks like one in free text.

export type LogLevel = "error" | "warn" | "info" | "debug";
const order: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
    error(msg: string, fields?: Record<string, unknown>): void;
    warn(msg: string, fields?: Record<string, unknown>): void;
    info(msg: string, fields?: Record<string, unknown>): void;
    debug(msg: string, fields?: Record<string, unknown>): void;
}

// 43 base64url characters = 256 bits: the shape of an installation token. A "/" around it
// does not stop the match (tokens sit in URL paths); a WireGuard key is safe anyway: it is
// 44 characters ending in "=", so no 43-character run in it is followed by anything but "=".
const tokenLike = /(?<![A-Za-z0-9_+-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_+=-])/g;

export function redact(text: string): string {
    return text.replace(tokenLike, m => `${m.slice(0, 6)}…[redacted]`);
}

function formatFields(fields?: Record<string, unknown>): string {
    if (!fields) return "";
    return Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => ` ${k}=${typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v ?? null)}`)
        .join("");
}

export function createLogger(level: LogLevel, write: (line: string) => void = l => process.stderr.write(l + "\n")): Logger {
    const emit = (at: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
        if (order[at] > order[level]) return;
        write(redact(`${at}: ${msg}${formatFields(fields)}`));
    };
    return { error: emit("error"), warn: emit("warn"), info: emit("info"), debug: emit("debug") };
}
