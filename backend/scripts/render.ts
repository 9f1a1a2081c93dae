// Renders the spoke install scripts and the one-liners that fetch them. This is the only
// place that renders a template. Templates get `v`: every value already quoted for the
// script's language, so a template cannot put a raw value into a script; EJS's `<%=`
// (HTML escaping, wrong for scripts) throws.
import type { SpokeConfig } from "../spokes/spokes";
import ejs from "ejs";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { platforms } from "../contract/fields";
import { confSafe, fileNameSafe, psList, psQuote, shQuote, shWords, UnquotableValue } from "./quote";

export { platforms };
export type Platform = (typeof platforms)[number];

/** What a script needs: the spoke's settings as registration answers them, plus how to reach the hub. */
export interface ScriptContext extends SpokeConfig {
    /** The one-time token: goes into the script, never into a log. */
    token: string;
    spokeName: string;
    /** Base URL of the public API, e.g. https://203.0.113.5:51821 */
    hubUrl: string;
    /** "sha256//<base64>" of the hub certificate's SubjectPublicKeyInfo; null = no pin (CA certificate or plain http). */
    pin: string | null;
    interfaceName: string;
    /** The agent API's port on the hub's tunnel address. */
    agentPort: number;
    /** A re-enroll token: the spoke keeps its key pair when its config is still there. */
    reenroll: boolean;
    /**
     * A Proxmox VE cluster token (Proxmox script only): one command enrolls every node. Each node
     * gets its addresses from its own registration, so `addresses` is empty and `spokeName` is ''.
     */
    cluster?: ClusterScriptContext | null;
}

export interface ClusterScriptContext {
    /** The cluster the token is for; null until its first registration fixes it. */
    name: string | null;
    maxUses: number;
    usesLeft: number;
    /** Nodes of that cluster already spokes of this hub (any token): the script skips them. */
    enrolledNodes: string[];
}

export interface RenderedScript {
    body: string;
    contentType: string;
    filename: string;
}

type Language = "sh" | "ps1";

const templateFiles: Record<Platform, string> = {
    linux: "install-linux.sh.ejs",
    proxmox: "install-proxmox.sh.ejs",
    macos: "install-macos.sh.ejs",
    windows: "install-windows.ps1.ejs",
};

const languageOf: Record<Platform, Language> = { linux: "sh", proxmox: "sh", macos: "sh", windows: "ps1" };

export function isPlatform(value: unknown): value is Platform {
    return typeof value === "string" && (platforms as readonly string[]).includes(value);
}

/** WGHUB_TEMPLATES_DIR, else the dist layout (dist/backend → dist/templates), else the source layout. */
export function templatesDir(): string {
    const fromEnv = process.env.WGHUB_TEMPLATES_DIR;
    if (fromEnv) return path.resolve(fromEnv);
    const candidates = [path.resolve(__dirname, "..", "templates"), path.resolve(__dirname, "..", "..", "templates")];
    for (const dir of candidates) {
        if (fs.existsSync(path.join(dir, templateFiles.linux))) return dir;
    }
    throw new Error(`install-script templates not found (looked in ${candidates.join(", ")}; set WGHUB_TEMPLATES_DIR)`);
}

function refuseHtmlEscape(): string {
    throw new Error("templates must not use <%= (HTML escaping): use <%- with a value from v, which is already quoted");
}

const compiled = new Map<string, ejs.TemplateFunction>();

function template(platform: Platform): ejs.TemplateFunction {
    const dir = templatesDir();
    const filename = path.join(dir, templateFiles[platform]);
    let fn = compiled.get(filename);
    if (!fn) {
        fn = ejs.compile(fs.readFileSync(filename, "utf8"), {
            filename,
            root: dir,
            views: [dir],
            cache: true,
            escape: refuseHtmlEscape,
            strict: true,
            destructuredLocals: ["v"],
        });
        compiled.set(filename, fn);
    }
    return fn;
}

/** Forget compiled templates (tests that edit templates; a WGHUB_TEMPLATES_DIR change). */
export function clearTemplateCache(): void {
    compiled.clear();
    ejs.clearCache();
}

// Interface names become file names, unit names and launchd labels.
const interfaceNamePattern = /^[A-Za-z0-9_=+.-]{1,15}$/;

function checkedContext(ctx: ScriptContext): ScriptContext {
    if (!interfaceNamePattern.test(ctx.interfaceName) || ctx.interfaceName.startsWith("-"))
        throw new UnquotableValue(`the interface name ${JSON.stringify(ctx.interfaceName)}`);
    if (!Number.isInteger(ctx.agentPort) || ctx.agentPort < 1 || ctx.agentPort > 65535)
        throw new UnquotableValue(`the agent port ${JSON.stringify(ctx.agentPort)}`);
    if (!Number.isInteger(ctx.persistentKeepalive) || ctx.persistentKeepalive < 0 || ctx.persistentKeepalive > 65535)
        throw new UnquotableValue(`the keepalive ${JSON.stringify(ctx.persistentKeepalive)}`);
    if (!/^https?:\/\/[^\s/?#]+$/.test(ctx.hubUrl.replace(/\/+$/, "")))
        throw new UnquotableValue(`the hub URL ${JSON.stringify(ctx.hubUrl)}`);
    if (ctx.pin !== null && !/^sha256\/\/[A-Za-z0-9+/]{43}=$/.test(ctx.pin))
        throw new UnquotableValue(`the pin ${JSON.stringify(ctx.pin)}`);
    // Values that the script writes into the WireGuard config, one line each.
    ctx.addresses.forEach(a => confSafe(a, "an address"));
    ctx.allowedIPs.forEach(a => confSafe(a, "an allowed IP"));
    ctx.dns.forEach(d => confSafe(d, "a DNS server"));
    confSafe(ctx.hubPublicKey, "the hub public key");
    confSafe(ctx.publicEndpoint, "the public endpoint");
    if (ctx.privateEndpoint !== null) confSafe(ctx.privateEndpoint, "the private endpoint");
    confSafe(ctx.hubAddress, "the hub tunnel address");
    if (ctx.cluster && (!Number.isInteger(ctx.cluster.usesLeft) || ctx.cluster.usesLeft < 0))
        throw new UnquotableValue(`the cluster token's uses left ${JSON.stringify(ctx.cluster.usesLeft)}`);
    return { ...ctx, hubUrl: ctx.hubUrl.replace(/\/+$/, "") };
}

/** The allowed-IPs entry holding the spoke's first address: the tunnel network (for Proxmox's migration network). */
export function tunnelNetworkOf(addresses: readonly string[], allowedIPs: readonly string[]): string {
    const first = addresses[0]?.split("/")[0];
    if (!first || !net.isIP(first)) return "";
    const family = net.isIPv4(first) ? "ipv4" : "ipv6";
    for (const cidr of allowedIPs) {
        const [base, bits] = cidr.split("/");
        const prefix = Number(bits);
        if (!base || net.isIP(base) === 0 || !Number.isInteger(prefix)) continue;
        if ((net.isIPv4(base) ? "ipv4" : "ipv6") !== family) continue;
        const list = new net.BlockList();
        try {
            list.addSubnet(base, prefix, family);
        } catch {
            continue;
        }
        if (list.check(first, family)) return cidr;
    }
    return "";
}

function quotedValues(ctx: ScriptContext, language: Language): Record<string, string> {
    const one = language === "sh" ? shQuote : psQuote;
    const many = language === "sh" ? shWords : psList;
    return {
        token: one(ctx.token),
        spokeName: one(ctx.spokeName),
        hubUrl: one(ctx.hubUrl),
        pin: one(ctx.pin ?? ""),
        interfaceName: one(ctx.interfaceName),
        addresses: many(ctx.addresses),
        hubPublicKey: one(ctx.hubPublicKey),
        publicEndpoint: one(ctx.publicEndpoint),
        privateEndpoint: one(ctx.privateEndpoint ?? ""),
        allowedIPs: many(ctx.allowedIPs),
        dns: many(ctx.dns),
        keepalive: one(String(ctx.persistentKeepalive)),
        hubTunnelAddress: one(ctx.hubAddress),
        // A cluster token's nodes get their addresses when they register: the hub's tunnel
        // address lies in the same network.
        tunnelNetwork: one(tunnelNetworkOf(ctx.addresses.length ? ctx.addresses : [ctx.hubAddress], ctx.allowedIPs)),
        agentPort: one(String(ctx.agentPort)),
        reenroll: one(ctx.reenroll ? "1" : "0"),
        clusterToken: one(ctx.cluster ? "1" : "0"),
        clusterName: one(ctx.cluster?.name ?? ""),
        clusterUsesLeft: one(String(ctx.cluster?.usesLeft ?? 0)),
        clusterEnrolledNodes: many(ctx.cluster?.enrolledNodes ?? []),
    };
}

export function renderInstallScript(platform: Platform, ctx: ScriptContext): RenderedScript {
    if (!isPlatform(platform)) throw new UnquotableValue(`the platform ${JSON.stringify(platform)}`);
    const checked = checkedContext(ctx);
    const language = languageOf[platform];
    const values = Object.freeze(quotedValues(checked, language));
    const body = template(platform)({ v: values });
    const name = fileNameSafe(ctx.spokeName);
    return language === "sh"
        ? { body, contentType: "application/x-sh", filename: `install-spoke-${name}.sh` }
        : { body, contentType: "text/plain; charset=utf-8", filename: `install-spoke-${name}.ps1` };
}

/** `Content-Disposition` for a rendered script. */
export function contentDisposition(script: RenderedScript): string {
    return `attachment; filename="${script.filename}"`;
}

/**
 * The command an admin pastes on the spoke. With a pin, nothing is sent before the
 * server's public key matches it: curl's --pinnedpubkey, or the PowerShell check below.
 */
export function installCommand(platform: Platform, scriptUrl: string, pin: string | null): string {
    if (platform === "windows") return windowsCommand(scriptUrl, pin);
    const tls = pin ? ` -k --pinnedpubkey ${shQuote(pin)}` : "";
    // https only, never downgraded by a redirect.
    const proto = scriptUrl.startsWith("https://") ? " --proto =https" : "";
    // The URL holds the token: curl reads it from its standard input (-K -), written there by
    // the shell's own printf, so it appears in no process's arguments (/proc/*/cmdline).
    const fetch = `printf 'url = "%s"\\n' ${shQuote(curlConfigSafe(scriptUrl))} | curl -fsSL${proto}${tls} -K -`;
    // Proxmox VE has no sudo by default and its shell is root's.
    return platform === "proxmox" ? `${fetch} | bash` : `${fetch} | sudo bash`;
}

/** A URL as a curl config value in double quotes: nothing there may end or escape it. */
function curlConfigSafe(url: string): string {
    if (!/^https?:\/\/[\x21-\x7e]+$/.test(url) || /["\\]/.test(url)) throw new UnquotableValue(`the script URL ${JSON.stringify(url)}`);
    return url;
}

// PowerShell 5.1 (.NET Framework) and 7 (.NET) share no API that hashes a certificate's
// SubjectPublicKeyInfo, and a scriptblock callback dies on a thread-pool thread. So the
// one-liner opens the TLS connection itself (SslStream calls the check on this thread),
// walks the certificate's DER to its SubjectPublicKeyInfo, compares the SHA-256 with the
// pin, and only then sends the HTTP/1.0 request that carries the token.
function windowsCommand(scriptUrl: string, pin: string | null): string {
    const url = psQuote(scriptUrl);
    if (!pin) {
        return "[Net.ServicePointManager]::SecurityProtocol='Tls12';"
            + `&([scriptblock]::Create((Invoke-WebRequest -UseBasicParsing -Uri ${url}).Content))`;
    }
    const spkiPinCheck = "{param($o,$c)$d=$c.GetRawCertData();$i=0;"
        + "$h={$l=$d[$i+1];$n=2;if($l -gt 127){$n+=$l-128;$l=0;for($j=2;$j -lt $n;$j++){$l=$l*256+$d[$i+$j]}};$n;$l};"
        + "$n,$l=&$h;$i+=$n;$n,$l=&$h;$i+=$n;"
        + "if($d[$i] -eq 160){$n,$l=&$h;$i+=$n+$l};"
        + "for($k=0;$k -lt 5;$k++){$n,$l=&$h;$i+=$n+$l};"
        + "$n,$l=&$h;"
        + "('sha256//'+[Convert]::ToBase64String([Security.Cryptography.SHA256]::Create().ComputeHash([byte[]]$d[$i..($i+$n+$l-1)]))) -ceq $p}";
    return "$ErrorActionPreference='Stop';"
        + `$u=[uri]${url};$p=${psQuote(pin)};`
        + "$t=New-Object Net.Sockets.TcpClient($u.DnsSafeHost,$u.Port);"
        + `$s=New-Object Net.Security.SslStream($t.GetStream(),$false,${spkiPinCheck});`
        + "try{$s.AuthenticateAsClient($u.DnsSafeHost,$null,[Security.Authentication.SslProtocols]'Tls12',$false)}"
        + "catch{$t.Close();throw 'The hub certificate does not match the pinned key: stopped before sending anything.'};"
        + "$w=New-Object IO.StreamWriter($s);$w.Write(\"GET $($u.PathAndQuery) HTTP/1.0`r`nHost: $($u.Authority)`r`n`r`n\");$w.Flush();"
        + "$r=(New-Object IO.StreamReader($s)).ReadToEnd();$t.Close();"
        + "$b=$r.Substring($r.IndexOf(\"`r`n`r`n\")+4);"
        + "if($r -notmatch '^HTTP/\\S+ 200 '){throw $b};"
        + "&([scriptblock]::Create($b))";
}
