// The backup file: a magic line, a JSON header line (format version, when, by which hub, the
// schema, how it is sealed), then the payload: JSON, or with a passphrase its AES-256-GCM
// ciphertext in base64 under a key derived by scrypt. Reading checks all of it before anything
// is restored, and says which of "not a backup", "damaged", "wrong passphrase" or "too new".
import crypto from "node:crypto";
import { HubError } from "../errors";

const magic = "WIREGUARD-HUB-BACKUP";
/** Bumped when a hub could no longer read the payload the way an older one wrote it. */
export const backupFormat = 1;

const scryptParams = { N: 2 ** 15, r: 8, p: 1 };
/** scrypt with N=2^15, r=8 takes 32 MiB; node's default cap is exactly that. */
const scryptMaxmem = 64 * 1024 * 1024;

/** A backup's file name: wireguard-hub-<UTC time to the second>.backup (sorts by time). */
export function backupFileName(now: Date): string {
    return `wireguard-hub-${now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "")}Z.backup`;
}

export interface BackupHeader {
    format: number;
    createdAt: string;
    hubVersion: string;
    /** The migrations the hub had applied: a backup from a newer schema is refused. */
    schema: string[];
    /** Counts of what it holds, readable without the passphrase. */
    counts: Record<string, number>;
    sealed: null | {
        kdf: "scrypt";
        N: number;
        r: number;
        p: number;
        salt: string;
        cipher: "aes-256-gcm";
        iv: string;
        /** HMAC of a fixed text under the second half of the derived key: tells a wrong passphrase from a damaged file. */
        check: string;
    };
    /** SHA-256 of the plain payload (for a sealed file, GCM's tag does this). */
    sha256: string | null;
}

function invalid(message: string, hint: string): HubError {
    return new HubError("BACKUP_INVALID", message, hint);
}

function deriveKeys(passphrase: string, salt: Buffer, params: { N: number; r: number; p: number }): { cipherKey: Buffer; checkKey: Buffer } {
    const bytes = crypto.scryptSync(passphrase.normalize("NFC"), salt, 64, { ...params, maxmem: scryptMaxmem });
    return { cipherKey: bytes.subarray(0, 32), checkKey: bytes.subarray(32) };
}

function checkValue(checkKey: Buffer): string {
    return crypto.createHmac("sha256", checkKey).update(magic).digest("base64");
}

export interface WriteInput {
    createdAt: Date;
    hubVersion: string;
    schema: string[];
    counts: Record<string, number>;
    payload: string;
    passphrase: string | null;
}

export function writeBackup(input: WriteInput): string {
    const base = { format: backupFormat, createdAt: input.createdAt.toISOString(), hubVersion: input.hubVersion, schema: input.schema, counts: input.counts };
    if (input.passphrase === null) {
        const header: BackupHeader = { ...base, sealed: null, sha256: crypto.createHash("sha256").update(input.payload).digest("hex") };
        return `${magic}\n${JSON.stringify(header)}\n${input.payload}\n`;
    }
    const salt = crypto.randomBytes(16);
    const iv = crypto.randomBytes(12);
    const { cipherKey, checkKey } = deriveKeys(input.passphrase, salt, scryptParams);
    const header: BackupHeader = {
        ...base,
        sealed: { kdf: "scrypt", ...scryptParams, salt: salt.toString("base64"), cipher: "aes-256-gcm", iv: iv.toString("base64"), check: checkValue(checkKey) },
        sha256: null,
    };
    const headerLine = JSON.stringify(header);
    const cipher = crypto.createCipheriv("aes-256-gcm", cipherKey, iv);
    // The header is authenticated too: its counts and schema can't be swapped under the payload.
    cipher.setAAD(Buffer.from(headerLine));
    const sealed = Buffer.concat([cipher.update(input.payload, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `${magic}\n${headerLine}\n${sealed.toString("base64")}\n`;
}

/** The header alone: enough to say what a file is, and whether it needs a passphrase. */
export function readHeader(text: string): { header: BackupHeader; headerLine: string; body: string } {
    const first = text.indexOf("\n");
    if (first < 0 || text.slice(0, first) !== magic)
        throw invalid("This file is not a wireguard-hub backup", "Give the file that `wireguard-hub backup` (or the page's \"Download backup\") wrote.");
    const second = text.indexOf("\n", first + 1);
    if (second < 0) throw invalid("The backup file is truncated: its header is incomplete", "Use another copy of the backup.");
    const headerLine = text.slice(first + 1, second);
    let header: BackupHeader;
    try {
        header = JSON.parse(headerLine) as BackupHeader;
    } catch {
        throw invalid("The backup file is damaged: its header is not readable", "Use another copy of the backup.");
    }
    if (typeof header !== "object" || header === null || typeof header.format !== "number" || !Array.isArray(header.schema))
        throw invalid("The backup file is damaged: its header is not readable", "Use another copy of the backup.");
    if (header.format > backupFormat)
        throw invalid(`This backup was made by a newer wireguard-hub (${String(header.hubVersion)}, backup format ${header.format}); this hub reads format ${backupFormat} and older`,
            "Upgrade this hub's package first (apt install wireguard-hub), then restore.");
    return { header, headerLine, body: text.slice(second + 1) };
}

/** The payload, checked: plain by its SHA-256, sealed by the passphrase's check and GCM's tag. */
export function readBackup(text: string, passphrase: string | null): { header: BackupHeader; payload: string } {
    const { header, headerLine, body } = readHeader(text);
    if (!body.endsWith("\n"))
        throw invalid("The backup file is truncated: it does not end where its writer ended it", "Use another copy of the backup.");
    const content = body.slice(0, -1);
    const sealed = header.sealed;
    if (!sealed) {
        if (crypto.createHash("sha256").update(content).digest("hex") !== header.sha256)
            throw invalid("The backup file is damaged: its content does not match its checksum", "Use another copy of the backup.");
        return { header, payload: content };
    }
    if (passphrase === null)
        throw invalid("This backup is encrypted", "Give its passphrase (wireguard-hub restore FILE --passphrase-file PATH).");
    if (sealed.kdf !== "scrypt" || sealed.cipher !== "aes-256-gcm" || sealed.N > 2 ** 20 || sealed.r > 32 || sealed.p > 16)
        throw invalid("The backup file is damaged: its encryption header is not one this hub writes", "Use another copy of the backup.");
    const { cipherKey, checkKey } = deriveKeys(passphrase, Buffer.from(sealed.salt, "base64"), sealed);
    const expected = Buffer.from(sealed.check, "base64");
    const given = Buffer.from(checkValue(checkKey), "base64");
    if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given))
        throw invalid("The passphrase is not this backup's", "Check the passphrase file: the whole first line is the passphrase.");
    const bytes = Buffer.from(content, "base64");
    if (bytes.length < 16) throw invalid("The backup file is truncated", "Use another copy of the backup.");
    try {
        const decipher = crypto.createDecipheriv("aes-256-gcm", cipherKey, Buffer.from(sealed.iv, "base64"));
        decipher.setAAD(Buffer.from(headerLine));
        decipher.setAuthTag(bytes.subarray(-16));
        const plain = Buffer.concat([decipher.update(bytes.subarray(0, -16)), decipher.final()]);
        return { header, payload: plain.toString("utf8") };
    } catch {
        throw invalid("The backup file is damaged: its encrypted content does not authenticate", "Use another copy of the backup.");
    }
}
