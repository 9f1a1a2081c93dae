// The public listener's certificate. Self-signed by default, with a key pair that is made once
// and kept: re-issuing the certificate for new endpoint names keeps the public-key pin that
// install commands already handed out. An admin-given certificate replaces it (no pin then).
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import selfsigned from "selfsigned";
import { writeFileAtomic } from "../fsutil";
import { ipFamily } from "../ipam/cidr";

export interface TlsMaterial {
    cert: string;
    key: string;
    /** curl --pinnedpubkey form: "sha256//<base64 of SHA-256 of the SubjectPublicKeyInfo>"; null for a CA-issued cert. */
    pin: string | null;
    selfSigned: boolean;
}

export function publicKeyPin(certPem: string): string {
    const spki = new crypto.X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
    return `sha256//${crypto.createHash("sha256").update(spki).digest("base64")}`;
}

function ensureWebCrypto(): void {
    // node 18 (Debian 12) has no global crypto; the certificate library expects one.
    const g = globalThis as { crypto?: unknown };
    if (!g.crypto) g.crypto = crypto.webcrypto;
}

async function issue(keyPem: string, hosts: string[]): Promise<string> {
    ensureWebCrypto();
    const publicPem = crypto.createPublicKey(keyPem).export({ type: "spki", format: "pem" }).toString();
    const names = [...new Set(["localhost", ...hosts])];
    const altNames = names.map(h => (ipFamily(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h }));
    const now = Date.now();
    const result = await selfsigned.generate([{ name: "commonName", value: hosts[0] ?? "wireguard-hub" }], {
        keyType: "ec",
        curve: "P-256",
        keyPair: { privateKey: keyPem, publicKey: publicPem },
        notBeforeDate: new Date(now - 3600_000),
        notAfterDate: new Date(now + 10 * 365 * 86400_000),
        extensions: [
            { name: "basicConstraints", cA: false },
            { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
            { name: "extKeyUsage", serverAuth: true },
            { name: "subjectAltName", altNames },
        ],
    });
    return result.cert;
}

/** Loads (or makes) the self-signed certificate in <dataDir>/tls, covering `hosts`. */
export async function selfSignedMaterial(dataDir: string, hosts: string[]): Promise<TlsMaterial> {
    const dir = path.join(dataDir, "tls");
    const keyFile = path.join(dir, "key.pem");
    const certFile = path.join(dir, "cert.pem");
    let key: string;
    if (fs.existsSync(keyFile)) {
        key = fs.readFileSync(keyFile, "utf8");
    } else {
        key = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey
            .export({ type: "pkcs8", format: "pem" }).toString();
        writeFileAtomic(keyFile, key, 0o600);
    }
    let cert = fs.existsSync(certFile) ? fs.readFileSync(certFile, "utf8") : "";
    const covers = (pem: string) => {
        try {
            const x = new crypto.X509Certificate(pem);
            return hosts.every(h => (ipFamily(h) ? x.checkIP(h) : x.checkHost(h)) !== undefined)
                && x.publicKey.equals(crypto.createPublicKey(key))
                && new Date(x.validTo).getTime() > Date.now() + 30 * 86400_000;
        } catch {
            return false;
        }
    };
    if (!cert || !covers(cert)) {
        cert = await issue(key, hosts);
        writeFileAtomic(certFile, cert, 0o644);
    }
    return { cert, key, pin: publicKeyPin(cert), selfSigned: true };
}

export function adminMaterial(certFile: string, keyFile: string): TlsMaterial {
    const cert = fs.readFileSync(certFile, "utf8");
    const key = fs.readFileSync(keyFile, "utf8");
    const x = new crypto.X509Certificate(cert);
    // A self-signed admin certificate still needs the pin; one issued by a CA does not.
    const selfIssued = x.issuer === x.subject && x.verify(x.publicKey);
    return { cert, key, pin: selfIssued ? publicKeyPin(cert) : null, selfSigned: selfIssued };
}
