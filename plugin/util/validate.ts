// What the admin types, checked before a request is sent, by the service's own field rules
// (backend/contract/fields.ts): this file only says each refusal in the admin's language.
import cockpit from "cockpit";
import {
    badDnsServer, hubNetworkProblem, ipFamily, ipToBigInt, maxDnsServers, networkPrefixes, parseCidr, parseEndpoint, portProblem,
    spokeAddressProblem, spokeNameProblem, spokeNameRule, splitList, subnetProblem, ttlProblem,
} from "../../backend/contract/fields";

export { splitList };

const _ = cockpit.gettext;

/** An error message for the field, or null when it is valid. */
export type Check = (value: string) => string | null;

/** An IPv4 address as a number (for sorting), or null. */
export function ipv4Number(text: string): number | null {
    return ipFamily(text) === 4 ? Number(ipToBigInt(text)) : null;
}

export const checkRequired: Check = v => (v.trim() ? null : _("This field is required."));

function checkNetwork(v: string, family: 4 | 6): string | null {
    const { min, max } = networkPrefixes[family];
    switch (hubNetworkProblem(v.trim(), family)) {
    case null: return null;
    case "empty": return _("Enter the VPN network, for example 10.0.1.0/24.");
    case "family":
    case "not-a-network":
        return family === 4
            ? _("Not an IPv4 network in CIDR form, for example 10.0.1.0/24.")
            : _("Not an IPv6 network in CIDR form, for example fd00:1::/64.");
    case "prefix": return cockpit.format(_("Use a prefix between /$0 and /$1."), min, max);
    case "host-bits": return _("The address has bits set beyond the prefix.");
    }
}

export const checkNetworkCIDR: Check = v => checkNetwork(v, 4);
export const checkNetworkCIDRv6: Check = v => (v.trim() ? checkNetwork(v, 6) : null);

export const checkPort: Check = v => {
    switch (portProblem(v)) {
    case null: return null;
    case "not-a-number": return _("Enter a UDP port number.");
    case "range": return _("The port must be between 1 and 65535.");
    }
};

function checkEndpointText(v: string): string | null {
    const parsed = parseEndpoint(v);
    if (typeof parsed !== "string") return null;
    switch (parsed) {
    case "empty": return _("Enter the address spokes use to reach the hub.");
    case "no-port": return cockpit.format(_("Add the port, for example $0:51820."), v.trim());
    case "port": return _("The port must be between 1 and 65535.");
    case "ipv6-brackets": return _("An IPv6 address needs brackets, for example [2001:db8::1]:51820.");
    case "host": return _("The host is not a valid name or IP address.");
    }
}

export const checkEndpoint: Check = v => checkEndpointText(v);
export const checkOptionalEndpoint: Check = v => (v.trim() ? checkEndpointText(v) : null);

export const checkDNS: Check = v => {
    const items = splitList(v);
    if (items.length > maxDnsServers) return cockpit.format(_("Give at most $0 DNS servers."), maxDnsServers);
    const bad = badDnsServer(items);
    return bad ? cockpit.format(_("$0 is not an IP address."), bad) : null;
};

export const checkSpokeName: Check = v => {
    switch (spokeNameProblem(v.trim())) {
    case null: return null;
    case "empty": return _("Give the spoke a name.");
    case "too-long": return cockpit.format(_("Use at most $0 characters."), spokeNameRule.max);
    case "characters": return _("Use letters, digits, spaces, dots, dashes and underscores; start with a letter or digit.");
    }
};

export function checkSpokeAddress(v: string, network: string | undefined): string | null {
    const text = v.trim();
    if (!text) return null;
    const net = network ? parseCidr(network) : null;
    if (!net) return ipFamily(text) === 4 ? null : _("Not an IPv4 address.");
    switch (spokeAddressProblem(text, net)) {
    case null: return null;
    case "not-ipv4": return _("Not an IPv4 address.");
    case "outside": return cockpit.format(_("The address must be inside the hub's network $0."), net.cidr);
    case "hub": return _("This is the hub's own address.");
    case "network-or-broadcast": return _("This is the network's own or broadcast address.");
    }
}

export const checkSubnets: Check = v => {
    for (const item of splitList(v)) {
        switch (subnetProblem(item)) {
        case null: continue;
        case "not-a-network": return cockpit.format(_("$0 is not a network in CIDR form."), item);
        case "host-bits": return cockpit.format(_("$0 has bits set beyond the prefix."), item);
        case "too-wide": return cockpit.format(_("$0 is wider than /8 (IPv4) or /16 (IPv6)."), item);
        }
    }
    return null;
};

export const checkTTL: Check = v => (v.trim() && ttlProblem(v) ? _("Use a duration between 5m and 30d, such as 30m, 24h or 7d.") : null);
