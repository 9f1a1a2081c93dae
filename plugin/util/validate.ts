// Input checks shared by the setup wizard and the add-spoke dialog. They mirror the
// service's own validation so most mistakes are caught before a request is sent.
import cockpit from "cockpit";

const _ = cockpit.gettext;

/** An error message for the field, or null when it is valid. */
export type Check = (value: string) => string | null;

export function parseIPv4(text: string): number | null {
    const parts = text.split(".");
    if (parts.length !== 4) return null;
    let value = 0;
    for (const part of parts) {
        if (!/^(0|[1-9]\d{0,2})$/.test(part)) return null;
        const n = Number(part);
        if (n > 255) return null;
        value = value * 256 + n;
    }
    return value;
}

export function isIPv6(text: string): boolean {
    if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(":")) return false;
    const halves = text.split("::");
    if (halves.length > 2) return false;
    const groups = halves.flatMap(h => (h ? h.split(":") : []));
    if (groups.some(g => !/^[0-9a-fA-F]{1,4}$/.test(g))) return false;
    return halves.length === 2 ? groups.length < 8 : groups.length === 8;
}

export interface IPv4Network {
    base: number;
    prefix: number;
}

export function parseCIDRv4(text: string): IPv4Network | null {
    const m = text.trim().match(/^([\d.]+)\/(\d{1,2})$/);
    if (!m) return null;
    const base = parseIPv4(m[1]);
    const prefix = Number(m[2]);
    if (base === null || prefix > 32) return null;
    return { base, prefix };
}

export function inNetwork(ip: number, net: IPv4Network): boolean {
    const size = 2 ** (32 - net.prefix);
    const start = net.base - (net.base % size);
    return ip >= start && ip < start + size;
}

export const checkRequired: Check = v => (v.trim() ? null : _("This field is required."));

export const checkNetworkCIDR: Check = v => {
    if (!v.trim()) return _("Enter the VPN network, for example 10.0.1.0/24.");
    const net = parseCIDRv4(v);
    if (!net) return _("Not an IPv4 network in CIDR form, for example 10.0.1.0/24.");
    if (net.prefix < 8 || net.prefix > 30) return _("Use a prefix between /8 and /30.");
    if (net.base % 2 ** (32 - net.prefix) !== 0) return _("The address has bits set beyond the prefix.");
    return null;
};

export const checkNetworkCIDRv6: Check = v => {
    if (!v.trim()) return null;
    const m = v.trim().match(/^([0-9a-fA-F:.]+)\/(\d{1,3})$/);
    if (!m || !isIPv6(m[1]) || Number(m[2]) > 128) return _("Not an IPv6 network in CIDR form, for example fd00:1::/64.");
    if (Number(m[2]) < 48 || Number(m[2]) > 120) return _("Use a prefix between /48 and /120.");
    return null;
};

export const checkPort: Check = v => {
    if (!/^\d+$/.test(v.trim())) return _("Enter a UDP port number.");
    const n = Number(v);
    return n >= 1 && n <= 65535 ? null : _("The port must be between 1 and 65535.");
};

const HOSTNAME = /^(?=.{1,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

function checkEndpointText(v: string): string | null {
    const text = v.trim();
    const m = text.match(/^\[([^\]]+)\]:(\d+)$/) ?? text.match(/^([^:]+):(\d+)$/);
    if (!m) return _("Use host:port, for example vpn.example.com:51820 or 203.0.113.5:51820.");
    const host = m[1];
    if (checkPort(m[2])) return _("The port must be between 1 and 65535.");
    const looksNumeric = /^[\d.]+$/.test(host);
    if (looksNumeric ? parseIPv4(host) === null : !(isIPv6(host) || HOSTNAME.test(host)))
        return _("The host is not a valid name or IP address.");
    return null;
}

export const checkEndpoint: Check = v => (v.trim() ? checkEndpointText(v) : _("Enter the address spokes use to reach the hub."));
export const checkOptionalEndpoint: Check = v => (v.trim() ? checkEndpointText(v) : null);

export function splitList(v: string): string[] {
    return v.split(/[\s,]+/).map(s => s.trim()).filter(Boolean);
}

export const checkDNS: Check = v => {
    const bad = splitList(v).find(s => parseIPv4(s) === null && !isIPv6(s));
    return bad ? cockpit.format(_("$0 is not an IP address."), bad) : null;
};

export const checkSpokeName: Check = v => {
    const text = v.trim();
    if (!text) return _("Give the spoke a name.");
    if (text.length > 63) return _("Use at most 63 characters.");
    return /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/.test(text)
        ? null
        : _("Use letters, digits, dots, dashes and underscores; start with a letter or digit.");
};

export function checkSpokeAddress(v: string, network: string | undefined): string | null {
    const text = v.trim();
    if (!text) return null;
    const ip = parseIPv4(text);
    if (ip === null) return _("Not an IPv4 address.");
    const net = network ? parseCIDRv4(network) : null;
    if (net && !inNetwork(ip, net)) return cockpit.format(_("The address must be inside the hub's network $0."), network ?? "");
    return null;
}

export const checkSubnets: Check = v => {
    const bad = splitList(v).find(s => !parseCIDRv4(s) && checkNetworkCIDRv6(s) !== null);
    return bad ? cockpit.format(_("$0 is not a network in CIDR form."), bad) : null;
};

export const checkTTL: Check = v => (/^\d+\s*[mhd]$/.test(v.trim()) ? null : _("Use a duration such as 30m, 24h or 7d."));
