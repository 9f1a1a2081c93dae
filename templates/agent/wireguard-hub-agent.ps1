# wireguard-hub-agent: keeps this Windows spoke's WireGuard tunnel as its hub wants it.
#   wireguard-hub-agent.ps1 -Once    one cycle: ask the hub (inside the tunnel), apply what
#                                    changed, report; exit 0 when the spoke is current
#   wireguard-hub-agent.ps1 -Watch   with several hubs: check the spoke's hub every few seconds
#                                    and move the routes to another hub's peer when it stops
#                                    answering (runs until stopped; idle with one hub)
# Run every minute as SYSTEM by the scheduled task "WireGuardHub Agent"; -Watch from boot by
# the task "WireGuardHub Agent Watch". The hub is asked through the tunnel only; what it
# answers is checked value by value against the same patterns as the bash agent and never run
# as code. The agent can change this spoke's tunnel (routes, addresses, DNS, the hub's
# endpoint and keepalive, a standby peer per other hub), make it a new key pair, and remove
# the tunnel and itself when the admin asks; nothing else.
# Windows PowerShell 5.1 runs it: nothing here needs PowerShell 7.
[CmdletBinding()]
param(
    [switch]$Once,
    [switch]$Watch,
    [switch]$Version
)
$ErrorActionPreference = 'Stop'

$AgentVersion = '1.0.0'
$AgentDir = Join-Path $env:ProgramData 'WireGuardHub'
$SettingsFile = Join-Path $AgentDir 'agent.conf'
$StateDir = Join-Path $AgentDir 'agent-state'
$AgentTaskName = 'WireGuardHub Agent'
$WatchTaskName = 'WireGuardHub Agent Watch'
$HubsFile = Join-Path $StateDir 'hubs'
$PowerShellExe = Join-Path $env:SystemRoot 'System32\WindowsPowerShell\v1.0\powershell.exe'
$WireGuardDir = Join-Path $env:ProgramFiles 'WireGuard'
$WgExe = Join-Path $WireGuardDir 'wg.exe'
$WireGuardExe = Join-Path $WireGuardDir 'wireguard.exe'
# The install script's marker: a conf the agent rewrote is still the script's to replace or remove.
$ConfMarker = '# Managed by wireguard-hub'
# "No allowed IPs" for wg.exe: Windows PowerShell (and 7 before 7.3) drops an empty argument
# to a native program, and passes '""' as one empty argument.
$NoAllowedIPs = '""'
if ((Get-Variable -Name PSNativeCommandArgumentPassing -ErrorAction SilentlyContinue) -and $PSNativeCommandArgumentPassing -ne 'Legacy') {
    $NoAllowedIPs = ''
}

$script:AgentUrl = ''
$script:AgentPort = ''
$script:InterfaceName = ''
$script:ConfFile = ''
$script:PublicKey = ''
$script:Revision = ''
$script:Changes = New-Object Collections.Generic.List[string]

# ---- patterns: each value from the hub must match its kind's whole pattern ----------------
# Compared with -cmatch (PowerShell's -match ignores case). The same kinds as the bash agent's
# valid(); test/scripts/agentWindows.test.ts runs both on the same values.
$Patterns = @{
    revision = '^[0-9a-f]{16}$'
    name = '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$'
    key = '^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$'
    ip = '^(?:((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])|(?=[0-9A-Fa-f:.]{1,45}$)[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*)$'
    cidr = '^(?:((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])/([0-9]|[12][0-9]|3[0-2])|(?=[0-9A-Fa-f:./]{1,49}$)[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*/([0-9]{1,2}|1[01][0-9]|12[0-8]))$'
    endpoint = '^(?:[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*\]):(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})$'
    keepalive = '^(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})$'
    action = '^(none|rotate-key|uninstall)$'
    # A hub=name,key,address,endpoint line: this is its name's pattern; Test-HubValue checks the rest.
    hub = '^[a-z0-9][a-z0-9-]{0,62}$'
}

# The agent's own settings, written at enrollment: where the hub is, the tunnel and its conf.
$SettingPatterns = @{
    AGENT_URL = '^http://[0-9.]+:[0-9]{1,5}$'
    WG_IF = '^[A-Za-z0-9_.-]{1,15}$'
    CONF_FILE = '^[A-Za-z]:\\[A-Za-z0-9_. \\-]+\.conf$'
}

function Test-HubValue {
    param([string]$Kind, [string]$Value)
    $pattern = $Patterns[$Kind]
    if (-not $pattern) {
        return $false
    }
    if ($Kind -eq 'hub') {
        $fields = $Value -split ',', 4
        if ($fields.Count -ne 4 -or -not ($fields[0] -cmatch $pattern)) {
            return $false
        }
        return ((Test-HubValue 'key' $fields[1]) -and (Test-HubValue 'ip' $fields[2]) -and (Test-HubValue 'endpoint' $fields[3]))
    }
    return ($Value -cmatch $pattern)
}

# A hub line Test-HubValue took: @{ Name; Key; Address; Endpoint }.
function Split-Hub {
    param([string]$Value)
    $fields = $Value -split ',', 4
    return @{ Name = $fields[0]; Key = $fields[1]; Address = $fields[2]; Endpoint = $fields[3] }
}

function Write-Change {
    param([string]$Text)
    $script:Changes.Add($Text)
    Write-Host ('  ' + $Text)
}

# Printable ASCII only, at most $Max characters: what a report may carry.
function Get-Printable {
    param([string]$Text, [int]$Max)
    $clean = ([string]$Text) -replace '[^\x20-\x7e]', ''
    if ($clean.Length -gt $Max) {
        $clean = $clean.Substring(0, $Max)
    }
    return $clean
}

function Stop-Agent {
    param([string]$Message)
    Write-Host ('wireguard-hub-agent: ' + $Message)
    try {
        Send-Report ('error: ' + $Message)
    }
    catch {
        Write-Verbose 'the error could not be reported'
    }
    exit 1
}

# Windows PowerShell turns a native command's stderr into a terminating error under 'Stop'.
function Invoke-Native {
    param([string]$Exe, [string[]]$Arguments)
    $ErrorActionPreference = 'Continue'
    $output = & $Exe @Arguments 2>$null
    return $output
}

function Read-Settings {
    if (-not (Test-Path -LiteralPath $SettingsFile)) {
        Write-Host ('wireguard-hub-agent: ' + $SettingsFile + ' is missing: re-enroll this spoke.')
        exit 1
    }
    foreach ($line in (Get-Content -LiteralPath $SettingsFile)) {
        $at = $line.IndexOf('=')
        if ($at -lt 1) {
            continue
        }
        $key = $line.Substring(0, $at)
        $value = $line.Substring($at + 1)
        switch -CaseSensitive ($key) {
            'AGENT_URL' {
                if ($value -cmatch $SettingPatterns.AGENT_URL) {
                    $script:AgentUrl = $value
                }
            }
            'WG_IF' {
                if ($value -cmatch $SettingPatterns.WG_IF) {
                    $script:InterfaceName = $value
                }
            }
            'CONF_FILE' {
                if ($value -cmatch $SettingPatterns.CONF_FILE) {
                    $script:ConfFile = $value
                }
            }
        }
    }
    if (-not $script:AgentUrl -or -not $script:InterfaceName -or -not $script:ConfFile) {
        Write-Host ('wireguard-hub-agent: ' + $SettingsFile + ' lacks AGENT_URL, WG_IF or CONF_FILE (or holds a bad value): re-enroll this spoke.')
        exit 1
    }
    $script:AgentPort = $script:AgentUrl.Substring($script:AgentUrl.LastIndexOf(':') + 1)
    # With several hubs, the one this spoke is on now (the first line of the hubs file).
    if (Test-Path -LiteralPath $HubsFile) {
        $fields = ([string](Get-Content -LiteralPath $HubsFile -TotalCount 1)) -split ' '
        if ($fields.Count -ge 3 -and (Test-HubValue 'ip' $fields[2])) {
            $url = 'http://' + $fields[2] + ':' + $script:AgentPort
            if ($url -cmatch $SettingPatterns.AGENT_URL) {
                $script:AgentUrl = $url
            }
        }
    }
}

# ---- talking to the hub ---------------------------------------------------------------
# One request to the agent API; @{ Status; Content }. Status 0: the hub was not reached.
function Invoke-AgentRequest {
    param([string]$Method, [string]$Path, [string]$Body, [string]$Revision, [int]$TimeoutSec = 30)
    $headers = @{ 'X-WireGuard-Public-Key' = $script:PublicKey }
    if ($Revision) {
        $headers['If-None-Match'] = '"' + $Revision + '"'
    }
    $uri = $script:AgentUrl + $Path
    try {
        if ($Method -eq 'GET') {
            $response = Invoke-WebRequest -UseBasicParsing -Method Get -Uri $uri -Headers $headers -TimeoutSec $TimeoutSec
        }
        else {
            $bytes = [Text.Encoding]::UTF8.GetBytes($Body)
            $response = Invoke-WebRequest -UseBasicParsing -Method Post -Uri $uri -Headers $headers -Body $bytes -ContentType 'text/plain' -TimeoutSec $TimeoutSec
        }
        $content = $response.Content
        if ($content -is [byte[]]) {
            $content = [Text.Encoding]::UTF8.GetString($content)
        }
        return @{ Status = [int]$response.StatusCode; Content = [string]$content }
    }
    catch {
        # PowerShell 5.1 and 7 both throw for a 304 and for errors; the status is on the response.
        $failed = $_.Exception.Response
        if ($null -ne $failed) {
            return @{ Status = [int]$failed.StatusCode; Content = '' }
        }
        return @{ Status = 0; Content = '' }
    }
}

# Tells the hub what this cycle did, only when it differs from the last report.
function Send-Report {
    param([string]$Result)
    if (-not $script:PublicKey -or -not $script:AgentUrl) {
        return
    }
    $os = 'Windows ' + [Environment]::OSVersion.Version.ToString()
    $wgVersion = [string](Invoke-Native $WgExe @('--version'))
    $body = 'version=' + $AgentVersion + "`n" +
        'os=' + (Get-Printable $os 100) + "`n" +
        'kernel=' + (Get-Printable ([Environment]::OSVersion.VersionString) 100) + "`n" +
        'wireguard=' + (Get-Printable $wgVersion 60) + "`n" +
        'result=' + (Get-Printable $Result 200) + "`n" +
        'revision=' + $script:Revision + "`n"
    $last = Join-Path $StateDir 'reported'
    if ((Test-Path -LiteralPath $last) -and ([IO.File]::ReadAllText($last) -ceq $body)) {
        return
    }
    $answer = Invoke-AgentRequest 'POST' '/agent/v1/report' $body ''
    if ($answer.Status -eq 200) {
        [IO.File]::WriteAllText($last, $body)
    }
}

# ---- the config: key=value lines, each value checked by its own pattern ----------------
# The whole answer is refused at its first bad value; a key this agent does not know is
# skipped (a newer hub's setting).
function Read-HubConfig {
    param([string]$Text)
    $config = @{
        Revision = ''; Name = ''; HubPublicKey = ''; Endpoint = ''; PrivateEndpoint = ''; Keepalive = ''; Action = ''
        Addresses = New-Object Collections.Generic.List[string]
        Dns = New-Object Collections.Generic.List[string]
        AllowedIPs = New-Object Collections.Generic.List[string]
        Hubs = New-Object Collections.Generic.List[string]
    }
    foreach ($line in ($Text -split "`n")) {
        if ($line -eq '') {
            continue
        }
        $at = $line.IndexOf('=')
        if ($at -lt 1) {
            continue
        }
        $key = $line.Substring(0, $at)
        $value = $line.Substring($at + 1)
        $kind = ''
        switch -CaseSensitive ($key) {
            'revision' { $kind = 'revision' }
            'name' { $kind = 'name' }
            'address' { $kind = 'cidr' }
            'allowed_ip' { $kind = 'cidr' }
            'dns' { $kind = 'ip' }
            'hub_address' { $kind = 'ip' }
            'hub_public_key' { $kind = 'key' }
            'endpoint' { $kind = 'endpoint' }
            'private_endpoint' { $kind = 'endpoint' }
            'keepalive' { $kind = 'keepalive' }
            'action' { $kind = 'action' }
            'hub' { $kind = 'hub' }
        }
        if (-not $kind) {
            continue
        }
        if (-not (Test-HubValue $kind $value)) {
            Stop-Agent ('the hub sent a value this agent refuses for ' + $key + '; nothing was changed.')
        }
        switch -CaseSensitive ($key) {
            'revision' { $config.Revision = $value }
            'name' { $config.Name = $value }
            'address' { $config.Addresses.Add($value) }
            'allowed_ip' { $config.AllowedIPs.Add($value) }
            'dns' { $config.Dns.Add($value) }
            'hub_public_key' { $config.HubPublicKey = $value }
            'endpoint' { $config.Endpoint = $value }
            'private_endpoint' { $config.PrivateEndpoint = $value }
            'keepalive' { $config.Keepalive = $value }
            'action' { $config.Action = $value }
            'hub' { $config.Hubs.Add($value) }
        }
    }
    if (-not $config.Revision -or -not $config.HubPublicKey -or -not $config.Endpoint -or -not $config.Keepalive -or
        $config.Addresses.Count -eq 0 -or $config.AllowedIPs.Count -eq 0) {
        Stop-Agent "the hub's answer lacks a setting; nothing was changed."
    }
    return $config
}

# ---- applying -------------------------------------------------------------------------
# A list as one comparable string: sorted, no spaces.
function Get-SortedList {
    param([string[]]$Items)
    $clean = @($Items | ForEach-Object { ([string]$_).Trim() } | Where-Object { $_ -ne '' } | Sort-Object)
    return ($clean -join ',')
}

# The value of "NAME = value" in the conf, '' when there is none.
function Get-ConfValue {
    param([string[]]$Lines, [string]$Name)
    foreach ($line in $Lines) {
        if ($line.StartsWith($Name + ' = ')) {
            return $line.Substring($Name.Length + 3)
        }
    }
    return ''
}

# A peer as the running tunnel has it (wg.exe's dump fields); $null when there is none.
function Find-Peer {
    param([string]$Key)
    $dump = @(Invoke-Native $WgExe @('show', $script:InterfaceName, 'dump'))
    for ($i = 1; $i -lt $dump.Count; $i++) {
        $fields = ([string]$dump[$i]) -split "`t"
        if ($fields.Count -ge 8 -and $fields[0] -ceq $Key) {
            return @{ Endpoint = $fields[2]; AllowedIPs = $fields[3]; Keepalive = $fields[7] }
        }
    }
    return $null
}

# The hub's peer as the running tunnel has it: endpoint, allowed IPs, keepalive.
function Read-Peer {
    param($Config)
    $found = Find-Peer $Config.HubPublicKey
    if ($null -eq $found -and $Config.Hubs.Count -gt 1) {
        # Moved to a hub this spoke has no peer for yet: its peer takes the routes.
        Invoke-Native $WgExe @('set', $script:InterfaceName, 'peer', $Config.HubPublicKey, 'endpoint', $Config.Endpoint, 'allowed-ips', ($Config.AllowedIPs -join ',')) | Out-Null
        Write-Change ('hub: ' + (Split-Hub $Config.Hubs[0]).Name)
        $found = Find-Peer $Config.HubPublicKey
    }
    if ($null -eq $found) {
        Stop-Agent ("the hub's peer is not on " + $script:InterfaceName + ': re-enroll this spoke.')
    }
    $keepalive = $found.Keepalive
    if ($keepalive -eq 'off' -or $keepalive -eq '') {
        $keepalive = '0'
    }
    # A standby peer that becomes the spoke's hub's has none yet.
    $allowed = $found.AllowedIPs
    if ($allowed -eq '(none)') {
        $allowed = ''
    }
    return @{ Endpoint = $found.Endpoint; AllowedIPs = (Get-SortedList ($allowed -split ',')); Keepalive = $keepalive }
}

function Update-Peer {
    param($Config, $Peer)
    $wanted = Get-SortedList $Config.AllowedIPs
    if ($wanted -ne $Peer.AllowedIPs) {
        Invoke-Native $WgExe @('set', $script:InterfaceName, 'peer', $Config.HubPublicKey, 'allowed-ips', ($Config.AllowedIPs -join ',')) | Out-Null
        # The tunnel service made a route for each allowed IP at start; the new ones need theirs.
        $current = $Peer.AllowedIPs -split ','
        foreach ($cidr in $Config.AllowedIPs) {
            if ($current -notcontains $cidr) {
                New-NetRoute -DestinationPrefix $cidr -InterfaceAlias $script:InterfaceName -PolicyStore ActiveStore -ErrorAction SilentlyContinue | Out-Null
            }
        }
        foreach ($cidr in $current) {
            if ($cidr -and $Config.AllowedIPs -notcontains $cidr) {
                Remove-NetRoute -DestinationPrefix $cidr -InterfaceAlias $script:InterfaceName -Confirm:$false -ErrorAction SilentlyContinue
            }
        }
        Write-Change ('routes: ' + $wanted)
    }
    # The endpoint the enrollment chose (private or public) stays while the hub still offers it.
    $endpoint = $Peer.Endpoint
    if ($endpoint -ne $Config.Endpoint -and $endpoint -ne $Config.PrivateEndpoint) {
        $endpoint = $Config.Endpoint
        Invoke-Native $WgExe @('set', $script:InterfaceName, 'peer', $Config.HubPublicKey, 'endpoint', $endpoint) | Out-Null
        Write-Change ('hub endpoint: ' + $endpoint)
    }
    if ($Config.Keepalive -ne $Peer.Keepalive) {
        Invoke-Native $WgExe @('set', $script:InterfaceName, 'peer', $Config.HubPublicKey, 'persistent-keepalive', $Config.Keepalive) | Out-Null
        Write-Change ('keepalive: ' + $Config.Keepalive + ' s')
    }
    return $endpoint
}

# Every other hub: a standby peer, with its endpoint and keepalive but no routes (the spoke
# reaches the other hubs through its own, as the hubs route each other). -Watch gives it the
# routes if this spoke's hub stops answering.
function Update-StandbyPeers {
    param($Config)
    for ($i = 1; $i -lt $Config.Hubs.Count; $i++) {
        $hub = Split-Hub $Config.Hubs[$i]
        $found = Find-Peer $hub.Key
        if ($null -eq $found -or $found.AllowedIPs -ne '(none)' -or $found.Endpoint -eq '(none)') {
            Invoke-Native $WgExe @('set', $script:InterfaceName, 'peer', $hub.Key, 'endpoint', $hub.Endpoint, 'persistent-keepalive', $Config.Keepalive, 'allowed-ips', $NoAllowedIPs) | Out-Null
            Write-Change ('standby hub ' + $hub.Name + ': ' + $hub.Endpoint)
        }
    }
    # What -Watch reads: one hub a line (name key address endpoint), this spoke's own first.
    if ($Config.Hubs.Count -gt 1) {
        $lines = @($Config.Hubs | ForEach-Object { $_ -replace ',', ' ' })
        Write-HubsFile $lines
    }
    else {
        Remove-Item -LiteralPath $HubsFile -Force -ErrorAction SilentlyContinue
    }
}

function Write-HubsFile {
    param([string[]]$Lines)
    $text = ($Lines -join "`r`n") + "`r`n"
    if ((Test-Path -LiteralPath $HubsFile) -and ([IO.File]::ReadAllText($HubsFile) -ceq $text)) {
        return
    }
    $temp = Join-Path $StateDir ('.hubs.' + [Guid]::NewGuid().ToString('N') + '.tmp')
    [IO.File]::WriteAllText($temp, $text)
    Move-Item -LiteralPath $temp -Destination $HubsFile -Force
}

# The conf as the install script writes it, from what is applied: written new in the
# protected folder (its ACL is inherited), then moved over the old one.
function Write-Conf {
    param($Config, [string]$PrivateKey, [string]$Endpoint)
    $safeName = $Config.Name -replace '[^A-Za-z0-9._-]', '-'
    $lines = New-Object Collections.Generic.List[string]
    $lines.Add($ConfMarker + ' (spoke ' + $safeName + '). Kept current by wireguard-hub-agent; edits here are overwritten.')
    $lines.Add('[Interface]')
    $lines.Add('PrivateKey = ' + $PrivateKey)
    $lines.Add('Address = ' + ($Config.Addresses -join ', '))
    if ($Config.Dns.Count -gt 0) {
        $lines.Add('DNS = ' + ($Config.Dns -join ', '))
    }
    $lines.Add('')
    $lines.Add('[Peer]')
    $lines.Add('PublicKey = ' + $Config.HubPublicKey)
    $lines.Add('Endpoint = ' + $Endpoint)
    $lines.Add('AllowedIPs = ' + ($Config.AllowedIPs -join ', '))
    if ($Config.Keepalive -ne '0') {
        $lines.Add('PersistentKeepalive = ' + $Config.Keepalive)
    }
    for ($i = 1; $i -lt $Config.Hubs.Count; $i++) {
        $hub = Split-Hub $Config.Hubs[$i]
        $lines.Add('')
        $lines.Add('[Peer]')
        $lines.Add('# hub ' + $hub.Name + ' (standby)')
        $lines.Add('PublicKey = ' + $hub.Key)
        $lines.Add('Endpoint = ' + $hub.Endpoint)
        if ($Config.Keepalive -ne '0') {
            $lines.Add('PersistentKeepalive = ' + $Config.Keepalive)
        }
    }
    $text = ($lines -join "`r`n") + "`r`n"
    if ((Test-Path -LiteralPath $script:ConfFile) -and ([IO.File]::ReadAllText($script:ConfFile) -ceq $text)) {
        return
    }
    $temp = Join-Path $AgentDir ('.' + $script:InterfaceName + '.conf.' + [Guid]::NewGuid().ToString('N') + '.tmp')
    [IO.File]::WriteAllText($temp, $text, (New-Object Text.UTF8Encoding($false)))
    Move-Item -LiteralPath $temp -Destination $script:ConfFile -Force
}

# Addresses and DNS are the tunnel service's to set, at its start: a change of them means
# installing the service again from the rewritten conf, which restarts the tunnel.
function Restart-Tunnel {
    Invoke-Native $WireGuardExe @('/uninstalltunnelservice', $script:InterfaceName) | Out-Null
    for ($i = 0; $i -lt 20 -and (Get-Service -Name ('WireGuardTunnel$' + $script:InterfaceName) -ErrorAction SilentlyContinue); $i++) {
        Start-Sleep -Milliseconds 500
    }
    # wireguard.exe is a GUI program: the pipe makes PowerShell wait for it.
    & $WireGuardExe /installtunnelservice $script:ConfFile | Out-Null
    for ($i = 0; $i -lt 20; $i++) {
        Invoke-Native $WgExe @('show', $script:InterfaceName) | Out-Null
        if ($LASTEXITCODE -eq 0) {
            break
        }
        Start-Sleep -Milliseconds 500
    }
}

# ---- actions the admin asked for ------------------------------------------------------
function Update-Key {
    $newPrivate = ([string](Invoke-Native $WgExe @('genkey'))).Trim()
    $newPublic = ([string]($newPrivate | & $WgExe pubkey)).Trim()
    if (-not (Test-HubValue 'key' $newPublic)) {
        Stop-Agent 'wg.exe made no key pair; the old one stays.'
    }
    $answer = Invoke-AgentRequest 'POST' '/agent/v1/key' ('public_key=' + $newPublic + "`n") ''
    if ($answer.Status -ne 200) {
        Stop-Agent ('the hub did not take the new key (HTTP ' + $answer.Status + '); the old one stays.')
    }
    # The hub now knows the new key: switch, and the next packet makes the handshake.
    $keyFile = Join-Path $StateDir 'private.key'
    [IO.File]::WriteAllText($keyFile, $newPrivate + "`n")
    try {
        Invoke-Native $WgExe @('set', $script:InterfaceName, 'private-key', $keyFile) | Out-Null
    }
    finally {
        Remove-Item -LiteralPath $keyFile -Force -ErrorAction SilentlyContinue
    }
    $script:PublicKey = $newPublic
    Write-Change ('new key pair: ' + $newPublic)
    return $newPrivate
}

function Invoke-AgentUninstall {
    $answer = Invoke-AgentRequest 'POST' '/agent/v1/uninstalled' '' ''
    if ($answer.Status -ne 200) {
        Stop-Agent ('the hub did not confirm the uninstall (HTTP ' + $answer.Status + '); nothing was removed.')
    }
    Write-Host '  the hub removes this spoke: taking the tunnel down and removing its files'
    Invoke-Native $WireGuardExe @('/uninstalltunnelservice', $script:InterfaceName) | Out-Null
    Remove-Item -LiteralPath $script:ConfFile -Force -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $StateDir -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $SettingsFile -Force -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $PSCommandPath -Force -ErrorAction SilentlyContinue
    if (-not (Get-ChildItem -LiteralPath $AgentDir -Force -ErrorAction SilentlyContinue)) {
        Remove-Item -LiteralPath $AgentDir -Force -ErrorAction SilentlyContinue
    }
    Write-Host 'wireguard-hub-agent: this spoke has left the hub; nothing of it is left here.'
    # Not stopped: this very run may be the watcher's; it ends by itself once agent.conf is gone.
    Unregister-ScheduledTask -TaskName $WatchTaskName -Confirm:$false -ErrorAction SilentlyContinue
    # Last: this very run belongs to the task.
    Unregister-ScheduledTask -TaskName $AgentTaskName -Confirm:$false -ErrorAction SilentlyContinue
    exit 0
}

# ---- one cycle ------------------------------------------------------------------------
function Invoke-Cycle {
    Read-Settings
    if (-not (Test-Path -LiteralPath $StateDir)) {
        New-Item -ItemType Directory -Path $StateDir | Out-Null
    }
    $publicKey = ([string](Invoke-Native $WgExe @('show', $script:InterfaceName, 'public-key'))).Trim()
    if (-not (Test-HubValue 'key' $publicKey)) {
        Stop-Agent ($script:InterfaceName + ' is not up: start its tunnel (WireGuardTunnel$' + $script:InterfaceName + '), then run again.')
    }
    $script:PublicKey = $publicKey
    $confLines = @()
    if (Test-Path -LiteralPath $script:ConfFile) {
        $confLines = @(Get-Content -LiteralPath $script:ConfFile)
    }
    $privateKey = Get-ConfValue $confLines 'PrivateKey'
    if (-not (Test-HubValue 'key' $privateKey)) {
        Stop-Agent ($script:ConfFile + ' has no private key: re-enroll this spoke.')
    }

    $revisionFile = Join-Path $StateDir 'revision'
    $known = ''
    if (Test-Path -LiteralPath $revisionFile) {
        $known = ([IO.File]::ReadAllText($revisionFile)).Trim()
    }
    if (-not (Test-HubValue 'revision' $known)) {
        $known = ''
    }
    $answer = Invoke-AgentRequest 'GET' '/agent/v1/config' '' $known
    switch ($answer.Status) {
        304 {
            $script:Revision = $known
            Write-Host ('current (revision ' + $known + ', unchanged on the hub)')
            Send-Report 'current'
            return
        }
        200 { }
        0 { Stop-Agent ('cannot reach the hub at ' + $script:AgentUrl + ' through the tunnel.') }
        403 { Stop-Agent 'the hub does not know this spoke by its tunnel address and key (HTTP 403): re-enroll it.' }
        default { Stop-Agent ('the hub answered HTTP ' + $answer.Status + '.') }
    }
    $config = Read-HubConfig $answer.Content
    $script:Revision = $config.Revision
    Write-Host ('revision ' + $config.Revision + ' from the hub')
    if ($config.Action -eq 'uninstall') {
        Invoke-AgentUninstall
    }
    if ($config.Action -eq 'rotate-key') {
        $privateKey = Update-Key
    }
    $peer = Read-Peer $config
    $endpoint = Update-Peer $config $peer
    Update-StandbyPeers $config
    $restart = $false
    $addresses = Get-SortedList $config.Addresses
    if ($addresses -ne (Get-SortedList ((Get-ConfValue $confLines 'Address') -split ','))) {
        Write-Change ('addresses: ' + $addresses + ' (the tunnel restarts to take them)')
        $restart = $true
    }
    $dns = Get-SortedList $config.Dns
    if ($dns -ne (Get-SortedList ((Get-ConfValue $confLines 'DNS') -split ','))) {
        $shown = $dns
        if (-not $shown) {
            $shown = 'none'
        }
        Write-Change ('DNS: ' + $shown + ' (the tunnel restarts to take it)')
        $restart = $true
    }
    Write-Conf $config $privateKey $endpoint
    if ($restart) {
        Write-Host ('  restarting the tunnel service of ' + $script:InterfaceName + ' from ' + $script:ConfFile)
        Restart-Tunnel
    }
    [IO.File]::WriteAllText($revisionFile, $config.Revision)
    if ($script:Changes.Count -eq 0) {
        Write-Host ('current (revision ' + $config.Revision + ')')
        Send-Report 'current'
    }
    else {
        Send-Report ('applied: ' + ($script:Changes -join '; '))
    }
}

# ---- several hubs: follow the spoke's hub, move to another when it stops answering ------
# The hub's tunnel address answers: ICMP (the hub's kernel answers it, no request reaches its
# service), else a TCP connection to the agent port.
function Test-HubAnswers {
    param([string]$Address)
    try {
        if (Test-Connection -ComputerName $Address -Count 1 -Quiet -ErrorAction Stop) {
            return $true
        }
    }
    catch {
        Write-Verbose ('no ping to ' + $Address)
    }
    $client = New-Object Net.Sockets.TcpClient
    try {
        $connect = $client.BeginConnect($Address, [int]$script:AgentPort, $null, $null)
        return ($connect.AsyncWaitHandle.WaitOne(2000) -and $client.Connected)
    }
    catch {
        return $false
    }
    finally {
        $client.Close()
    }
}

# That hub's agent API answers this spoke (it has this spoke's peer).
function Test-TakesSpoke {
    param([string]$Address)
    $script:AgentUrl = 'http://' + $Address + ':' + $script:AgentPort
    $answer = Invoke-AgentRequest 'GET' '/agent/v1/config' '' '' 5
    return ($answer.Status -eq 200)
}

# One wg.exe set: the routes change peer at once (the hubs' own addresses are inside the
# network the routes hold).
function Move-Routes {
    param($From, $To)
    $found = Find-Peer $From.Key
    if ($null -eq $found) {
        return $false
    }
    $routes = @(($found.AllowedIPs -split ',') | Where-Object {
            (Test-HubValue 'cidr' $_) -and $_ -ne ($From.Address + '/32') -and $_ -ne ($To.Address + '/32')
        })
    if ($routes.Count -eq 0) {
        return $false
    }
    Invoke-Native $WgExe @('set', $script:InterfaceName, 'peer', $To.Key, 'allowed-ips', ($routes -join ','), 'peer', $From.Key, 'allowed-ips', $NoAllowedIPs) | Out-Null
    return $true
}

# The hubs file, each line checked; its first line is the spoke's hub.
function Get-HubList {
    $hubs = New-Object Collections.Generic.List[object]
    if (Test-Path -LiteralPath $HubsFile) {
        foreach ($line in (Get-Content -LiteralPath $HubsFile)) {
            $value = ([string]$line).Trim() -replace ' ', ','
            if (Test-HubValue 'hub' $value) {
                $hubs.Add((Split-Hub $value))
            }
        }
    }
    # The list itself, not its items: a single hub would come back as its hashtable.
    return ,$hubs
}

# Tries the other hubs in order: the routes go to one, which must take this spoke within 30 s
# (the hubs move a stopped hub's spokes within about 10 s); otherwise they come back.
function Invoke-Failover {
    param($Hubs)
    $from = $Hubs[0]
    for ($i = 1; $i -lt $Hubs.Count; $i++) {
        $to = $Hubs[$i]
        if (-not (Move-Routes $from $to)) {
            return $false
        }
        Write-Host ('hub ' + $from.Name + ' does not answer: routes moved to hub ' + $to.Name)
        for ($try = 0; $try -lt 10; $try++) {
            if (Test-TakesSpoke $to.Address) {
                # Its hub first, so that -Once asks it and keeps the peers this way.
                $lines = @(Get-Content -LiteralPath $HubsFile)
                $first = @($lines | Where-Object { $_.StartsWith($to.Name + ' ') })
                $rest = @($lines | Where-Object { -not $_.StartsWith($to.Name + ' ') })
                Write-HubsFile ($first + $rest)
                Write-Host ('hub ' + $to.Name + ' took this spoke')
                # Its own process: a cycle that fails exits, and the watch goes on.
                Invoke-Native $PowerShellExe @('-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', $PSCommandPath, '-Once') | ForEach-Object { Write-Host $_ }
                return $true
            }
            Start-Sleep -Seconds 3
        }
        Move-Routes $to $from | Out-Null
        Write-Host ('hub ' + $to.Name + ' did not take this spoke: routes back on hub ' + $from.Name)
    }
    return $false
}

function Invoke-Watch {
    Read-Settings
    if (-not (Test-Path -LiteralPath $StateDir)) {
        New-Item -ItemType Directory -Path $StateDir | Out-Null
    }
    $misses = 0
    while ($true) {
        if (-not (Test-Path -LiteralPath $SettingsFile)) {
            Write-Host 'wireguard-hub-agent: this spoke has left the hub; nothing to watch.'
            exit 0
        }
        $hubs = Get-HubList
        if ($hubs.Count -lt 2) {
            Start-Sleep -Seconds 30
            continue
        }
        $script:PublicKey = ([string](Invoke-Native $WgExe @('show', $script:InterfaceName, 'public-key'))).Trim()
        if (Test-HubAnswers $hubs[0].Address) {
            $misses = 0
        }
        else {
            $misses++
        }
        if ($misses -ge 3 -and (Test-HubValue 'key' $script:PublicKey)) {
            if (-not (Invoke-Failover $hubs)) {
                Write-Host 'no other hub took this spoke; trying again'
            }
            $misses = 0
        }
        Start-Sleep -Seconds 5
    }
}

if ($Version) {
    Write-Host $AgentVersion
    exit 0
}
if ($Watch) {
    Invoke-Watch
    exit 0
}
if (-not $Once) {
    Write-Host 'Usage: wireguard-hub-agent.ps1 -Once | -Watch'
    Write-Host '  -Once      one cycle: fetch this spoke''s config from the hub, apply what changed, report.'
    Write-Host '             Exit 0 when the spoke is current, 1 on an error (printed).'
    Write-Host '  -Watch     with several hubs: every 5 s, check that this spoke''s hub answers; after 3 misses,'
    Write-Host '             move the routes to the next hub that takes this spoke. Runs until stopped.'
    Write-Host '  -Version   print the agent''s version'
    Write-Host ('Run every minute as SYSTEM by the scheduled task "' + $AgentTaskName + '", -Watch by "' + $WatchTaskName + '".')
    exit 2
}
Invoke-Cycle
exit 0
