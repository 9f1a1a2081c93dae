// wireguard-hub: the admin command. It speaks to the service's admin unix socket, as the
// Cockpit page does. Exit status: 0 done, 1 refused (bad input, not found…), 2 service unreachable.
import { Command, CommanderError } from "commander";
import { AdminClient, ApiError, Unreachable } from "./cli/client";
import { registerHubCommands } from "./cli/hubCommands";
import { registerNetworkCommands } from "./cli/networkCommands";
import { registerTokenCommands } from "./cli/tokenCommands";
import { registerSpokeCommands } from "./cli/spokeCommands";
import { registerClusterCommands } from "./cli/clusterCommands";
import { registerBackupCommands } from "./cli/backupCommands";
import type { CliContext } from "./cli/output";
import { resolveSocket } from "./cli/socket";
import { version } from "../package.json";

function buildProgram(): Command {
    const program = new Command("wireguard-hub")
        .description("manage the WireGuard hub: initialise it or join other hubs, make spoke tokens, list and remove spokes")
        .version(version, "-V, --version")
        .option("--socket <path>", "admin API socket (default: $WGHUB_API_SOCKET, hub.env, /run/wireguard-hub/api.sock)")
        .option("--json", "print the service's answer as JSON")
        .showHelpAfterError()
        .exitOverride();

    let client: AdminClient | null = null;
    const ctx = (): CliContext => {
        const opts = program.opts<{ socket?: string; json?: boolean }>();
        return {
            json: Boolean(opts.json),
            client: () => (client ??= new AdminClient(resolveSocket(opts.socket))),
            print: text => process.stdout.write(text.endsWith("\n") ? text : text + "\n"),
        };
    };
    registerHubCommands(program, ctx);
    registerNetworkCommands(program, ctx);
    registerTokenCommands(program, ctx);
    registerSpokeCommands(program, ctx);
    registerClusterCommands(program, ctx);
    registerBackupCommands(program, ctx);
    return program;
}

function fail(message: string, hint: string | null, code: number): number {
    process.stderr.write(`error: ${message}\n`);
    if (hint) process.stderr.write(`hint: ${hint}\n`);
    return code;
}

export async function main(argv: string[]): Promise<number> {
    try {
        await buildProgram().parseAsync(argv);
        return 0;
    } catch (err) {
        if (err instanceof CommanderError) return err.exitCode; // commander printed the usage error or help
        if (err instanceof Unreachable) return fail(err.message, err.hint, 2);
        if (err instanceof ApiError) return fail(err.message, err.hint, 1);
        return fail(err instanceof Error ? err.message : String(err), null, 1);
    }
}

main(process.argv).then(code => {
    process.exitCode = code;
});
