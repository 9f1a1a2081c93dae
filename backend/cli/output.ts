// What every command needs: the client, the --json switch, and a place to print.
import type { AdminClient } from "./client";

export interface CliContext {
    client(): AdminClient;
    json: boolean;
    print(text: string): void;
}

export function printJson(ctx: CliContext, value: unknown): void {
    ctx.print(JSON.stringify(value, null, 2));
}

/** The array inside an answer like {"spokes": [...]} (or the answer itself when it is one). */
export function itemsOf(body: unknown, key: string): Record<string, unknown>[] {
    const value = Array.isArray(body) ? body : (body as Record<string, unknown> | null)?.[key];
    return Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
}
