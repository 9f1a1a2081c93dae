// IPv4 and IPv6 networks as numbers: the parsing lives with the field rules
// (contract/fields.ts, on ipaddr.js); host ordinals for the address pool are here.
import { bigIntToIp, ipToBigInt, type Network } from "../contract/fields";

export { bigIntToIp, contains, hostCount, ipFamily, ipToBigInt, overlaps, parseCidr, type Network } from "../contract/fields";

/** The address at host ordinal n of the network (0 = network address). */
export function addressAt(netw: Network, ordinal: number): string {
    return bigIntToIp(netw.base + BigInt(ordinal), netw.family);
}

export function ordinalOf(netw: Network, ip: string): number {
    return Number(ipToBigInt(ip) - netw.base);
}
