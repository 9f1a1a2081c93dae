// The macOS and Windows scripts register before WireGuard is installed, so they work out the
// public key themselves: X25519 in JavaScript (run by osascript) and in C# (compiled by
// Add-Type). The exact text each script carries is taken from the rendered script and run
// here, the JavaScript by node and the C# by Mono, on random keys and RFC 7748's, and must
// agree with `wg pubkey` on every one.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { renderInstallScript } from "../../backend/scripts/render";
import { baseContext } from "./scriptContexts";
import { fixturesDir } from "./spokeMachine";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runJxa } = require(path.join(fixturesDir, "macos", "jxa.cjs")) as { runJxa(script: string, input: string): string };

// RFC 7748 section 6.1: Alice's and Bob's key pairs.
const rfc7748: [string, string][] = [
    ["77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"],
    ["5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"],
].map(([priv, pub]) => [Buffer.from(priv!, "hex").toString("base64"), Buffer.from(pub!, "hex").toString("base64")]);

/** 50 random private keys, and the edges of clamping: all zero bits and all one bits. */
const privateKeys = [
    ...Array.from({ length: 50 }, () => crypto.randomBytes(32).toString("base64")),
    Buffer.alloc(32).toString("base64"),
    Buffer.alloc(32, 0xff).toString("base64"),
];

function wgPubkey(privateKey: string): string {
    return execFileSync("wg", ["pubkey"], { input: `${privateKey}\n`, encoding: "utf8" }).trim();
}

/** The one block between `start` and `end` in BODY. */
function between(body: string, start: string, end: string): string {
    const from = body.indexOf(start);
    assert.ok(from >= 0, `${start} is in the script`);
    assert.equal(body.indexOf(start, from + 1), -1, `${start} is in the script once`);
    const to = body.indexOf(end, from + start.length);
    assert.ok(to > from, `${end} ends it`);
    return body.slice(from + start.length, to + 1);
}

function onPath(tool: string): boolean {
    return spawnSync("sh", ["-c", 'command -v "$1"', "sh", tool], { stdio: "ignore" }).status === 0;
}

describe("X25519 of the macOS script (JavaScript for Automation, run here by node)", () => {
    const body = renderInstallScript("macos", baseContext).body;
    const js = between(body, "    cat <<'X25519_JS'\n", "\nX25519_JS\n");

    it("is run by the script as osascript -l JavaScript -e, the private key on stdin", () => {
        assert.match(body, /public=\$\(printf '%s\\n' "\$private" \| osascript -l JavaScript -e "\$\(x25519_js\)" 2>\/dev\/null\)/);
        assert.match(body, /private=\$\(head -c 32 \/dev\/urandom \| base64\)/);
        assert.ok(!/\$\{?private\b/.test(js), "the script text holds no shell variable");
    });

    it("gives RFC 7748's public keys for its private keys", () => {
        for (const [priv, pub] of rfc7748) assert.equal(runJxa(js, `${priv}\n`), pub);
    });

    it("agrees with wg pubkey on 50 random keys and the clamping edges", () => {
        for (const priv of privateKeys) assert.equal(runJxa(js, `${priv}\n`), wgPubkey(priv), priv);
    });

    it("refuses what is not a 32-byte base64 key", () => {
        for (const bad of ["", "not*base64", Buffer.alloc(31).toString("base64")]) assert.throws(() => runJxa(js, `${bad}\n`), bad);
    });
});

describe("X25519 of the Windows script (C# for Add-Type, compiled here by Mono)", function () {
    this.timeout(60_000);
    const body = renderInstallScript("windows", baseContext).body;
    const source = between(body, "$X25519Source = @'\n", "\n'@\n");
    let exe = "";
    let work = "";

    before(function () {
        const absent = ["mcs", "mono"].filter(t => !onPath(t));
        if (absent.length) {
            const why = `missing ${absent.join(", ")} (apt-get install mono-mcs mono-runtime; bash .ci/run installs them)`;
            if (process.env.CI === "true") throw new Error(why);
            console.log(`      skipped: ${why}`);
            this.skip();
        }
        work = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-x25519-"));
        // The test's own entry point: one private key a line in, its public key a line out.
        fs.writeFileSync(path.join(work, "x25519.cs"), source);
        fs.writeFileSync(path.join(work, "main.cs"), [
            "using System;",
            "public static class Program {",
            "    public static void Main() {",
            "        string line;",
            "        while ((line = Console.ReadLine()) != null)",
            "            Console.WriteLine(Convert.ToBase64String(WireGuardHubX25519.PublicKey(Convert.FromBase64String(line))));",
            "    }",
            "}",
        ].join("\n"));
        exe = path.join(work, "x25519.exe");
        execFileSync("mcs", ["-r:System.Numerics.dll", `-out:${exe}`, path.join(work, "x25519.cs"), path.join(work, "main.cs")], { stdio: "pipe" });
    });
    after(() => {
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    function publicKeys(keys: string[]): string[] {
        return execFileSync("mono", [exe], { input: keys.join("\n") + "\n", encoding: "utf8" }).trim().split("\n");
    }

    it("is compiled by the script with System.Numerics, from random bytes of RandomNumberGenerator", () => {
        assert.match(source, /^using System\.Numerics;$/m);
        assert.match(body, /\$compile = @\{ TypeDefinition = \$X25519Source \}/);
        assert.match(body, /\$compile\.ReferencedAssemblies = 'System\.Numerics'/);
        assert.match(body, /\$random = \[Security\.Cryptography\.RandomNumberGenerator\]::Create\(\)\n\s+\$random\.GetBytes\(\$bytes\)/);
        assert.match(body, /Public = \[Convert\]::ToBase64String\(\[WireGuardHubX25519\]::PublicKey\(\$bytes\)\)/);
    });

    it("gives RFC 7748's public keys for its private keys", () => {
        assert.deepEqual(publicKeys(rfc7748.map(([priv]) => priv)), rfc7748.map(([, pub]) => pub));
    });

    it("agrees with wg pubkey on 50 random keys and the clamping edges", () => {
        const ours = publicKeys(privateKeys);
        assert.equal(ours.length, privateKeys.length);
        privateKeys.forEach((priv, i) => assert.equal(ours[i], wgPubkey(priv), priv));
    });
});

describe("the Windows script registers before it installs WireGuard", () => {
    const body = renderInstallScript("windows", baseContext).body;
    const fn = (name: string): string => {
        const start = body.indexOf(`function ${name} {`);
        assert.ok(start >= 0, `function ${name}`);
        const hereString = body.indexOf("@'\n", start);
        const end = body.indexOf("\n}\n", start);
        const from = hereString >= 0 && hereString < end ? body.indexOf("\n'@\n", hereString) : start;
        return body.slice(start, body.indexOf("\n}\n", from) + 2);
    };
    const enroll = fn("Invoke-Enrollment");

    it("makes the keys without WireGuard, registers and writes the conf, then installs and checks with wg.exe pubkey", () => {
        const order = [
            "$keys = New-KeyPair\n    $registerFirst = [bool]$keys\n",
            "Register-Spoke $publicKey",
            "New-ProtectedFolder",
            "Write-Conf $privateKey $endpoint",
            "if ($registerFirst) {\n        Write-Step 'Installing WireGuard'\n        Install-WireGuard (",
            "Test-PublicKey $privateKey $publicKey",
            "/installtunnelservice $ConfFile",
        ].map(s => enroll.indexOf(s));
        assert.ok(order.every(i => i > 0), order.join(","));
        assert.deepEqual([...order].sort((a, b) => a - b), order, "in this order");
        // Only when no key could be made without WireGuard does the install come first.
        const installs = [...enroll.matchAll(/Install-WireGuard\b/g)].map(m => m.index);
        assert.equal(installs.length, 2);
        assert.ok(enroll.lastIndexOf("if (-not $registerFirst) {", installs[0]) > 0, "the first install is the fallback's");
        assert.ok(installs[0]! < enroll.indexOf("Register-Spoke"));
        assert.ok(enroll.indexOf("}", installs[0]) < enroll.indexOf("Register-Spoke"), "the fallback's block ends before the registration");
    });

    it("makes keys without downloading or installing anything, and falls back when C# cannot be compiled", () => {
        const keys = fn("New-KeyPair");
        for (const installer of [/Install-WireGuard/, /winget/, /choco/, /DownloadString/, /Invoke-WebRequest/, /Start-Process/]) assert.doesNotMatch(keys, installer);
        assert.match(keys, /if \(Test-Path \$WgExe\) \{\n\s+\$privateKey = \(\[string\]\(& \$WgExe genkey\)\)\.Trim\(\)/);
        assert.match(keys, /catch \{\n\s+Write-Note \('no public key before WireGuard is installed \(' \+ \$_\.Exception\.Message \+ '\): installing it first'\)\n\s+return \$null/);
        const check = fn("Test-PublicKey");
        assert.match(check, /\$actual = \(\[string\]\(\$PrivateKey \| & \$WgExe pubkey\)\)\.Trim\(\)/, "the private key goes to wg.exe on stdin");
        assert.match(check, /if \(\$actual -cne \$PublicKey\) \{\n\s+Stop-Enrollment \('the public key registered with the hub/);
        // Once registered, the token is spent: a failed install says how to finish, not to run the command again.
        assert.match(enroll, /Install-WireGuard \('This spoke is registered and ' \+ \$ConfFile \+ ' is written: install WireGuard from https:\/\/www\.wireguard\.com\/install\/, then run as Administrator: & ''' \+ \$WireGuardExe \+ ''' \/installtunnelservice ''' \+ \$ConfFile \+ ''''\)/);
        assert.match(fn("Install-WireGuard"), /Stop-Enrollment 'WireGuard did not install\.' \$Hint/);
    });
});
