// X25519 key pairs in node: the last 32 bytes of the DER encodings are WireGuard's keys.
import crypto from "node:crypto";

export interface KeyPair {
    privateKey: string;
    publicKey: string;
}

export function generateKeyPair(): KeyPair {
    const { privateKey, publicKey } = crypto.generateKeyPairSync("x25519", {
        privateKeyEncoding: { type: "pkcs8", format: "der" },
        publicKeyEncoding: { type: "spki", format: "der" },
    });
    return {
        privateKey: privateKey.subarray(-32).toString("base64"),
        publicKey: publicKey.subarray(-32).toString("base64"),
    };
}

/** A WireGuard key: 32 bytes in standard base64 (44 characters, one '=' of padding). */
export function isWireGuardKey(text: unknown): text is string {
    return typeof text === "string" && /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(text);
}

// Every run of the reconciler checks the hub's key file against its public key: the same key.
let lastDerived: { privateKey: string; publicKey: string } | null = null;

export function publicKeyOf(privateKey: string): string {
    if (lastDerived?.privateKey === privateKey) return lastDerived.publicKey;
    const publicKey = derivePublicKey(privateKey);
    lastDerived = { privateKey, publicKey };
    return publicKey;
}

function derivePublicKey(privateKey: string): string {
    const der = Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), Buffer.from(privateKey, "base64")]);
    const key = crypto.createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    return crypto.createPublicKey(key).export({ type: "spki", format: "der" }).subarray(-32).toString("base64");
}
