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
