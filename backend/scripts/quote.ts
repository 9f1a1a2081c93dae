// The one quoting function per script language. Every value that a template puts into a
// script goes through here; templates never see an unquoted value (see render.ts).

import { HubError } from "../errors";

export class UnquotableValue extends HubError {
    constructor(what: string) {
        // The values come from the hub's settings and its tokens, all checked when they were
        // stored: one that cannot be quoted is the hub's fault, not the spoke's.
        super("SCRIPT_UNRENDERABLE", `The hub cannot put ${what} into an install script`,
            "Tell the hub's admin: correct the hub's settings (endpoints, DNS, networks) in the WireGuard Hub page or with wireguard-hub, then make a new token.");
        this.name = "UnquotableValue";
    }
}

function refuseNul(value: string): void {
    // No shell or PowerShell string can carry NUL: bash would cut the value short.
    if (value.includes("\0")) throw new UnquotableValue("a value holding a NUL byte");
}

/**
 * POSIX shell single quotes: nothing inside is expanded. A single quote ends the string,
 * adds an escaped quote and reopens it ('\'').
 */
export function shQuote(value: string): string {
    refuseNul(value);
    return "'" + value.replace(/'/g, "'\\''") + "'";
}

/** A bash array's elements, each quoted, separated by spaces: `NAMES=(${shWords(list)})`. */
export function shWords(values: readonly string[]): string {
    return values.map(shQuote).join(" ");
}

// PowerShell ends a single-quoted string at any of these, not only at the ASCII quote.
const psSingleQuotes = /['\u2018\u2019\u201A\u201B]/g;

/**
 * PowerShell single quotes: no expansion inside; a quote is escaped by doubling it, and
 * PowerShell counts the Unicode single-quote marks as quotes too.
 */
export function psQuote(value: string): string {
    refuseNul(value);
    return "'" + value.replace(psSingleQuotes, q => q + q) + "'";
}

/** A PowerShell array literal's elements: `@(${psList(list)})`. */
export function psList(values: readonly string[]): string {
    return values.map(psQuote).join(", ");
}

/**
 * A value that a script writes as one line of a WireGuard config file. wg-quick runs the
 * PostUp/PreUp lines of that file, so a line break inside a value would let it add a command.
 */
export function confSafe(value: string, what: string): string {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(value)) throw new UnquotableValue(`${what} with a control character (line break, tab…)`);
    return value;
}

/** A name usable in a download's file name: anything else becomes '-'. */
export function fileNameSafe(value: string): string {
    const safe = value.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "").slice(0, 64);
    return safe || "spoke";
}
