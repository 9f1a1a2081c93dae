// wireguard-hub backup FILE | backup --dir DIR --keep N | restore FILE
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline/promises";
import type { Command } from "commander";
import type { RestoreAnswer, RestoreRequest } from "../contract/api";
import { writeFileAtomic } from "../fsutil";
import { backupFileName } from "../backup/format";
import { ApiError } from "./client";
import { printJson, type CliContext } from "./output";

/** A backup or restore of 100,000 spokes takes seconds, not the 30 s of other requests. */
const slowRequestMs = 10 * 60_000;
const backupName = /^wireguard-hub-\d{8}T\d{6}Z?\.backup$/;

function readPassphrase(file: string | undefined): string | undefined {
    if (file === undefined) return undefined;
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new Error(`cannot read the passphrase file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const passphrase = text.split(/\r?\n/)[0];
    if (passphrase.length < 8) throw new Error(`the passphrase in ${file} is shorter than 8 characters (its first line is the passphrase)`);
    return passphrase;
}

/** Keeps the newest `keep` backups this command wrote in `dir`; returns those removed. */
function prune(dir: string, keep: number): string[] {
    const ours = fs.readdirSync(dir).filter(f => backupName.test(f)).sort();
    const old = ours.slice(0, Math.max(0, ours.length - keep));
    for (const f of old) fs.rmSync(path.join(dir, f), { force: true });
    return old;
}

async function confirmReplace(): Promise<boolean> {
    if (!process.stdin.isTTY) return false;
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    try {
        const answer = await rl.question("This hub is initialised: restoring replaces every spoke, token and key it has. Type \"replace\" to go on: ");
        return answer.trim() === "replace";
    } finally {
        rl.close();
    }
}

export function registerBackupCommands(program: Command, ctx: () => CliContext): void {
    program
        .command("backup")
        .description("write a backup of the hub (database rows, WireGuard key, TLS key and certificate) to FILE, mode 0600")
        .argument("[file]", "where to write it (written whole, then moved into place)")
        .option("--dir <dir>", "write wireguard-hub-<time>.backup into this directory instead of FILE")
        .option("--keep <n>", "with --dir: keep only the newest N backups there", v => Number(v))
        .option("--passphrase-file <file>", "encrypt it with the passphrase on this file's first line (scrypt, AES-256-GCM); default: $WGHUB_BACKUP_PASSPHRASE_FILE")
        .option("--if-initialized", "exit 0 without writing anything when the hub is not initialised (for a schedule)")
        .action(async (file: string | undefined, opts: { dir?: string; keep?: number; passphraseFile?: string; ifInitialized?: boolean }) => {
            const c = ctx();
            opts.passphraseFile ??= process.env.WGHUB_BACKUP_PASSPHRASE_FILE || undefined;
            if ((file === undefined) === (opts.dir === undefined)) throw new Error("give either FILE or --dir DIR");
            if (opts.keep !== undefined && (!opts.dir || !Number.isInteger(opts.keep) || opts.keep < 1))
                throw new Error("--keep takes a whole number of at least 1, and needs --dir");
            const passphrase = readPassphrase(opts.passphraseFile);
            const target = opts.dir ? path.join(opts.dir, backupFileName(new Date())) : file!;
            let text: string;
            try {
                text = await c.client().call<string>("POST", "/api/hub/backup", passphrase ? { passphrase } : {}, slowRequestMs);
            } catch (err) {
                if (opts.ifInitialized && err instanceof ApiError && err.code === "HUB_NOT_INITIALIZED")
                    return c.print("The hub is not initialised yet: nothing to back up.");
                throw err;
            }
            if (opts.dir) fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
            writeFileAtomic(path.resolve(target), text, 0o600);
            const removed = opts.dir && opts.keep ? prune(opts.dir, opts.keep) : [];
            const bytes = Buffer.byteLength(text);
            if (c.json) return printJson(c, { file: target, bytes, encrypted: Boolean(passphrase), removed });
            c.print(`Backup written to ${target} (${bytes} bytes${passphrase ? ", encrypted" : ""}).`
                + (removed.length ? `\nRemoved ${removed.length} older backup(s): ${removed.join(", ")}` : "")
                + (passphrase ? "" : "\nIt holds the hub's private keys: keep it where only root can read it, or use --passphrase-file."));
        });

    program
        .command("restore")
        .description("restore a backup into this hub: same WireGuard key, TLS key, spokes and tokens, so spokes reconnect untouched")
        .argument("<file>", "a file written by wireguard-hub backup")
        .option("--passphrase-file <file>", "the passphrase of an encrypted backup, on this file's first line")
        .option("--force", "replace an initialised hub (asks first on a terminal)")
        .option("--yes", "with --force: do not ask")
        .action(async (file: string, opts: { passphraseFile?: string; force?: boolean; yes?: boolean }) => {
            const c = ctx();
            let text: string;
            try {
                text = fs.readFileSync(file, "utf8");
            } catch (err) {
                throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
            }
            const passphrase = readPassphrase(opts.passphraseFile);
            if (opts.force && !opts.yes && !await confirmReplace())
                throw new Error("not restored: replacing an initialised hub needs a confirmation (on a terminal) or --yes");
            const body: RestoreRequest = { backup: text, ...(passphrase ? { passphrase } : {}), ...(opts.force ? { force: true } : {}) };
            const answer = await c.client().call<RestoreAnswer>("POST", "/api/hub/restore", body, slowRequestMs);
            if (c.json) return printJson(c, answer);
            c.print([answer.message + ".", ...answer.warnings.map(w => `warning: ${w}`)].join("\n"));
        });
}
