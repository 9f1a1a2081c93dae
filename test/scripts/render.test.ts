// Every rendered script and one-liner is valid bash (bash -n, shellcheck) or PowerShell
// (tree-sitter-powershell without error nodes), for every shape of hub and for hostile values.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
    clearTemplateCache, contentDisposition, installCommand, platforms, renderInstallScript, templatesDir,
    type Platform,
} from "../../backend/scripts/render";
import { psQuote, shQuote } from "../../backend/scripts/quote";
import { bash32Problems } from "./bash32";
import { parsePowerShell, powershellProblems } from "./powershellSyntax";
import { baseContext, canaryPayloads, contexts, hostileContext } from "./scriptContexts";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-render-"));
after(() => fs.rmSync(work, { recursive: true, force: true }));

let fileCounter = 0;

/** bash -n, then shellcheck: "" when both are content, else what they said. */
async function bashProblems(body: string, name: string): Promise<string> {
    const file = path.join(work, `${fileCounter++}-${name}`);
    fs.writeFileSync(file, body);
    const syntax = await run("bash", ["-n", file]);
    if (syntax.code !== 0) return `bash -n: ${syntax.stderr}`;
    const lint = await run("shellcheck", ["--shell=bash", "--severity=style", file]);
    if (lint.code !== 0) return `shellcheck:\n${lint.stdout}${lint.stderr}`;
    return "";
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise(resolve => {
        execFile(cmd, args, { encoding: "utf8" }, (err, stdout, stderr) => {
            const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
            resolve({ code, stdout, stderr });
        });
    });
}

// shellcheck takes about a second a script: lint them all up front, a few at a time.
const lintQueue = new Map<string, Promise<string>>();
let running = 0;
const waiting: (() => void)[] = [];
function lint(key: string, body: string): Promise<string> {
    let p = lintQueue.get(key);
    if (!p) {
        p = (async () => {
            if (running >= 3) await new Promise<void>(r => waiting.push(r));
            running++;
            try {
                return await bashProblems(body, key.replace(/[^A-Za-z0-9.-]+/g, "_").slice(0, 60) + ".sh");
            } finally {
                running--;
                waiting.shift()?.();
            }
        })();
        lintQueue.set(key, p);
    }
    return p;
}

async function psProblems(body: string): Promise<string> {
    const problems = await powershellProblems(body);
    return problems.map(p => `${p.kind} at ${p.line}:${p.column}: ${p.text}`).join("\n");
}

describe("the PowerShell syntax check itself", () => {
    it("passes known-good PowerShell in the script's style", async () => {
        const good = [
            "function Get-X {\n    param([string]$A, [int]$B)\n    return $A + $B\n}\n",
            "$x = @('a', 'b''c')\nforeach ($i in $x) {\n    Write-Host ('[{0}] {1}' -f 1, $i)\n}\n",
            "try {\n    & wg.exe show\n}\ncatch {\n    throw 'no'\n}\nfinally {\n    $c = 1\n}\n",
            "$h = [ordered]@{\n    a = 1\n    b = @{ c = 'd' }\n}\n$j = $h | ConvertTo-Json -Compress -Depth 4\n",
            installCommand("windows", "https://h:1/x?platform=windows", baseContext.pin),
        ];
        for (const snippet of good) assert.equal(await psProblems(snippet), "", snippet);
    });

    it("finds unbalanced braces, unterminated strings and a broken param block", async () => {
        const bad = [
            "function F {\n    param($a\n}\n",
            "$x = 'unterminated\n",
            "if ($a) {\n    Write-Host 'x'\n",
            "$y = @(1, 2\n",
            "$s = \"open $(\n",
        ];
        for (const snippet of bad) assert.notEqual(await psProblems(snippet), "", snippet);
    });
});

describe("the spoke agent", () => {
    it("passes bash -n and shellcheck, and holds nothing a template would fill in", async () => {
        const body = fs.readFileSync(path.join(templatesDir(), "agent", "wireguard-hub-agent.sh"), "utf8");
        assert.doesNotMatch(body, /<%/);
        assert.doesNotMatch(body, /^WIREGUARD_HUB_AGENT$/m, "the install scripts' heredoc ends where the agent ends");
        assert.equal(await lint("agent", body), "");
    });
});

describe("rendered install scripts", () => {
    before(() => {
        for (const [label, ctx] of Object.entries(contexts))
            for (const platform of platforms)
                if (platform !== "windows") void lint(`${platform} ${label}`, renderInstallScript(platform, ctx).body);
    });

    for (const [label, ctx] of Object.entries(contexts)) {
        for (const platform of platforms) {
            it(`${platform}: ${label}`, async () => {
                const script = renderInstallScript(platform, ctx);
                const problems = platform === "windows"
                    ? await psProblems(script.body)
                    : await lint(`${platform} ${label}`, script.body);
                assert.equal(problems, "");
                assert.ok(script.body.includes(ctx.token), "the script carries its token");
            });
        }
    }

    it("the macOS script, the agent it carries included, avoids what bash 3.2 (the bash macOS ships) lacks", () => {
        const body = renderInstallScript("macos", contexts["dual stack (IPv6 endpoints, addresses and DNS)"]!).body;
        assert.ok(body.includes(fs.readFileSync(path.join(templatesDir(), "agent", "wireguard-hub-agent.sh"), "utf8")), "the agent is in the script");
        assert.deepEqual(bash32Problems(body), []);
    });

    it("Windows: a folder or wg0.conf someone else made keeps no access to the private key", () => {
        const body = renderInstallScript("windows", baseContext).body;
        const fn = (name: string) => {
            const start = body.indexOf(`function ${name} {`);
            assert.ok(start >= 0, `function ${name}`);
            return body.slice(start, body.indexOf("\n}\n", start));
        };
        // The folder: replaced when its owner is not SYSTEM or Administrators, then owned by
        // Administrators with an ACL of SYSTEM and Administrators only, checked again.
        const folder = fn("New-ProtectedFolder");
        assert.match(folder, /-not \(Test-TrustedOwner \$ConfDir\)[\s\S]*Remove-Item -LiteralPath \$ConfDir -Recurse -Force/);
        assert.ok(folder.indexOf("Set-TrustedOwner $ConfDir") < folder.indexOf("Protect-Path $ConfDir $true"));
        assert.match(folder, /Stop-Enrollment/);
        assert.match(fn("Test-TrustedOwner"), /\$SystemSid[\s\S]*\$AdministratorsSid/);
        assert.match(body, /\$SystemSid = 'S-1-5-18'/);
        assert.match(body, /\$AdministratorsSid = 'S-1-5-32-544'/);
        assert.match(fn("Set-TrustedOwner"), /icacls\.exe \$Path \/setowner/);
        // The file: written new inside the protected folder, owned and protected, then moved
        // over wg0.conf; never written in place.
        const conf = fn("Write-Conf");
        const order = ["WriteAllText($temp", "Set-TrustedOwner $temp", "Protect-Path $temp $false", "Move-Item -LiteralPath $temp -Destination $ConfFile -Force"]
            .map(step => conf.indexOf(step));
        assert.ok(order.every(i => i >= 0), order.join(","));
        assert.deepEqual([...order].sort((a, b) => a - b), order, "in this order");
        assert.ok(!/WriteAllText\(\$ConfFile/.test(body), "never written in place");
        assert.ok(body.indexOf("New-ProtectedFolder\n") > body.indexOf("function Write-Conf"), "the folder is made safe before the first write");
    });

    it("answers with the seed's content type and a download name", () => {
        const linux = renderInstallScript("linux", { ...baseContext, spokeName: "db 2/\"x\"" });
        assert.equal(linux.contentType, "application/x-sh");
        assert.equal(contentDisposition(linux), 'attachment; filename="install-spoke-db-2-x-.sh"');
        const windows = renderInstallScript("windows", baseContext);
        assert.equal(windows.filename, "install-spoke-web-1.ps1");
        assert.match(windows.contentType, /^text\/plain/);
    });

    it("refuses values that would add a line to the WireGuard config, and bad interface names", () => {
        assert.throws(() => renderInstallScript("linux", { ...baseContext, dns: ["1.1.1.1\nPostUp = touch /tmp/x"] }), /control character/);
        assert.throws(() => renderInstallScript("linux", { ...baseContext, publicEndpoint: "h:1\r\n[Peer]" }), /control character/);
        assert.throws(() => renderInstallScript("linux", { ...baseContext, interfaceName: "../etc/passwd" }), /interface name/);
        assert.throws(() => renderInstallScript("linux", { ...baseContext, pin: "sha256//x'; touch /tmp/x" }), /pin/);
        assert.throws(() => renderInstallScript("bsd" as Platform, baseContext), /platform/);
    });

    it("templates interpolate nothing but pre-quoted values and partials", () => {
        const dir = templatesDir();
        const files = fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter(f => f.endsWith(".ejs"));
        assert.ok(files.length >= 7, files.join(", "));
        for (const file of files) {
            const text = fs.readFileSync(path.join(dir, file), "utf8");
            assert.doesNotMatch(text, /<%=/, `${file} uses <%=`);
            for (const [, code] of text.matchAll(/<%[-_]?\s*([\s\S]*?)\s*[-_]?%>/g)) {
                assert.match(code!, /^(v\.[A-Za-z]+|include\('partials\/[a-z0-9.]+\.ejs'\)|include\('(\.\.\/)?agent\/wireguard-hub-agent\.(sh|ps1)'\))$/, `${file}: <% ${code} %>`);
            }
        }
    });

    it("does not let a template use <%= (HTML escaping)", () => {
        const copy = path.join(work, "templates");
        fs.cpSync(templatesDir(), copy, { recursive: true });
        const file = path.join(copy, "partials", "values.sh.ejs");
        fs.appendFileSync(file, "NAME=\"<%= v.spokeName %>\"\n");
        process.env.WGHUB_TEMPLATES_DIR = copy;
        clearTemplateCache();
        try {
            assert.throws(() => renderInstallScript("linux", baseContext), /must not use <%=/);
        } finally {
            delete process.env.WGHUB_TEMPLATES_DIR;
            clearTemplateCache();
        }
    });
});

describe("one-liners", () => {
    const url = "https://203.0.113.5:51821/api/installation/script/AMx_82XJO6F5FFKNy01556dr6PAiVnorbgIVdhBJmB4?platform=";
    for (const pin of [baseContext.pin, null]) {
        for (const platform of platforms) {
            it(`${platform} ${pin ? "with" : "without"} a pin is valid ${platform === "windows" ? "PowerShell" : "shell"}`, async () => {
                const cmd = installCommand(platform, url + platform, pin);
                if (platform === "windows") assert.equal(await psProblems(cmd), "");
                else assert.equal(await bashProblems(`#!/bin/bash\n${cmd}\n`, `one-liner-${platform}.sh`), "");
            });
        }
    }
});

describe("hostile values", () => {
    const canary = "/tmp/wghub-canary-render";

    it("round-trip through shQuote as one bash word, whatever they hold", () => {
        for (const value of [...canaryPayloads(canary), "a\nb", "\u00e9\u4e2d", "'", "\\", "-n", "!x"]) {
            const out = execFileSync("bash", ["-c", `printf '%s' ${shQuote(value)}`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
            assert.equal(out, value);
        }
        assert.equal(fs.existsSync(canary), false);
    });

    it("stay string literals in the PowerShell values block: no command, expansion or script block", async () => {
        for (let i = 0; i < canaryPayloads(canary).length; i++) {
            const ctx = hostileContext(canary, i);
            const body = renderInstallScript("windows", ctx).body;
            assert.equal(await psProblems(body), "");
            const start = body.indexOf("# ---- Values from the hub.");
            const end = body.indexOf("# ---- End of values from the hub.");
            const values = body.slice(start, end);
            const { root } = await parsePowerShell(values);
            const types = new Set<string>();
            let assignments = 0;
            const visit = (node: typeof root): void => {
                types.add(node.type);
                if (node.type === "assignment_expression") assignments++;
                for (const child of node.children) if (child) visit(child);
            };
            visit(root);
            for (const t of ["command", "expandable_string_literal", "sub_expression", "script_block", "invokation_expression"])
                assert.ok(!types.has(t), `values block has a ${t} node for payload ${i}`);
            assert.equal(assignments, 14, "one assignment per value, nothing more");
            assert.ok(values.includes(`$SpokeName = ${psQuote(ctx.spokeName)}`));
        }
    });

    const bashPlatforms = ["linux", "proxmox", "macos"] as const;
    before(() => {
        canaryPayloads(canary).forEach((_, i) => {
            for (const platform of bashPlatforms) void lint(`hostile ${platform} ${i}`, renderInstallScript(platform, hostileContext(canary, i)).body);
        });
    });

    canaryPayloads(canary).forEach((payload, i) => {
        it(`render bash scripts that pass bash -n and shellcheck: ${JSON.stringify(payload)}`, async () => {
            for (const platform of bashPlatforms) {
                assert.equal(await lint(`hostile ${platform} ${i}`, renderInstallScript(platform, hostileContext(canary, i)).body), "", platform);
            }
        });
    });
});

// The Windows one-liner and script find the SubjectPublicKeyInfo by walking the certificate's
// DER (Windows PowerShell has no API for it). No PowerShell runs here, so the same walk, step
// for step, is checked against node's own SPKI export on real certificates.
function pinByCertificateWalk(der: Buffer): string {
    let i = 0;
    const header = (): [number, number] => {
        let l = der[i + 1]!;
        let n = 2;
        if (l > 127) {
            n += l - 128;
            l = 0;
            for (let j = 2; j < n; j++) l = l * 256 + der[i + j]!;
        }
        return [n, l];
    };
    let [n, l] = header();
    i += n;
    [n, l] = header();
    i += n;
    if (der[i] === 160) {
        [n, l] = header();
        i += n + l;
    }
    for (let k = 0; k < 5; k++) {
        [n, l] = header();
        i += n + l;
    }
    [n, l] = header();
    return "sha256//" + crypto.createHash("sha256").update(der.subarray(i, i + n + l)).digest("base64");
}

describe("the certificate walk of the PowerShell pin check", () => {
    const certs: Record<string, string[][]> = {
        "RSA 2048, v3": [["req", "-x509", "-newkey", "rsa:2048", "-subj", "/CN=hub"]],
        "RSA 4096, v3, long names": [["req", "-x509", "-newkey", "rsa:4096", "-subj", `/CN=${"h".repeat(60)}/O=${"o".repeat(60)}/OU=${"u".repeat(60)}`]],
        "EC P-256, v3": [["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-subj", "/CN=hub"]],
        "Ed25519, v3": [["req", "-x509", "-newkey", "ed25519", "-subj", "/CN=hub"]],
        "RSA 2048, v1 (no version field)": [["req", "-new", "-newkey", "rsa:2048", "-subj", "/CN=v1"], ["x509", "-req"]],
    };
    for (const [label, steps] of Object.entries(certs)) {
        it(`finds the SubjectPublicKeyInfo of a ${label} certificate`, function () {
            this.timeout(30_000);
            const dir = fs.mkdtempSync(path.join(work, "cert-"));
            const key = path.join(dir, "key.pem");
            const out = path.join(dir, "cert.pem");
            if (steps.length === 1) {
                execFileSync("openssl", [...steps[0]!, "-nodes", "-keyout", key, "-out", out, "-days", "1"], { stdio: "ignore" });
            } else {
                const csr = path.join(dir, "req.csr");
                execFileSync("openssl", [...steps[0]!, "-nodes", "-keyout", key, "-out", csr], { stdio: "ignore" });
                execFileSync("openssl", [...steps[1]!, "-in", csr, "-signkey", key, "-out", out, "-days", "1"], { stdio: "ignore" });
            }
            const cert = new crypto.X509Certificate(fs.readFileSync(out));
            const expected = "sha256//" + crypto.createHash("sha256").update(cert.publicKey.export({ type: "spki", format: "der" })).digest("base64");
            assert.equal(pinByCertificateWalk(cert.raw), expected);
        });
    }
});
