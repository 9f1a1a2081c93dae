// Errors are values with a stable code; one middleware (http/errors.ts) turns them into
// {"error", "code", "hint"} with the status below.

const statusByCode = {
    BAD_REQUEST: 400,
    VALIDATION_FAILED: 400,
    INVALID_JSON: 400,
    BACKUP_INVALID: 400,
    UNSUPPORTED_PLATFORM: 400,
    CLUSTER_TOKEN_PROXMOX_ONLY: 400,
    UNAUTHORIZED: 401,
    NOT_THIS_SPOKE: 403,
    NOT_FOUND: 404,
    HUB_NOT_INITIALIZED: 404,
    TOKEN_NOT_FOUND: 404,
    SPOKE_NOT_FOUND: 404,
    CLUSTER_NOT_FOUND: 404,
    HUB_MEMBER_NOT_FOUND: 404,
    HUB_ALREADY_INITIALIZED: 409,
    ADDRESS_TAKEN: 409,
    ADDRESS_UNAVAILABLE: 409,
    ADDRESS_POOL_EXHAUSTED: 409,
    PUBLIC_KEY_IN_USE: 409,
    TOKEN_NOT_REVOCABLE: 409,
    NO_ACTION_PENDING: 409,
    INSECURE_ENROLLMENT: 409,
    TOKEN_OTHER_CLUSTER: 409,
    NODE_ALREADY_ENROLLED: 409,
    JOIN_NEEDS_POSTGRESQL: 409,
    HUB_ALREADY_JOINED: 409,
    HUB_STILL_RUNNING: 409,
    HUB_HAS_OTHER_HUBS: 409,
    TOKEN_ALREADY_USED: 410,
    TOKEN_EXPIRED: 410,
    TOKEN_REVOKED: 410,
    TOKEN_USES_EXHAUSTED: 410,
    PAYLOAD_TOO_LARGE: 413,
    RATE_LIMITED: 429,
    INTERNAL: 500,
    SCRIPT_UNRENDERABLE: 500,
    SERVICE_STOPPING: 503,
    HUB_RESTORING: 503,
    DATABASE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof statusByCode;

export class HubError extends Error {
    readonly code: ErrorCode;
    readonly hint?: string;
    readonly details?: Record<string, unknown>;

    constructor(code: ErrorCode, message: string, hint?: string, details?: Record<string, unknown>) {
        super(message);
        this.name = "HubError";
        this.code = code;
        this.hint = hint;
        this.details = details;
    }

    get status(): number {
        return statusByCode[this.code];
    }
}

/** The database could not be reached (PostgreSQL stopped, restarting, or its network gone). */
export function isDatabaseUnreachable(err: unknown): boolean {
    const e = err as { name?: string; code?: string; message?: string; parent?: { code?: string; message?: string } } | null;
    const code = e?.parent?.code ?? e?.code;
    return ["SequelizeConnectionError", "SequelizeConnectionRefusedError", "SequelizeHostNotReachableError", "SequelizeConnectionTimedOutError",
        "SequelizeConnectionAcquireTimeoutError"].includes(e?.name ?? "")
        || ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "57P01", "57P02", "57P03", "08006", "08001", "08003"].includes(code ?? "")
        || /Connection terminated|connection is closed|Client has encountered a connection error/i.test(e?.parent?.message ?? e?.message ?? "");
}

export function databaseUnavailable(): HubError {
    return new HubError("DATABASE_UNAVAILABLE", "The hub's database cannot be reached",
        "Tunnels and routes stay as they are; changes are refused until PostgreSQL answers again. Check the database server (docs/multi-hub.md).");
}

export function statusOf(code: ErrorCode): number {
    return statusByCode[code];
}
