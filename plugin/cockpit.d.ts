// The part of Cockpit's base1/cockpit.js this page uses, typed after its runtime behaviour
// (cockpit 287 and later). cockpit.js is loaded by index.html; esbuild maps the import to the global.
declare module "cockpit" {
    /** Cockpit's own promise: thenable, and its reject handler receives extra values. */
    export interface CockpitPromise<T> extends PromiseLike<T> {
        then<R1 = T, R2 = never>(
            onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
            onRejected?: ((reason: any, ...extra: any[]) => R2 | PromiseLike<R2>) | null,
        ): CockpitPromise<R1 | R2>;
        catch<R = never>(onRejected: (reason: any, ...extra: any[]) => R | PromiseLike<R>): CockpitPromise<T | R>;
    }

    /** A failed request: `status` for an HTTP answer, `problem` for a channel failure. */
    export interface HttpError {
        status?: number;
        reason?: string;
        message?: string;
        problem?: string | null;
    }

    export interface HttpRequestOptions {
        method?: string;
        path: string;
        params?: Record<string, string | number>;
        headers?: Record<string, string>;
        body?: string;
    }

    export interface HttpRequest extends CockpitPromise<string> {
        /** Receives the body of a 2xx answer chunk by chunk; the promise then resolves with what was not consumed. */
        stream(callback: (chunk: string) => void): HttpRequest;
        /** Called with the status and headers once they arrive, whatever the status. */
        response(callback: (status: number, headers: Record<string, string>) => void): HttpRequest;
        close(problem?: string): HttpRequest;
    }

    export interface HttpClient {
        /** Resolves with the body of a 2xx answer; otherwise rejects with (HttpError, body). */
        request(options: HttpRequestOptions): HttpRequest;
        close(problem?: string): void;
    }

    export interface HttpOptions {
        unix?: string;
        port?: number;
        address?: string;
        superuser?: "require" | "try";
        headers?: Record<string, string>;
    }

    export interface SpawnOptions {
        superuser?: "require" | "try";
        /** "message": stderr becomes the rejection's message; "ignore": dropped. */
        err?: "out" | "ignore" | "message";
    }

    /** A failed process: `exit_status` when it ran and exited non-zero, `problem` when it could not run ("not-found"). */
    export interface SpawnError {
        exit_status?: number;
        problem?: string | null;
        message?: string;
    }

    export interface FileHandle {
        /** Resolves with the content, or null when the file does not exist. */
        read(): CockpitPromise<string | null>;
        close(): void;
    }

    export interface UserInfo {
        name: string;
        full_name?: string;
        id?: number;
        groups?: string[];
    }

    export interface Permission {
        /** null while unknown, then whether the session may act as administrator. */
        allowed: boolean | null;
        addEventListener(event: "changed", listener: () => void): void;
        removeEventListener(event: "changed", listener: () => void): void;
        close(): void;
    }

    export interface DBusProxy {
        valid: boolean;
        [property: string]: any;
        wait(): CockpitPromise<void>;
        addEventListener(event: "changed", listener: () => void): void;
        removeEventListener(event: "changed", listener: () => void): void;
    }

    export interface DBusClient {
        proxy(iface: string, path: string): DBusProxy;
    }

    export interface Location {
        /** The page's path, split at "/": #/traffic?spoke=1 is ["traffic"]. */
        readonly path: string[];
        /** The query options: #/traffic?spoke=1 is { spoke: "1" }. */
        readonly options: Record<string, string | string[]>;
        go(path: string | string[], options?: Record<string, string>): void;
        replace(path: string | string[], options?: Record<string, string>): void;
    }

    export interface Cockpit {
        gettext(message: string): string;
        gettext(context: string, message: string): string;
        ngettext(singular: string, plural: string, n: number): string;
        /** "$0 of $1": positional placeholders. */
        format(template: string, ...args: (string | number)[]): string;
        message(error: unknown): string;
        http(options: HttpOptions): HttpClient;
        file(path: string, options?: { superuser?: "require" | "try"; max_read_size?: number }): FileHandle;
        /** Runs a program through the bridge; resolves with its stdout. Absent outside Cockpit (the embedded page). */
        spawn?(args: string[], options?: SpawnOptions): CockpitPromise<string>;
        user(): CockpitPromise<UserInfo>;
        permission(options?: { admin?: boolean; group?: string }): Permission;
        dbus(name: string | null, options: { bus: "internal" | "system" | "session" }): DBusClient;
        jump(path: string, host?: string): void;
        /** The page's address; a new object after every change. */
        readonly location: Location;
        addEventListener(event: "locationchanged", listener: () => void): void;
        removeEventListener(event: "locationchanged", listener: () => void): void;
        transport: { host?: string };
        language: string;
    }

    const cockpit: Cockpit;
    export default cockpit;
}
