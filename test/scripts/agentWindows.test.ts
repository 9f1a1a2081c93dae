// The Windows agent (PowerShell), without Windows: its grammar (tree-sitter-powershell), its
// patterns run against the bash agent's valid() on the same values, the paths by which a
// value from the hub reaches wg.exe, the conf or the routes (each through Test-HubValue
// first), and how the install script installs it, schedules it and removes it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { renderInstallScript, templatesDir } from "../../backend/scripts/render";
import { powershellProblems } from "./powershellSyntax";
import { baseContext, contexts } from "./scriptContexts";

const agentDir = path.join(templatesDir(), "agent");
const ps1 = fs.readFileSync(path.join(agentDir, "wireguard-hub-agent.ps1"), "utf8");
const sh = fs.readFileSync(path.join(agentDir, "wireguard-hub-agent.sh"), "utf8");

/** The text of `function NAME { … }` in BODY, up to its closing brace at the line start (past a here-string's end). */
function fn(body: string, name: string): string {
    const start = body.indexOf(`function ${name} {`);
    assert.ok(start >= 0, `function ${name}`);
    const end = body.indexOf("\n}\n", start);
    const hereString = body.indexOf("@'\n", start);
    const from = hereString >= 0 && hereString < end ? body.indexOf("\n'@\n", hereString) : start;
    return body.slice(start, body.indexOf("\n}\n", from) + 2);
}

/** The entries `kind = '<pattern>'` of the hashtable assigned to $NAME. */
function patternTable(name: string): Record<string, string> {
    const start = ps1.indexOf(`$${name} = @{`);
    assert.ok(start >= 0, `$${name}`);
    const block = ps1.slice(start, ps1.indexOf("\n}\n", start));
    const table: Record<string, string> = {};
    for (const m of block.matchAll(/^ {4}(\w+) = '([^']*)'$/gm)) table[m[1]!] = m[2]!;
    return table;
}

const patterns = patternTable("Patterns");
const kinds = ["revision", "name", "key", "ip", "cidr", "endpoint", "keepalive", "action", "hub"] as const;

/** Test-HubValue, as the agent runs it: a hub line is split at its first three commas (-split ',', 4), its name matched by the `hub` pattern, the rest by key, ip and endpoint. */
function psValid(kind: string, value: string): boolean {
    if (kind !== "hub") return new RegExp(patterns[kind]!).test(value);
    const m = /^([^,]*),([^,]*),([^,]*),([\s\S]*)$/.exec(value);
    return !!m && new RegExp(patterns.hub!).test(m[1]!) && psValid("key", m[2]!) && psValid("ip", m[3]!) && psValid("endpoint", m[4]!);
}

/** What the bash agent's valid() says of each [kind, value]. */
function bashValid(cases: [string, string][]): boolean[] {
    const start = sh.indexOf("\nipv4=");
    const validAt = sh.indexOf("\nvalid() {");
    const functions = sh.slice(start, sh.indexOf("\n}\n", validAt) + 3);
    const loop = `${functions}\nwhile IFS= read -r -d '' kind && IFS= read -r -d '' value; do if valid "$kind" "$value"; then echo 1; else echo 0; fi; done\n`;
    const input = cases.map(([k, v]) => `${k}\0${v}\0`).join("");
    return execFileSync("bash", ["-c", loop], { input, encoding: "utf8" }).trim().split("\n").map(x => x === "1");
}

const hubKey = "yq8jgqe04vJqd87p+wPyJKCdlNkn8T/Av8hTs0X7d2o=";
const canary = "C:\\Windows\\Temp\\wghub-canary";
const corpus = [
    // good values of each kind
    "0123456789abcdef", "branch 1", "web-1.paris_2", hubKey, "10.0.1.2", "255.255.255.255", "fd00:1::2", "::1", "2606:4700:4700::1111",
    "10.0.1.2/24", "0.0.0.0/0", "fd00:1::/64", "::/0", "hub.example.test:51820", "203.0.113.5:51820", "[2001:db8::1]:51820", "[fd12:3456::1]:65535",
    "h:1", "25", "0", "65535", "none", "rotate-key", "uninstall",
    // hostile or out of range
    "0123456789ABCDEF", "0123456789abcde", "../../etc/passwd", "x\u202eevil", "-n", "", " ", "10.0.1.2 ", "\t10.0.1.2",
    `$(Remove-Item ${canary})`, `1.1.1.1; Remove-Item ${canary}`, "1.1.1.1`whoami`", "1.1.1.1\r", "1.1.1.1\"", "1.1.1.1'", "1.1.1.1|calc",
    "10.0.1.2/24; touch /tmp/pwned", "$(touch /tmp/pwned)/24", "10.0.0.0/8 dev lo", "300.1.1.1/24", "10.0.1.2/33", "fd00::/129",
    "256.1.1.1", "1.2.3", "1.2.3.4.5", "hub.example.test:99999", "hub.example.test:0", "host;id:51820", "-host:51820", "host-:51820",
    "[2001:db8::1]", "2001:db8::1:51820x", "hub.example.test:51820\\nPostUp = x", "not-a-key", hubKey.replace("o=", "p="), hubKey.slice(1),
    "25 && reboot", "70000", "65536", "-1", "run-command", "None", "UNINSTALL", "none ", ":", ":/0", "a".repeat(64),
    `${"f".repeat(45)}:`, `${"f".repeat(44)}:`, `${"f".repeat(46)}:/64`, `${"f".repeat(45)}:/64`,
    // hub lines: good, then hostile or malformed
    `hub-b,${hubKey},10.0.1.3,hub-b.example.test:51820`, `a,${hubKey},fd00:1::3,[fd00:1::3]:51820`, `${"h".repeat(63)},${hubKey},10.0.1.1,203.0.113.5:1`,
    `hub-b,${hubKey},10.0.1.3,hub-b.example.test:51820; id`, `hub-b,${hubKey},10.0.1.3,hub-b.example.test:51820,x`, `hub-b,${hubKey},10.0.1.3,$(id):51820`,
    `Hub-B,${hubKey},10.0.1.3,hub-b.example.test:51820`, `-hub,${hubKey},10.0.1.3,hub-b.example.test:51820`, `hub_b,${hubKey},10.0.1.3,hub-b.example.test:51820`,
    `${"h".repeat(64)},${hubKey},10.0.1.3,hub-b.example.test:51820`, `hub b,${hubKey},10.0.1.3,hub-b.example.test:51820`, `,${hubKey},10.0.1.3,hub-b.example.test:51820`,
    `hub-b,not-a-key,10.0.1.3,hub-b.example.test:51820`, `hub-b,${hubKey.replace("o=", "p=")},10.0.1.3,hub-b.example.test:51820`, `hub-b,,10.0.1.3,hub-b.example.test:51820`,
    `hub-b,${hubKey},10.0.1.3`, `hub-b,${hubKey},10.0.1.3,`, `hub-b,${hubKey},,hub-b.example.test:51820`, `hub-b,${hubKey},10.0.1.3/32,hub-b.example.test:51820`,
    `hub-b,${hubKey},10.0.1.3,hub-b.example.test:0`, `hub-b ${hubKey} 10.0.1.3 hub-b.example.test:51820`, `hub-b,${hubKey},10.0.1.3,hub-b.example.test:51820\r`,
    `hub-b;id,${hubKey},10.0.1.3,hub-b.example.test:51820`, "hub-b", "hub-b,,,", ",,,",
];

describe("the Windows agent", () => {
    it("is valid PowerShell, plain ASCII, and safe to carry in the install script's here-string", async () => {
        assert.deepEqual(await powershellProblems(ps1), []);
        assert.match(ps1, /^[\t\n\r -~]*$/, "ASCII only: Windows PowerShell reads a file without a BOM in the ANSI code page");
        assert.doesNotMatch(ps1, /<%/, "nothing a template would fill in");
        assert.doesNotMatch(ps1, /^'@/m, "no line ends the here-string early");
    });

    it("has a pattern for each kind the bash agent checks, and they agree with bash's valid() value by value", () => {
        assert.deepEqual(Object.keys(patterns).sort(), [...kinds].sort());
        const cases: [string, string][] = kinds.flatMap(kind => corpus.map(value => [kind, value] as [string, string]));
        const bash = bashValid(cases);
        assert.equal(bash.length, cases.length);
        assert.ok(bash.filter(Boolean).length >= 20 && bash.filter(x => !x).length >= 300, "bash took the good values and refused the others");
        const disagree = cases.map(([kind, value], i) => (psValid(kind, value) === bash[i] ? "" : `${kind} ${JSON.stringify(value)}: bash ${bash[i]}`))
            .filter(Boolean);
        assert.deepEqual(disagree, []);
        const hubCases = cases.map(([kind], i) => [kind, bash[i]] as const).filter(([kind]) => kind === "hub");
        assert.equal(hubCases.filter(([, ok]) => ok).length, 3, "the three good hub lines, and nothing else, are taken");
        // And they take what a hub sends: the install scripts' own test values.
        for (const ctx of Object.values(contexts)) {
            for (const a of [...ctx.addresses, ...ctx.allowedIPs]) assert.match(a, new RegExp(patterns.cidr!), a);
            for (const e of [ctx.publicEndpoint, ...(ctx.privateEndpoint ? [ctx.privateEndpoint] : [])]) assert.match(e, new RegExp(patterns.endpoint!), e);
        }
        // Leading zeros, which bash's arithmetic takes and no hub sends: refused here, never taken where bash refuses.
        for (const [kind, value] of [["keepalive", "00025"], ["endpoint", "h:051820"]] as const) assert.doesNotMatch(value, new RegExp(patterns[kind]!));
        // A hub line of three fields whose last is both an IP and an endpoint: bash's split gives
        // that field to both, and no hub sends one. Refused here.
        const threeFields = `hub-b,${hubKey},fd00:51820`;
        assert.deepEqual(bashValid([["hub", threeFields]]), [true]);
        assert.equal(psValid("hub", threeFields), false);
        // Test-HubValue splits as psValid above does.
        const test = fn(ps1, "Test-HubValue");
        assert.match(test, /if \(\$Kind -eq 'hub'\) \{\n\s+\$fields = \$Value -split ',', 4\n\s+if \(\$fields\.Count -ne 4 -or -not \(\$fields\[0\] -cmatch \$pattern\)\) \{\n\s+return \$false/);
        assert.match(test, /return \(\(Test-HubValue 'key' \$fields\[1\]\) -and \(Test-HubValue 'ip' \$fields\[2\]\) -and \(Test-HubValue 'endpoint' \$fields\[3\]\)\)/);
    });

    it("no value from the hub is used before Test-HubValue has matched it (case-sensitively)", () => {
        // The answer's text goes to Read-HubConfig only.
        assert.deepEqual([...ps1.matchAll(/\$answer\.Content/g)].length, 1);
        assert.match(ps1, /\$config = Read-HubConfig \$answer\.Content\n/);
        const read = fn(ps1, "Read-HubConfig");
        const check = read.indexOf("if (-not (Test-HubValue $kind $value)) {\n            Stop-Agent (");
        assert.ok(check > 0, "each line's value is checked, and a bad one stops the agent");
        const stores = [...read.matchAll(/\$config\.\w+(\.Add\(\$value\)| = \$value)/g)];
        assert.equal(stores.length, 11, "one store per key");
        assert.match(read, /'hub' \{ \$kind = 'hub' \}/);
        for (const s of stores) assert.ok(s.index > check, `${s[0]} comes after the check`);
        assert.ok(!read.slice(0, check).includes("$config."), "nothing stored before the check");
        // The kind of a key is fixed by its name: no value picks its own pattern.
        assert.match(read, /\$kind = ''\n\s+switch -CaseSensitive \(\$key\) \{/);
        // Test-HubValue matches the whole value, case-sensitively; every pattern is anchored.
        assert.match(fn(ps1, "Test-HubValue"), /return \(\$Value -cmatch \$pattern\)/);
        for (const [kind, p] of Object.entries(patterns)) assert.ok(p.startsWith("^") && p.endsWith("$"), kind);
        assert.doesNotMatch(ps1, /\s-(i?match|like|eq)\s+\$Patterns/, "no case-insensitive comparison with a pattern");
        // The agent's own settings and what wg.exe reports are checked the same way.
        for (const name of ["AgentUrl", "InterfaceName", "ConfFile"]) {
            assert.match(fn(ps1, "Read-Settings"), new RegExp(`if \\(\\$value -cmatch \\$SettingPatterns\\.\\w+\\) \\{\\n\\s+\\$script:${name} = \\$value`));
        }
        assert.match(fn(ps1, "Invoke-Cycle"), /if \(-not \(Test-HubValue 'key' \$publicKey\)\)/);
        assert.match(fn(ps1, "Invoke-Cycle"), /if \(-not \(Test-HubValue 'key' \$privateKey\)\)/);
    });

    it("hub lines reach wg.exe, the conf and the hubs file only from the checked config or through Test-HubValue", () => {
        // Split-Hub takes a config's hub line (stored after the check) or a hubs file line it checked.
        const splits = [...ps1.matchAll(/(?<!function )Split-Hub (\S+)/g)].map(m => m[1]!);
        assert.equal(splits.length, 4);
        for (const arg of splits) assert.match(arg, /^(\$Config\.Hubs\[(0|\$i)\](\)\.Name\))?|\$value\)\))$/, arg);
        const list = fn(ps1, "Get-HubList");
        assert.ok(list.indexOf("if (Test-HubValue 'hub' $value) {") >= 0 && list.indexOf("if (Test-HubValue 'hub' $value) {") < list.indexOf("Split-Hub $value"));
        assert.match(list, /return ,\$hubs/, "the list itself, even of one hub");
        // The hubs file's first line becomes the agent's URL only as a checked IP in a URL the settings' pattern takes.
        const settings = fn(ps1, "Read-Settings");
        assert.match(settings, /if \(\$fields\.Count -ge 3 -and \(Test-HubValue 'ip' \$fields\[2\]\)\) \{\n\s+\$url = 'http:\/\/' \+ \$fields\[2\] \+ ':' \+ \$script:AgentPort\n\s+if \(\$url -cmatch \$SettingPatterns\.AGENT_URL\) \{\n\s+\$script:AgentUrl = \$url/);
        // The current hub's peer, created when missing with several hubs; every other hub a standby peer with no allowed IPs.
        const peer = fn(ps1, "Read-Peer");
        assert.match(peer, /if \(\$null -eq \$found -and \$Config\.Hubs\.Count -gt 1\) \{\n.*\n\s+Invoke-Native \$WgExe @\('set', \$script:InterfaceName, 'peer', \$Config\.HubPublicKey, 'endpoint', \$Config\.Endpoint, 'allowed-ips', \(\$Config\.AllowedIPs -join ','\)\)/);
        const standby = fn(ps1, "Update-StandbyPeers");
        assert.match(standby, /for \(\$i = 1; \$i -lt \$Config\.Hubs\.Count; \$i\+\+\) \{\n\s+\$hub = Split-Hub \$Config\.Hubs\[\$i\]/);
        assert.match(standby, /@\('set', \$script:InterfaceName, 'peer', \$hub\.Key, 'endpoint', \$hub\.Endpoint, 'persistent-keepalive', \$Config\.Keepalive, 'allowed-ips', \$NoAllowedIPs\)/);
        assert.match(standby, /Write-HubsFile \$lines/);
        assert.match(fn(ps1, "Invoke-Cycle"), /\$endpoint = Update-Peer \$config \$peer\n\s+Update-StandbyPeers \$config\n/);
        // Windows PowerShell would drop an empty argument, and wg.exe would take the next word as the allowed IPs.
        assert.doesNotMatch(ps1, /'allowed-ips', (''|"")/);
        assert.match(ps1, /\$NoAllowedIPs = '""'\n/);
        // The conf: a [Peer] per standby hub, with no AllowedIPs.
        const conf = fn(ps1, "Write-Conf");
        const block = conf.slice(conf.indexOf("for ($i = 1; $i -lt $Config.Hubs.Count; $i++) {"));
        assert.match(block, /\$hub = Split-Hub \$Config\.Hubs\[\$i\]\n\s+\$lines\.Add\(''\)\n\s+\$lines\.Add\('\[Peer\]'\)/);
        assert.doesNotMatch(block.slice(0, block.indexOf("$text =")), /AllowedIPs/);
    });

    it("-Watch: every 5 s with several hubs; after 3 misses the routes move in one wg.exe set, and come back unless that hub takes the spoke", () => {
        assert.match(ps1, /\[switch\]\$Watch,/);
        assert.match(ps1, /if \(\$Watch\) \{\n\s+Invoke-Watch\n\s+exit 0\n\}/);
        const watch = fn(ps1, "Invoke-Watch");
        assert.match(watch, /if \(\$hubs\.Count -lt 2\) \{\n\s+Start-Sleep -Seconds 30\n\s+continue/);
        assert.match(watch, /if \(\$misses -ge 3 -and \(Test-HubValue 'key' \$script:PublicKey\)\)/);
        assert.match(watch, /Start-Sleep -Seconds 5\n\s+\}\n\}/);
        assert.match(watch, /if \(-not \(Test-Path -LiteralPath \$SettingsFile\)\) \{/, "ends once the spoke was uninstalled");
        assert.match(fn(ps1, "Test-HubAnswers"), /Test-Connection -ComputerName \$Address -Count 1 -Quiet/);
        assert.match(fn(ps1, "Test-HubAnswers"), /\$client\.BeginConnect\(\$Address, \[int\]\$script:AgentPort/);
        // One wg.exe set moves the routes (checked CIDRs from wg.exe's own dump) to the new peer and empties the old one.
        const move = fn(ps1, "Move-Routes");
        assert.equal([...move.matchAll(/Invoke-Native \$WgExe/g)].length, 1);
        assert.match(move, /@\('set', \$script:InterfaceName, 'peer', \$To\.Key, 'allowed-ips', \(\$routes -join ','\), 'peer', \$From\.Key, 'allowed-ips', \$NoAllowedIPs\)/);
        assert.match(move, /Test-HubValue 'cidr' \$_/);
        const failover = fn(ps1, "Invoke-Failover");
        const order = ["Move-Routes $from $to", "for ($try = 0; $try -lt 10; $try++)", "if (Test-TakesSpoke $to.Address)", "Write-HubsFile ($first + $rest)",
            "'-File', $PSCommandPath, '-Once'", "return $true", "Start-Sleep -Seconds 3", "Move-Routes $to $from"].map(x => failover.indexOf(x));
        assert.ok(order.every(i => i >= 0), order.join(","));
        assert.deepEqual([...order].sort((a, b) => a - b), order);
        // The new hub is asked with the spoke's key, as every request is.
        assert.match(fn(ps1, "Test-TakesSpoke"), /\$answer = Invoke-AgentRequest 'GET' '\/agent\/v1\/config' '' '' 5\n\s+return \(\$answer\.Status -eq 200\)/);
    });

    it("runs nothing the hub could name: wg.exe and wireguard.exe with one argument per value, no expression evaluation", () => {
        for (const danger of [/Invoke-Expression/i, /\biex\b/i, /\[scriptblock\]/i, /Start-Process/i, /Add-Type/i, /cmd(\.exe)?\s+\/c/i, /\.Invoke\(/, /ExpandString/i])
            assert.doesNotMatch(ps1, danger, String(danger));
        // Native programs: only wg.exe and wireguard.exe, from Program Files.
        const natives = [...ps1.matchAll(/& (\$\w+)/g)].map(m => m[1]);
        assert.deepEqual([...new Set(natives)].sort(), ["$Exe", "$WgExe", "$WireGuardExe"]);
        for (const m of ps1.matchAll(/Invoke-Native (\$\w+)/g)) assert.ok(["$WgExe", "$WireGuardExe", "$PowerShellExe"].includes(m[1]!), m[0]);
        assert.match(ps1, /\$WgExe = Join-Path \$WireGuardDir 'wg\.exe'/);
        // -Watch runs a cycle after a move in its own Windows PowerShell, on this very file.
        assert.match(ps1, /\$PowerShellExe = Join-Path \$env:SystemRoot 'System32\\WindowsPowerShell\\v1\.0\\powershell\.exe'/);
        assert.deepEqual([...ps1.matchAll(/Invoke-Native \$PowerShellExe (.*)/g)].map(m => m[1]),
            ["@('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', $PSCommandPath, '-Once') | ForEach-Object { Write-Host $_ }"]);
        // Arguments go as an array, one element each: never a command line built from strings.
        for (const m of ps1.matchAll(/Invoke-Native \$\w+ (.*)/g)) assert.match(m[1]!, /^@\(/, m[0]);
        // The HTTP requests: basic parsing, the spoke's key in its header, the hub's address from the checked settings.
        const request = fn(ps1, "Invoke-AgentRequest");
        assert.equal([...request.matchAll(/Invoke-WebRequest -UseBasicParsing /g)].length, 2);
        assert.match(request, /'X-WireGuard-Public-Key' = \$script:PublicKey/);
        assert.match(request, /\$uri = \$script:AgentUrl \+ \$Path/);
    });

    it("restarts the tunnel only for addresses or DNS, and says so", () => {
        const cycle = fn(ps1, "Invoke-Cycle");
        assert.equal([...ps1.matchAll(/\$restart = \$true/g)].length, 2);
        assert.match(cycle, /addresses: ' \+ \$addresses \+ ' \(the tunnel restarts to take them\)/);
        assert.match(cycle, /DNS: ' \+ \$shown \+ ' \(the tunnel restarts to take it\)/);
        assert.match(cycle, /if \(\$restart\) \{\n\s+Write-Host \(' {2}restarting the tunnel service/);
        assert.match(fn(ps1, "Restart-Tunnel"), /& \$WireGuardExe \/installtunnelservice \$script:ConfFile/);
        // Peer changes go live through wg.exe set.
        const peer = fn(ps1, "Update-Peer");
        for (const what of ["allowed-ips", "endpoint", "persistent-keepalive"]) assert.match(peer, new RegExp(`@\\('set', \\$script:InterfaceName, 'peer', \\$Config\\.HubPublicKey, '${what}'`));
        // The conf: written new in the protected folder, then moved over the old one.
        const conf = fn(ps1, "Write-Conf");
        assert.ok(conf.indexOf("WriteAllText($temp") < conf.indexOf("Move-Item -LiteralPath $temp -Destination $script:ConfFile -Force"));
        assert.match(conf, /\$temp = Join-Path \$AgentDir/);
    });

    it("uninstall: only once the hub confirms; removes the tunnel service, the files and the task", () => {
        const un = fn(ps1, "Invoke-AgentUninstall");
        const order = ["'/agent/v1/uninstalled'", "if ($answer.Status -ne 200)", "/uninstalltunnelservice", "Remove-Item -LiteralPath $script:ConfFile",
            "Remove-Item -LiteralPath $StateDir", "Remove-Item -LiteralPath $SettingsFile", "Remove-Item -LiteralPath $PSCommandPath",
            "Unregister-ScheduledTask -TaskName $WatchTaskName", "Unregister-ScheduledTask -TaskName $AgentTaskName"].map(s => un.indexOf(s));
        assert.ok(order.every(i => i >= 0), order.join(","));
        assert.deepEqual([...order].sort((a, b) => a - b), order);
    });
});

describe("the Windows install script and the agent", () => {
    const body = renderInstallScript("windows", baseContext).body;

    it("carries the agent verbatim in a literal here-string and stays valid PowerShell", async () => {
        assert.ok(body.includes(`    $agent = @'\n${ps1}'@\n`), "the agent whole, between @' and '@");
        assert.deepEqual(await powershellProblems(body), []);
    });

    it("writes the agent and its settings into the protected folder, then registers a task that runs it as SYSTEM every minute", () => {
        const install = fn(body, "Install-Agent");
        assert.match(install, /Write-ProtectedFile \$AgentFile \$agent/);
        assert.match(install, /Write-ProtectedFile \$AgentSettingsFile \('AGENT_URL=http:\/\/' \+ \$HubTunnelAddress \+ ':' \+ \$AgentPort \+ "`r`nWG_IF=" \+ \$InterfaceName \+ "`r`nCONF_FILE=" \+ \$ConfFile/);
        const write = fn(body, "Write-ProtectedFile");
        const steps = ["WriteAllText($temp", "Set-TrustedOwner $temp", "Protect-Path $temp $false", "Move-Item -LiteralPath $temp -Destination $Path -Force"].map(s => write.indexOf(s));
        assert.ok(steps.every(i => i >= 0) && steps.every((v, i) => i === 0 || v > steps[i - 1]!), steps.join(","));
        assert.match(body, /\$AgentFile = Join-Path \$ConfDir 'wireguard-hub-agent\.ps1'/);
        assert.match(body, /\$ConfDir = Join-Path \$env:ProgramData 'WireGuardHub'/);
        assert.match(install, /New-ScheduledTaskAction -Execute \$powershell -Argument \('-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "' \+ \$AgentFile \+ '" -Once'\)/);
        assert.match(install, /\$powershell = Join-Path \$env:SystemRoot 'System32\\WindowsPowerShell\\v1\.0\\powershell\.exe'/);
        assert.match(install, /New-ScheduledTaskTrigger -Once -At \(Get-Date\)\.AddMinutes\(1\) -RepetitionInterval \(New-TimeSpan -Minutes 1\)/);
        assert.match(install, /New-ScheduledTaskPrincipal -UserId 'NT AUTHORITY\\SYSTEM' -LogonType ServiceAccount -RunLevel Highest/);
        assert.match(install, /-MultipleInstances IgnoreNew/);
        assert.match(install, /Register-ScheduledTask -TaskName \$AgentTaskName -Action \$action -Trigger \$trigger -Principal \$principal -Settings \$settings .* -Force/);
        assert.match(body, /\$AgentTaskName = 'WireGuardHub Agent'/);
        assert.match(ps1, /\$AgentTaskName = 'WireGuardHub Agent'/, "the agent removes the task the script made");
        // After the protected folder exists, the tunnel service is installed and the endpoint chosen
        // (the conf is final: the agent's runs rewrite it from what is applied).
        const enroll = fn(body, "Invoke-Enrollment");
        for (const before of ["New-ProtectedFolder", "/installtunnelservice", "Write-Conf $privateKey $endpoint\n        if (-not (Wait-Handshake))"])
            assert.ok(enroll.indexOf(before) > 0 && enroll.indexOf(before) < enroll.indexOf("Install-Agent"), before);
    });

    it("writes settings the agent takes: the conf path and hub address match its patterns", () => {
        const settings = patternTable("SettingPatterns");
        for (const ctx of Object.values(contexts)) {
            assert.match(`C:\\ProgramData\\WireGuardHub\\${ctx.interfaceName}.conf`, new RegExp(settings.CONF_FILE!));
            assert.match(ctx.interfaceName, new RegExp(settings.WG_IF!));
            if (!ctx.hubAddress.includes(":")) assert.match(`http://${ctx.hubAddress}:${ctx.agentPort}`, new RegExp(settings.AGENT_URL!));
        }
        assert.match(body, /^\$AgentPort = '51823'$/m);
    });

    it("registers the watch task: -Watch from boot as SYSTEM, restarted on a failure, no time limit, started now", () => {
        const install = fn(body, "Install-Agent");
        assert.match(body, /^\$WatchTaskName = 'WireGuardHub Agent Watch'$/m);
        assert.match(ps1, /^\$WatchTaskName = 'WireGuardHub Agent Watch'$/m, "the agent removes the watch task the script made");
        const steps = [
            "if (Get-ScheduledTask -TaskName $WatchTaskName -ErrorAction SilentlyContinue) {\n        Stop-ScheduledTask -TaskName $WatchTaskName\n    }",
            "$watchAction = New-ScheduledTaskAction -Execute $powershell -Argument ('-NoProfile -NonInteractive -ExecutionPolicy Bypass -File \"' + $AgentFile + '\" -Watch')",
            "$watchTrigger = New-ScheduledTaskTrigger -AtStartup",
            "$watchSettings = New-ScheduledTaskSettingsSet -MultipleInstances IgnoreNew -ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 999 -RestartInterval (New-TimeSpan -Minutes 1)",
            "Register-ScheduledTask -TaskName $WatchTaskName -Action $watchAction -Trigger $watchTrigger -Principal $principal -Settings $watchSettings ",
            "Start-ScheduledTask -TaskName $WatchTaskName",
        ].map(s => install.indexOf(s));
        assert.ok(steps.every(i => i >= 0), steps.join(","));
        assert.deepEqual([...steps].sort((a, b) => a - b), steps);
        // The same SYSTEM principal as the minute task, defined before both.
        assert.ok(install.indexOf("$principal = New-ScheduledTaskPrincipal -UserId 'NT AUTHORITY\\SYSTEM'") < steps[4]!);
    });

    it("-Uninstall removes the tasks and the agent's files too", () => {
        const remove = fn(body, "Remove-Agent");
        assert.match(remove, /Unregister-ScheduledTask -TaskName \$AgentTaskName -Confirm:\$false/);
        assert.match(remove, /Stop-ScheduledTask -TaskName \$WatchTaskName -ErrorAction SilentlyContinue\n\s+Unregister-ScheduledTask -TaskName \$WatchTaskName -Confirm:\$false/);
        assert.match(remove, /foreach \(\$path in @\(\$AgentFile, \$AgentSettingsFile, \$AgentStateDir\)\)/);
        assert.match(remove, /Remove-Item -LiteralPath \$path -Recurse -Force/);
        assert.match(fn(body, "Invoke-Uninstall"), /Remove-Agent\n/);
        assert.match(body, /\$AgentStateDir = Join-Path \$ConfDir 'agent-state'/);
        assert.match(ps1, /\$StateDir = Join-Path \$AgentDir 'agent-state'/, "the same folder the agent keeps its state in");
    });
});
