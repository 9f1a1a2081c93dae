#!/usr/bin/env bash
# wireguard-hub-agent: keeps this spoke's WireGuard tunnel as its hub wants it.
#   wireguard-hub-agent --once     one cycle: ask the hub (inside the tunnel), apply what
#                                  changed, report; exit 0 when the spoke is current
#   wireguard-hub-agent --watch    with several hubs: check the spoke's hub every few seconds
#                                  and move the routes to another hub's peer when it stops
#                                  answering (runs until stopped; idle with one hub)
# The hub is asked through the tunnel only; what it answers is checked value by value and
# never run as code. The agent can change this spoke's tunnel (addresses, routes, DNS, the
# hub's endpoint and keepalive), make it a new key pair, and remove the tunnel and itself
# when the admin asks; nothing else.
# One script for Linux, Proxmox VE and macOS, so it is written for the bash 3.2 macOS ships:
# no associative arrays, no mapfile, no +=( ), and every array expansion guarded for set -u.
set -euo pipefail

AGENT_VERSION=1.0.0
ROOT_PREFIX=${WGHUB_ROOT_PREFIX:-}
AGENT_CONF="$ROOT_PREFIX/etc/wireguard-hub/agent.conf"
AGENT_BIN="$ROOT_PREFIX/usr/local/sbin/wireguard-hub-agent"
# The install scripts' marker: a conf the agent rewrote is still theirs to replace or remove.
CONF_MARKER='# Managed by wireguard-hub'

case $(uname -s 2>/dev/null || true) in
    Darwin)
        PLATFORM=macos
        STATE_DIR="$ROOT_PREFIX/var/db/wireguard-hub-agent"
        # What the macOS install script keeps in root's own folders: the tunnel's launchd daemon,
        # the agent's, and copies of wg, wg-quick and a bash 4 (Homebrew's belong to a user).
        LAUNCHD_DIR="$ROOT_PREFIX/Library/LaunchDaemons"
        AGENT_LABEL=com.wireguard-hub.agent
        SUPPORT_DIR="$ROOT_PREFIX/Library/Application Support/WireGuardHub"
        PATH="$SUPPORT_DIR/bin:$PATH"
        ;;
    *)
        PLATFORM=linux
        STATE_DIR="$ROOT_PREFIX/var/lib/wireguard-hub-agent"
        ;;
esac

say() { printf '%s\n' "$*"; }
fail() {
    printf 'wireguard-hub-agent: %s\n' "$*" >&2
    report "error: $*" || true
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

usage() {
    cat <<'EOF'
Usage: wireguard-hub-agent --once | --watch
  --once      one cycle: fetch this spoke's config from the hub, apply what changed, report.
              Exit 0 when the spoke is current, 1 on an error (printed).
  --watch     with several hubs: every 5 s, check that this spoke's hub answers; after 3 misses,
              move the routes to the next hub that takes this spoke. Runs until stopped.
  --version   print the agent's version
EOF
    if [ "$PLATFORM" = macos ]; then
        say "Run every minute by launchd (/Library/LaunchDaemons/$AGENT_LABEL.plist)."
    else
        say "Run every minute by systemd (wireguard-hub-agent.timer); without systemd, schedule"
        say "\"wireguard-hub-agent --once\" yourself, e.g. in root's crontab: * * * * * /usr/local/sbin/wireguard-hub-agent --once"
    fi
}

# ---- settings written at enrollment: AGENT_URL, WG_IF, CONF_FILE -------------------------
read_settings() {
    [ -r "$AGENT_CONF" ] || { printf 'wireguard-hub-agent: %s is missing: re-enroll this spoke.\n' "$AGENT_CONF" >&2; exit 1; }
    AGENT_URL='' WG_IF='' CONF_FILE=''
    local key value
    while IFS='=' read -r key value; do
        case $key in
            AGENT_URL) [[ $value =~ ^http://[0-9.]+:[0-9]{1,5}$ ]] && AGENT_URL=$value ;;
            WG_IF) [[ $value =~ ^[A-Za-z0-9_.-]{1,15}$ ]] && WG_IF=$value ;;
            CONF_FILE) [[ $value =~ ^/[A-Za-z0-9_./-]+\.conf$ ]] && CONF_FILE=$value ;;
        esac
    done <"$AGENT_CONF"
    if [ -z "$AGENT_URL" ] || [ -z "$WG_IF" ] || [ -z "$CONF_FILE" ]; then
        printf 'wireguard-hub-agent: %s lacks AGENT_URL, WG_IF or CONF_FILE (or holds a bad value): re-enroll this spoke.\n' "$AGENT_CONF" >&2
        exit 1
    fi
    AGENT_PORT=${AGENT_URL##*:}
    # With several hubs, the one this spoke is on now (its first line in the hubs file).
    local current
    current=$(awk 'NR == 1 { print $3 }' "$STATE_DIR/hubs" 2>/dev/null || true)
    if [[ $current =~ ^$ipv4$ ]]; then AGENT_URL="http://$current:$AGENT_PORT"; fi
}

# ---- talking to the hub -----------------------------------------------------------------
# agent_curl PATH [curl args…]: the answer's body in $ANSWER, its status printed.
agent_curl() {
    local path=$1
    shift
    curl -sS --connect-timeout 10 --max-time 30 --proto '=http' -o "$ANSWER" -w '%{http_code}' \
        -H "X-WireGuard-Public-Key: $PUBLIC_KEY" "$@" "$AGENT_URL$path"
}

# report RESULT: tells the hub what this cycle did (only when it differs from the last report).
report() {
    local result=$1 body last="$STATE_DIR/reported"
    [ -n "${ANSWER:-}" ] && [ -n "${PUBLIC_KEY:-}" ] || return 0
    body=$(printf 'version=%s\nos=%s\nkernel=%s\nwireguard=%s\nresult=%s\nrevision=%s\n' "$AGENT_VERSION" \
        "$(os_name | tr -cd ' -~' | cut -c1-100)" "$(uname -r 2>/dev/null | tr -cd ' -~' | cut -c1-100)" \
        "$(wg --version 2>/dev/null | tr -cd ' -~' | cut -c1-60)" "$(printf '%s' "$result" | tr -cd ' -~' | cut -c1-200)" "${REVISION:-}")
    if [ -f "$last" ] && [ "$(cat "$last")" = "$body" ]; then return 0; fi
    if [ "$(printf '%s' "$body" | agent_curl /agent/v1/report -H 'Content-Type: text/plain' --data-binary @-)" = 200 ]; then
        printf '%s' "$body" >"$last"
    fi
}

os_name() {
    local name=''
    if [ "$PLATFORM" = macos ]; then
        name="macOS $(sw_vers -productVersion 2>/dev/null || true)"
    # Read as data, never sourced.
    elif [ -r "$ROOT_PREFIX/etc/os-release" ]; then name=$(sed -n 's/^PRETTY_NAME=//p' "$ROOT_PREFIX/etc/os-release" | tr -d '"' | head -n 1); fi
    printf '%s' "${name:-$(uname -s)}"
}

# ---- the config: key=value lines, each value checked by its own pattern ----------------
ipv4='((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
ipv6='[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*'
host='[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?'

valid() {
    local kind=$1 value=$2
    case $kind in
        revision) [[ $value =~ ^[0-9a-f]{16}$ ]] ;;
        name) [[ $value =~ ^[A-Za-z0-9][A-Za-z0-9\ ._-]{0,62}$ ]] ;;
        key) [[ $value =~ ^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$ ]] ;;
        ip) [[ $value =~ ^$ipv4$ || ( ${#value} -le 45 && $value =~ ^$ipv6$ ) ]] ;;
        cidr) [[ $value =~ ^$ipv4/([0-9]|[12][0-9]|3[0-2])$ || ( ${#value} -le 49 && $value =~ ^$ipv6/([0-9]{1,2}|1[01][0-9]|12[0-8])$ ) ]] ;;
        endpoint) [[ $value =~ ^($host|\[$ipv6\]):[0-9]{1,5}$ ]] && [ "${value##*:}" -ge 1 ] && [ "${value##*:}" -le 65535 ] ;;
        keepalive) [[ $value =~ ^[0-9]{1,5}$ ]] && [ "$value" -le 65535 ] ;;
        action) [[ $value =~ ^(none|rotate-key|uninstall)$ ]] ;;
        hub)
            local name key address endpoint rest
            name=${value%%,*} rest=${value#*,}
            key=${rest%%,*} rest=${rest#*,}
            address=${rest%%,*} endpoint=${rest#*,}
            [[ $name =~ ^[a-z0-9][a-z0-9-]{0,62}$ ]] && valid key "$key" && valid ip "$address" && valid endpoint "$endpoint"
            ;;
        *) return 1 ;;
    esac
}

# read_config FILE: sets REVISION, NAME, ADDRESSES, DNS_SERVERS, HUB_PUBLIC_KEY,
# PUBLIC_ENDPOINT, PRIVATE_ENDPOINT, ALLOWED_IPS, KEEPALIVE, ACTION, HUBS (name,key,address,
# endpoint of every hub, this spoke's own first, when there are several); refuses the whole
# config at its first bad value.
read_config() {
    REVISION='' NAME='' HUB_PUBLIC_KEY='' PUBLIC_ENDPOINT='' PRIVATE_ENDPOINT='' KEEPALIVE='' ACTION=''
    ADDRESSES=() DNS_SERVERS=() ALLOWED_IPS=() HUBS=()
    local key value kind line
    while IFS= read -r line || [ -n "$line" ]; do
        [ -n "$line" ] || continue
        key=${line%%=*}
        value=${line#*=}
        case $key in
            revision) kind=revision ;; name) kind=name ;; address | allowed_ip) kind=cidr ;; dns | hub_address) kind=ip ;;
            hub_public_key) kind=key ;; endpoint | private_endpoint) kind=endpoint ;; keepalive) kind=keepalive ;; action) kind=action ;;
            hub) kind=hub ;;
            *) continue ;; # a newer hub's setting this agent does not know
        esac
        valid "$kind" "$value" || fail "the hub sent a value this agent refuses for $key; nothing was changed."
        case $key in
            revision) REVISION=$value ;; name) NAME=$value ;; address) ADDRESSES[${#ADDRESSES[@]}]=$value ;;
            dns) DNS_SERVERS[${#DNS_SERVERS[@]}]=$value ;; hub_public_key) HUB_PUBLIC_KEY=$value ;; hub_address) ;;
            endpoint) PUBLIC_ENDPOINT=$value ;; private_endpoint) PRIVATE_ENDPOINT=$value ;;
            allowed_ip) ALLOWED_IPS[${#ALLOWED_IPS[@]}]=$value ;; keepalive) KEEPALIVE=$value ;;
            action) ACTION=$value ;;
            hub) HUBS[${#HUBS[@]}]=$value ;;
        esac
    done <"$1"
    if [ -z "$REVISION" ] || [ -z "$HUB_PUBLIC_KEY" ] || [ -z "$PUBLIC_ENDPOINT" ] || [ -z "$KEEPALIVE" ] ||
        [ "${#ADDRESSES[@]}" = 0 ] || [ "${#ALLOWED_IPS[@]}" = 0 ]; then
        fail "the hub's answer lacks a setting; nothing was changed."
    fi
}

# ---- applying -------------------------------------------------------------------------
join_by() {
    local sep=$1 out='' item
    shift
    for item in "$@"; do out="${out:+$out$sep}$item"; done
    printf '%s' "$out"
}

sorted_list() { tr ',' '\n' | tr -d ' ' | sed '/^$/d' | sort | paste -sd, -; }

CHANGES=()
changed() {
    CHANGES[${#CHANGES[@]}]=$1
    say "  $1"
}

# Each array as words, guarded: bash before 4.4 calls an empty array unbound under set -u.
addresses() { join_by "$1" ${ADDRESSES[@]+"${ADDRESSES[@]}"}; }
allowed_ips() { join_by "$1" ${ALLOWED_IPS[@]+"${ALLOWED_IPS[@]}"}; }
dns_servers() { join_by "$1" ${DNS_SERVERS[@]+"${DNS_SERVERS[@]}"}; }

# On macOS wg-quick runs the tunnel on a utun device and writes its name to a file.
read_real_interface() {
    REAL_IF=$WG_IF
    [ "$PLATFORM" = macos ] || return 0
    local name_file="$ROOT_PREFIX/var/run/wireguard/$WG_IF.name"
    REAL_IF=$(head -n 1 "$name_file" 2>/dev/null || true)
    [[ $REAL_IF =~ ^utun[0-9]{1,5}$ ]] || fail "$name_file does not name the utun device of $WG_IF: is the tunnel up? (sudo launchctl kickstart system/com.wireguard-hub.$WG_IF)"
}

# The peer's current endpoint, allowed IPs and keepalive, from `wg show IF dump`.
read_peer() {
    CURRENT_ENDPOINT='' CURRENT_ALLOWED='' CURRENT_KEEPALIVE=0
    local line
    line=$(wg show "$WG_IF" dump | awk -F '\t' -v key="$HUB_PUBLIC_KEY" 'NR > 1 && $1 == key')
    if [ -z "$line" ] && [ "${#HUBS[@]}" -gt 1 ]; then
        # Moved to a hub this spoke has no peer for yet: its peer takes the routes.
        wg set "$WG_IF" peer "$HUB_PUBLIC_KEY" endpoint "$PUBLIC_ENDPOINT" allowed-ips "$(allowed_ips ,)"
        changed "hub: $(hub_field 0 1)"
        line=$(wg show "$WG_IF" dump | awk -F '\t' -v key="$HUB_PUBLIC_KEY" 'NR > 1 && $1 == key')
    fi
    [ -n "$line" ] || fail "the hub's peer is not on $WG_IF: re-enroll this spoke."
    CURRENT_ENDPOINT=$(printf '%s' "$line" | cut -f3)
    CURRENT_ALLOWED=$(printf '%s' "$line" | cut -f4 | sorted_list)
    CURRENT_KEEPALIVE=$(printf '%s' "$line" | cut -f8)
    case $CURRENT_KEEPALIVE in off | '') CURRENT_KEEPALIVE=0 ;; esac
}

family_of() {
    case $1 in *:*) printf inet6 ;; *) printf inet ;; esac
}

# A route through the tunnel for CIDR: ip on Linux; on macOS route, as wg-quick does (only
# when the destination does not already go through the utun device).
add_route() {
    if [ "$PLATFORM" = macos ]; then
        if ! route -n get "-$(family_of "$1")" "$1" 2>/dev/null | grep -qx " *interface: $REAL_IF"; then
            route -q -n add "-$(family_of "$1")" "$1" -interface "$REAL_IF" >/dev/null
        fi
    else
        ip route replace "$1" dev "$WG_IF"
    fi
}

del_route() {
    if [ "$PLATFORM" = macos ]; then
        route -q -n delete "-$(family_of "$1")" "$1" -interface "$REAL_IF" >/dev/null 2>&1 || true
    else
        ip route del "$1" dev "$WG_IF" 2>/dev/null || true
    fi
}

apply_peer() {
    local wanted_allowed endpoint cidr
    wanted_allowed=$(allowed_ips , | sorted_list)
    if [ "$wanted_allowed" != "$CURRENT_ALLOWED" ]; then
        wg set "$WG_IF" peer "$HUB_PUBLIC_KEY" allowed-ips "$(allowed_ips ,)"
        # wg-quick made a route for each allowed IP at start; the new ones need theirs.
        for cidr in ${ALLOWED_IPS[@]+"${ALLOWED_IPS[@]}"}; do
            case ",$CURRENT_ALLOWED," in *",$cidr,"*) ;; *) add_route "$cidr" ;; esac
        done
        for cidr in ${CURRENT_ALLOWED//,/ }; do
            case ",$wanted_allowed," in *",$cidr,"*) ;; *) del_route "$cidr" ;; esac
        done
        changed "routes: $wanted_allowed"
    fi
    # The endpoint the enrollment chose (private or public) stays while the hub still offers it.
    ENDPOINT=$CURRENT_ENDPOINT
    if [ "$CURRENT_ENDPOINT" != "$PUBLIC_ENDPOINT" ] && [ "$CURRENT_ENDPOINT" != "$PRIVATE_ENDPOINT" ]; then
        endpoint=$PUBLIC_ENDPOINT
        if [ -n "$PRIVATE_ENDPOINT" ] && [ "$(cat "$STATE_DIR/endpoint-kind" 2>/dev/null || true)" = private ]; then endpoint=$PRIVATE_ENDPOINT; fi
        wg set "$WG_IF" peer "$HUB_PUBLIC_KEY" endpoint "$endpoint"
        ENDPOINT=$endpoint
        changed "hub endpoint: $endpoint"
    fi
    if [ -n "$PRIVATE_ENDPOINT" ] && [ "$ENDPOINT" = "$PRIVATE_ENDPOINT" ]; then echo private >"$STATE_DIR/endpoint-kind"; else echo public >"$STATE_DIR/endpoint-kind"; fi
    if [ "$KEEPALIVE" != "$CURRENT_KEEPALIVE" ]; then
        wg set "$WG_IF" peer "$HUB_PUBLIC_KEY" persistent-keepalive "$KEEPALIVE"
        changed "keepalive: $KEEPALIVE s"
    fi
}

# hub_field I F: field F (1 name, 2 key, 3 address, 4 endpoint) of the I-th hub.
hub_field() {
    printf '%s' "${HUBS[$1]}" | cut -d, -f"$2"
}

# Every other hub: a standby peer, with its endpoint and keepalive but no routes (the spoke
# reaches the other hubs through its own, as the hubs route each other). wireguard-hub-agent
# --watch gives it the routes if this spoke's hub stops answering.
apply_hub_peers() {
    local i key endpoint line
    for ((i = 1; i < ${#HUBS[@]}; i++)); do
        key=$(hub_field "$i" 2)
        endpoint=$(hub_field "$i" 4)
        line=$(wg show "$WG_IF" dump | awk -F '\t' -v key="$key" 'NR > 1 && $1 == key')
        if [ -z "$line" ] || [ "$(printf '%s' "$line" | cut -f4)" != "(none)" ] || [ "$(printf '%s' "$line" | cut -f3)" = "(none)" ]; then
            wg set "$WG_IF" peer "$key" endpoint "$endpoint" persistent-keepalive "$KEEPALIVE" allowed-ips ''
            changed "standby hub $(hub_field "$i" 1): $endpoint"
        fi
    done
    # What --watch reads: one hub a line (name key address endpoint), this spoke's own first.
    if [ "${#HUBS[@]}" -gt 1 ]; then
        printf '%s\n' ${HUBS[@]+"${HUBS[@]}"} | tr ',' ' ' >"$STATE_DIR/hubs.tmp"
        mv -f "$STATE_DIR/hubs.tmp" "$STATE_DIR/hubs"
    else
        rm -f "$STATE_DIR/hubs"
    fi
}

# The interface's addresses as CIDRs, one a line. macOS's ifconfig shows an IPv4 netmask in hex.
current_addresses() {
    if [ "$PLATFORM" = macos ]; then
        ifconfig "$REAL_IF" | awk '
            function bits(mask,   n, i, c) {
                n = 0
                mask = tolower(substr(mask, 3))
                for (i = 1; i <= length(mask); i++) {
                    c = substr(mask, i, 1)
                    n += (c == "f") ? 4 : (c == "e") ? 3 : (c == "c") ? 2 : (c == "8") ? 1 : 0
                }
                return n
            }
            $1 == "inet" { for (i = 3; i < NF; i++) if ($i == "netmask") print $2 "/" bits($(i + 1)) }
            $1 == "inet6" && $2 !~ /%/ && $2 !~ /^fe80:/ { for (i = 3; i < NF; i++) if ($i == "prefixlen") print $2 "/" $(i + 1) }'
    else
        # Global addresses only: the kernel gives a tun device (wireguard-go) an IPv6 link-local one.
        ip -o addr show dev "$WG_IF" scope global | awk '{ print $4 }'
    fi
}

add_address() {
    if [ "$PLATFORM" = macos ]; then
        if [ "$(family_of "$1")" = inet ]; then ifconfig "$REAL_IF" inet "$1" "${1%/*}" alias; else ifconfig "$REAL_IF" inet6 "$1" alias; fi
    else
        ip address add "$1" dev "$WG_IF"
    fi
}

del_address() {
    if [ "$PLATFORM" = macos ]; then
        ifconfig "$REAL_IF" "$(family_of "$1")" "${1%/*}" -alias
    else
        ip address del "$1" dev "$WG_IF"
    fi
}

apply_addresses() {
    local current wanted cidr
    current=$(current_addresses | sorted_list)
    wanted=$(addresses , | sorted_list)
    [ "$current" != "$wanted" ] || return 0
    # macOS removes an address by its IP alone: one whose prefix changes goes before it comes back.
    if [ "$PLATFORM" = macos ]; then
        for cidr in ${current//,/ }; do
            case ",$wanted," in *",$cidr,"*) ;; *) del_address "$cidr" ;; esac
        done
    fi
    for cidr in ${ADDRESSES[@]+"${ADDRESSES[@]}"}; do
        case ",$current," in *",$cidr,"*) ;; *) add_address "$cidr" ;; esac
    done
    if [ "$PLATFORM" = linux ]; then
        for cidr in ${current//,/ }; do
            case ",$wanted," in *",$cidr,"*) ;; *) del_address "$cidr" ;; esac
        done
    fi
    changed "addresses: $wanted"
}

# DNS as wg-quick would set it (resolvconf), or resolvectl; the conf file's lines to match.
# On macOS wg-quick sets DNS on every network service at start and keeps it there, so a change
# goes into the conf and takes effect when the tunnel next starts.
apply_dns() {
    local before
    DNS_LINE='' POSTUP_LINE=''
    before=$(sed -n 's/^DNS = //p' "$CONF_FILE" 2>/dev/null | sorted_list)
    if [ "$PLATFORM" = macos ]; then
        DNS_LINE=$(dns_servers ', ')
        if [ "$(dns_servers , | sorted_list)" != "$before" ]; then
            changed "DNS: ${DNS_LINE:-none} (written to $CONF_FILE: macOS takes it when the tunnel next starts)"
        fi
        return 0
    fi
    if [ "${#DNS_SERVERS[@]}" = 0 ]; then
        if [ -n "$before" ] && have resolvconf; then resolvconf -d "$WG_IF" -f 2>/dev/null || true; fi
        if [ -n "$before" ]; then changed "DNS: none"; fi
        return 0
    fi
    if have resolvconf; then
        DNS_LINE=$(dns_servers ', ')
        if [ "$(dns_servers , | sorted_list)" != "$before" ]; then
            printf 'nameserver %s\n' ${DNS_SERVERS[@]+"${DNS_SERVERS[@]}"} | resolvconf -a "$WG_IF" -m 0 -x
            changed "DNS: $DNS_LINE"
        fi
    elif have resolvectl; then
        POSTUP_LINE="resolvectl dns %i $(dns_servers ' '); resolvectl domain %i '~.'"
        if ! grep -qxF "PostUp = $POSTUP_LINE" "$CONF_FILE" 2>/dev/null; then
            resolvectl dns "$WG_IF" ${DNS_SERVERS[@]+"${DNS_SERVERS[@]}"}
            resolvectl domain "$WG_IF" '~.'
            changed "DNS: $(dns_servers ' ')"
        fi
    fi
}

# The config file as the enrollment wrote it, from what is now applied: 0600, replaced whole.
write_conf() {
    local tmp="$CONF_FILE.tmp.$$"
    (
        umask 077
        {
            printf '%s (spoke %s). Kept current by wireguard-hub-agent; edits here are overwritten.\n' "$CONF_MARKER" "$(printf '%s' "$NAME" | tr -c 'A-Za-z0-9._-' '-')"
            printf '[Interface]\n'
            printf 'PrivateKey = %s\n' "$PRIVATE_KEY"
            printf 'Address = %s\n' "$(addresses ', ')"
            if [ -n "$DNS_LINE" ]; then printf 'DNS = %s\n' "$DNS_LINE"; fi
            if [ -n "$POSTUP_LINE" ]; then printf 'PostUp = %s\n' "$POSTUP_LINE"; fi
            printf '\n[Peer]\n'
            printf 'PublicKey = %s\n' "$HUB_PUBLIC_KEY"
            printf 'Endpoint = %s\n' "$ENDPOINT"
            printf 'AllowedIPs = %s\n' "$(allowed_ips ', ')"
            if [ "$KEEPALIVE" != 0 ]; then printf 'PersistentKeepalive = %s\n' "$KEEPALIVE"; fi
            local i
            for ((i = 1; i < ${#HUBS[@]}; i++)); do
                printf '\n[Peer]\n# hub %s (standby)\nPublicKey = %s\nEndpoint = %s\n' \
                    "$(hub_field "$i" 1)" "$(hub_field "$i" 2)" "$(hub_field "$i" 4)"
                if [ "$KEEPALIVE" != 0 ]; then printf 'PersistentKeepalive = %s\n' "$KEEPALIVE"; fi
            done
        } >"$tmp"
    )
    chmod 600 "$tmp"
    if cmp -s "$tmp" "$CONF_FILE"; then rm -f "$tmp"; else mv -f "$tmp" "$CONF_FILE"; fi
}

# ---- actions the admin asked for ------------------------------------------------------
rotate_key() {
    local new_private new_public status
    new_private=$(wg genkey)
    new_public=$(printf '%s\n' "$new_private" | wg pubkey)
    status=$(printf 'public_key=%s\n' "$new_public" | agent_curl /agent/v1/key -H 'Content-Type: text/plain' --data-binary @-) || status=000
    [ "$status" = 200 ] || fail "the hub did not take the new key (HTTP $status); the old one stays."
    # The hub now knows the new key: switch, and the next packet makes the handshake.
    (umask 077 && printf '%s\n' "$new_private" >"$STATE_DIR/private.key")
    wg set "$WG_IF" private-key "$STATE_DIR/private.key"
    rm -f "$STATE_DIR/private.key"
    PRIVATE_KEY=$new_private
    PUBLIC_KEY=$new_public
    changed "new key pair: $new_public"
}

# A directory and what it holds (its contents only, where it is a mount point).
remove_dir() {
    [ -d "$1" ] || return 0
    find "$1" -mindepth 1 -delete
    rmdir "$1" 2>/dev/null || true
}

uninstall() {
    local status
    status=$(agent_curl /agent/v1/uninstalled -X POST) || status=000
    [ "$status" = 200 ] || fail "the hub did not confirm the uninstall (HTTP $status); nothing was removed."
    say "  the hub removes this spoke: taking the tunnel down and removing its files"
    if [ "$PLATFORM" = macos ]; then uninstall_macos; else uninstall_linux; fi
    remove_dir "$STATE_DIR"
    remove_dir "$ROOT_PREFIX/etc/wireguard-hub"
    rm -f "$AGENT_BIN"
    say "wireguard-hub-agent: this spoke has left the hub; nothing of it is left here."
    if [ "$PLATFORM" = macos ]; then
        # Last: launchd ends this very run when its daemon goes, and there is nothing left to do.
        trap 'exit 0' TERM
        launchctl bootout "system/$AGENT_LABEL" >/dev/null 2>&1 || true
    fi
    exit 0
}

uninstall_linux() {
    local unit_dir="$ROOT_PREFIX/etc/systemd/system"
    if [ -d "$ROOT_PREFIX/run/systemd/system" ]; then
        systemctl disable --now "wg-quick@$WG_IF" >/dev/null 2>&1 || true
        systemctl disable --now wireguard-hub-agent.timer >/dev/null 2>&1 || true
        # Not --now: this very process may be the watcher's; it is stopped last, below.
        systemctl disable wireguard-hub-agent-watch.service >/dev/null 2>&1 || true
    fi
    if ip link show dev "$WG_IF" >/dev/null 2>&1; then wg-quick down "$CONF_FILE" >/dev/null 2>&1 || ip link delete dev "$WG_IF" || true; fi
    rm -f "$CONF_FILE" "$unit_dir/wireguard-hub-agent.service" "$unit_dir/wireguard-hub-agent.timer" "$unit_dir/wireguard-hub-agent-watch.service"
    if [ -d "$ROOT_PREFIX/run/systemd/system" ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi
}

# The tunnel's daemon goes first (it would bring the tunnel back at boot), then the tunnel,
# then the files: wg-quick runs from the copies in the support folder, so that folder goes last.
uninstall_macos() {
    local tunnel_plist="$LAUNCHD_DIR/com.wireguard-hub.$WG_IF.plist" watch_plist="$LAUNCHD_DIR/com.wireguard-hub.agent-watch.plist"
    launchctl bootout system "$tunnel_plist" >/dev/null 2>&1 || true
    launchctl bootout system "$watch_plist" >/dev/null 2>&1 || true
    if wg show "$WG_IF" >/dev/null 2>&1; then wg-quick down "$CONF_FILE" >/dev/null 2>&1 || true; fi
    rm -f "$CONF_FILE" "$tunnel_plist" "$watch_plist" "$LAUNCHD_DIR/$AGENT_LABEL.plist"
    remove_dir "$SUPPORT_DIR"
}

# ---- one cycle ------------------------------------------------------------------------
cycle() {
    read_settings
    mkdir -p "$STATE_DIR"
    chmod 700 "$STATE_DIR"
    ANSWER=$(mktemp "$STATE_DIR/answer.XXXXXX")
    trap 'rm -f "$ANSWER"' EXIT
    if [ "$PLATFORM" = macos ]; then
        PUBLIC_KEY=$(wg show "$WG_IF" public-key 2>/dev/null) || fail "$WG_IF is not up: start it (sudo launchctl kickstart system/com.wireguard-hub.$WG_IF), then run again."
    else
        PUBLIC_KEY=$(wg show "$WG_IF" public-key 2>/dev/null) || fail "$WG_IF is not up: start it (systemctl start wg-quick@$WG_IF), then run again."
    fi
    if ! valid key "$PUBLIC_KEY"; then
        PUBLIC_KEY='' # nothing to ask or report with
        fail "wg show $WG_IF public-key gave no key: is $WG_IF a WireGuard interface?"
    fi
    PRIVATE_KEY=$(sed -n 's/^PrivateKey = //p' "$CONF_FILE" 2>/dev/null | head -n 1)
    valid key "$PRIVATE_KEY" || fail "$CONF_FILE has no private key: re-enroll this spoke."

    local status known='' conditional=()
    if [ -s "$STATE_DIR/revision" ]; then known=$(cat "$STATE_DIR/revision"); fi
    valid revision "$known" && conditional=(-H "If-None-Match: \"$known\"")
    status=$(agent_curl /agent/v1/config ${conditional[@]+"${conditional[@]}"}) || status=000
    case $status in
        304)
            REVISION=$known
            say "current (revision $known, unchanged on the hub)"
            report current
            return 0
            ;;
        200) ;;
        000) fail "cannot reach the hub at $AGENT_URL through the tunnel." ;;
        403) fail "the hub does not know this spoke by its tunnel address and key (HTTP 403): re-enroll it." ;;
        *) fail "the hub answered HTTP $status." ;;
    esac
    read_config "$ANSWER"
    say "revision $REVISION from the hub"
    case $ACTION in
        uninstall) uninstall ;;
        rotate-key) rotate_key ;;
    esac
    read_real_interface
    read_peer
    apply_peer
    apply_hub_peers
    apply_addresses
    apply_dns
    write_conf
    printf '%s' "$REVISION" >"$STATE_DIR/revision"
    if [ "${#CHANGES[@]}" = 0 ]; then
        say "current (revision $REVISION)"
        report current
    else
        report "applied: $(join_by '; ' ${CHANGES[@]+"${CHANGES[@]}"})"
    fi
}

# ---- several hubs: follow the spoke's hub, move to another when it stops answering ------
# hub_answers ADDRESS: the hub's tunnel address answers (ICMP when ping is there: the hub's
# kernel answers it, no request reaches its service).
hub_answers() {
    if have ping; then
        if [ "$PLATFORM" = macos ]; then ping -c 1 -t 2 "$1" >/dev/null 2>&1; else ping -c 1 -W 2 "$1" >/dev/null 2>&1; fi
    else
        curl -s -o /dev/null --connect-timeout 2 --max-time 3 "http://$1:$AGENT_PORT/" 2>/dev/null
    fi
}

# takes_this_spoke ADDRESS: that hub's agent API answers this spoke (it has this spoke's peer).
takes_this_spoke() {
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' --connect-timeout 3 --max-time 5 --proto '=http' \
        -H "X-WireGuard-Public-Key: $PUBLIC_KEY" "http://$1:$AGENT_PORT/agent/v1/config" 2>/dev/null) || status=000
    [ "$status" = 200 ]
}

# move_routes FROM_KEY FROM_ADDRESS TO_KEY TO_ADDRESS: one `wg set`, the routes change peer at once
# (the hubs' own addresses are inside the network the routes hold).
move_routes() {
    local routes
    routes=$(wg show "$WG_IF" dump | awk -F '\t' -v key="$1" 'NR > 1 && $1 == key { print $4 }' | tr ',' '\n' |
        grep -vx "$2/32" | grep -vx "$4/32" | paste -sd, -) || true
    [ -n "$routes" ] || return 1
    wg set "$WG_IF" peer "$3" allowed-ips "$routes" peer "$1" allowed-ips ''
}

# The hubs file as arrays; its first line is the spoke's hub. Fails with fewer than two hubs.
load_hub_list() {
    WATCH_NAMES=() WATCH_KEYS=() WATCH_ADDRESSES=()
    local name key address endpoint
    [ -r "$STATE_DIR/hubs" ] || return 1
    while read -r name key address endpoint; do
        if ! valid key "$key" || ! valid ip "$address"; then continue; fi
        WATCH_NAMES[${#WATCH_NAMES[@]}]=$name
        WATCH_KEYS[${#WATCH_KEYS[@]}]=$key
        WATCH_ADDRESSES[${#WATCH_ADDRESSES[@]}]=$address
    done <"$STATE_DIR/hubs"
    [ "${#WATCH_KEYS[@]}" -gt 1 ]
}

# Tries the other hubs in order: the routes go to one, which must take this spoke within 30 s
# (the hubs move a stopped hub's spokes within about 10 s); otherwise they come back.
failover() {
    local i tries
    for ((i = 1; i < ${#WATCH_KEYS[@]}; i++)); do
        move_routes "${WATCH_KEYS[0]}" "${WATCH_ADDRESSES[0]}" "${WATCH_KEYS[$i]}" "${WATCH_ADDRESSES[$i]}" || return 1
        say "hub ${WATCH_NAMES[0]} does not answer: routes moved to hub ${WATCH_NAMES[$i]}"
        for ((tries = 0; tries < 10; tries++)); do
            if takes_this_spoke "${WATCH_ADDRESSES[$i]}"; then
                # Its hub first, so that --once asks it and keeps the peers this way.
                { grep "^${WATCH_NAMES[$i]} " "$STATE_DIR/hubs"; grep -v "^${WATCH_NAMES[$i]} " "$STATE_DIR/hubs"; } >"$STATE_DIR/hubs.tmp"
                mv -f "$STATE_DIR/hubs.tmp" "$STATE_DIR/hubs"
                say "hub ${WATCH_NAMES[$i]} took this spoke"
                "$AGENT_BIN" --once || true
                return 0
            fi
            sleep 3
        done
        move_routes "${WATCH_KEYS[$i]}" "${WATCH_ADDRESSES[$i]}" "${WATCH_KEYS[0]}" "${WATCH_ADDRESSES[0]}" || true
        say "hub ${WATCH_NAMES[$i]} did not take this spoke: routes back on hub ${WATCH_NAMES[0]}"
    done
    return 1
}

watch() {
    local misses=0
    read_settings
    mkdir -p "$STATE_DIR"
    chmod 700 "$STATE_DIR"
    while :; do
        if ! load_hub_list; then
            sleep 30
            continue
        fi
        PUBLIC_KEY=$(wg show "$WG_IF" public-key 2>/dev/null || true)
        if hub_answers "${WATCH_ADDRESSES[0]}"; then misses=0; else misses=$((misses + 1)); fi
        if [ "$misses" -ge 3 ] && valid key "$PUBLIC_KEY"; then
            failover || say "no other hub took this spoke; trying again"
            misses=0
        fi
        sleep 5
    done
}

case ${1:-} in
    --once) cycle ;;
    --watch) watch ;;
    --version) say "$AGENT_VERSION" ;;
    -h | --help) usage ;;
    *)
        usage >&2
        exit 2
        ;;
esac
