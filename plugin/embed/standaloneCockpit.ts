// What the components use of cockpit.js, for a page outside Cockpit: the library build
// resolves `import cockpit from "cockpit"` to this module. Strings stay as written (English),
// the page's location lives in memory (the host app owns the URL), and administrative
// access is the host's business (its authorize hook), so it is always allowed here.
import type { Cockpit, CockpitPromise, DBusClient, FileHandle, HttpClient, Location, Permission, UserInfo } from "cockpit";

type Listener = () => void;
const locationListeners = new Set<Listener>();
let place: { path: string[]; options: Record<string, string> } = { path: [], options: {} };

function split(path: string | string[]): string[] {
    return (Array.isArray(path) ? path : path.split("/")).filter(Boolean);
}

function go(path: string | string[], options: Record<string, string> = {}): void {
    place = { path: split(path), options: { ...options } };
    for (const listener of [...locationListeners]) listener();
}

function resolved<T>(value: T): CockpitPromise<T> {
    return Promise.resolve(value) as unknown as CockpitPromise<T>;
}

function outsideCockpit(what: string): never {
    throw new Error(`${what} needs Cockpit; outside it the hub is reached through HubProvider's transport`);
}

const permission: Permission = {
    allowed: true,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    close: () => undefined,
};

const cockpit: Cockpit = {
    gettext(contextOrMessage: string, message?: string): string {
        return message ?? contextOrMessage;
    },
    ngettext: (singular, plural, n) => (n === 1 ? singular : plural),
    format(template: string, ...args: (string | number)[]): string {
        return template.replace(/\$\{([^}]+)\}|\$([a-zA-Z0-9_]+)/g, (match, braced?: string, plain?: string) => {
            const value = args[Number(braced ?? plain)];
            return value === undefined ? match : String(value);
        });
    },
    message(error: unknown): string {
        if (typeof error === "string") return error;
        const e = error as { message?: unknown; problem?: unknown } | null;
        return typeof e?.message === "string" && e.message ? e.message : typeof e?.problem === "string" ? e.problem : String(error);
    },
    http: (): HttpClient => outsideCockpit("cockpit.http"),
    // No programs run outside Cockpit: a caller sees what it sees for a program not installed.
    spawn: (): CockpitPromise<string> => Promise.reject({ problem: "not-found" }) as unknown as CockpitPromise<string>,
    file: (): FileHandle => ({ read: () => resolved(null), close: () => undefined }),
    user: (): CockpitPromise<UserInfo> => resolved({ name: "" }),
    permission: () => permission,
    dbus: (): DBusClient => outsideCockpit("cockpit.dbus"),
    jump: () => undefined,
    get location(): Location {
        return { path: [...place.path], options: { ...place.options }, go, replace: go };
    },
    addEventListener: (_event, listener) => void locationListeners.add(listener),
    removeEventListener: (_event, listener) => void locationListeners.delete(listener),
    transport: {},
    get language() {
        return typeof navigator === "undefined" ? "en" : navigator.language || "en";
    },
};

export default cockpit;
