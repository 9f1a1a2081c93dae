// The public listener over TLS (the default): a self-signed certificate whose public-key pin
// the install commands carry, kept across endpoint changes and restarts.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import tls from "node:tls";
import { fetchPin, request } from "../support/hub";
import { createToken, defaultInit, mode, register, startHub, type RunningHub } from "./helpers";

function peerCertificate(host: string, port: number, servername?: string): Promise<crypto.X509Certificate> {
    return new Promise((resolve, reject) => {
        const s = tls.connect({ host, port, rejectUnauthorized: false, servername }, () => {
            const cert = s.getPeerX509Certificate();
            s.end();
            if (cert) resolve(cert);
            else reject(new Error("no certificate"));
        });
        s.on("error", reject);
    });
}

describe("api: TLS on the public listener", () => {
    let hub: RunningHub;
    let port: number;
    before(async () => {
        hub = await startHub();
        port = Number(new URL(hub.publicUrl).port);
        assert.equal(new URL(hub.publicUrl).protocol, "https:");
        assert.equal((await hub.admin("POST", "/api/hub/initialize", defaultInit)).status, 201);
    });
    after(async () => hub?.stop());

    it("serves https only, with TLS 1.2 or later", async () => {
        assert.equal((await hub.publicRequest("GET", "/healthz")).status, 200);
        await assert.rejects(request({ host: "127.0.0.1", port, method: "GET", path: "/healthz" }), "plain HTTP gets no answer");
        await assert.rejects(new Promise((resolve, reject) => {
            const s = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false, maxVersion: "TLSv1.1", minVersion: "TLSv1" }, () => resolve(s));
            s.on("error", reject);
        }));
    });

    it("the config's pin is the served certificate's, and every install command carries it over https", async () => {
        const config = (await hub.admin("GET", "/api/hub/config")).body;
        const served = await fetchPin("127.0.0.1", port);
        assert.match(served, /^sha256\/\/[A-Za-z0-9+/]{43}=$/);
        assert.equal(config.tlsPin, served);
        assert.equal(config.publicUrl, `https://203.0.113.5:${port}`);
        const t = await createToken(hub);
        for (const platform of ["linux", "macos", "proxmox"])
            assert.ok(t.installCommands[platform].includes(`--pinnedpubkey '${served}'`), t.installCommands[platform]);
        assert.ok(t.installCommands.windows.includes(served.slice("sha256//".length)), "the PowerShell check compares the same hash");
        for (const cmd of Object.values(t.installCommands)) assert.ok(cmd.includes(`https://203.0.113.5:${port}/api/installation/script/`), cmd);
    });

    it("the certificate names the public endpoint's host; its key is a 0600 file", async () => {
        const cert = await peerCertificate("127.0.0.1", port);
        assert.ok(cert.checkIP("203.0.113.5"), cert.subjectAltName);
        assert.ok(cert.checkIP("127.0.0.1"), "the listen address too");
        assert.equal(mode(path.join(hub.dataDir, "tls", "key.pem")), 0o600);
    });

    it("a new endpoint name re-issues the certificate with the same pin", async () => {
        const before = (await hub.admin("GET", "/api/hub/config")).body.tlsPin;
        const res = await hub.admin("PUT", "/api/hub/config", { publicEndpoint: "vpn.example.net:51820" });
        assert.equal(res.status, 200, res.text);
        const cert = await peerCertificate("127.0.0.1", port, "vpn.example.net");
        assert.equal(cert.checkHost("vpn.example.net"), "vpn.example.net", cert.subjectAltName);
        assert.equal(await fetchPin("127.0.0.1", port), before);
        assert.equal(res.body.config.tlsPin, before);
        assert.equal(res.body.config.publicUrl, `https://vpn.example.net:${port}`);
    });

    it("registration works over TLS, and the pin survives a restart", async () => {
        const t = await createToken(hub);
        assert.equal((await register(hub, t.token)).status, 201);
        const pin = await fetchPin("127.0.0.1", port);
        await hub.stop();
        hub = await startHub({ dataDir: hub.dataDir, env: { WGHUB_PUBLIC_LISTEN: hub.env.WGHUB_PUBLIC_LISTEN } });
        assert.equal(await fetchPin("127.0.0.1", port), pin);
        assert.equal((await hub.admin("GET", "/api/hub/config")).body.tlsPin, pin);
        assert.ok(!fs.readFileSync(path.join(hub.dataDir, "tls", "cert.pem"), "utf8").includes("PRIVATE KEY"));
    });
});
