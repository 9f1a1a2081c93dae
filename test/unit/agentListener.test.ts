import assert from "node:assert/strict";
import { contains, parseCidr } from "../../backend/contract/fields";
import { tunnelAddressFilter } from "../../backend/agent/listener";

describe("agent listener: which connections come from the tunnel", () => {
    const addresses = [
        "10.64.0.1", "10.64.0.0", "10.64.255.255", "10.65.0.0", "10.63.255.255", "10.64.12.7", "0.0.0.0", "255.255.255.255",
        "10.64.0.256", "10.64.00.1", "010.64.0.1", "10.64.0.01", "10.64.0", "10.64.0.1.2", "10.64.0.1 ", " 10.64.0.1", "10.64..1",
        "1000.64.0.1", "10.64.0.-1", "10.64.0.1e0", "", "::1", "fd00::1", "::ffff:10.64.0.1", "10.64.0.x", "١٠.64.0.1",
    ];

    it("answers as contains() does, for an IPv4 network of any prefix", () => {
        for (const cidr of ["10.64.0.0/16", "10.64.12.0/24", "10.64.12.7/32", "0.0.0.0/0", "10.0.0.0/8", "255.255.255.0/24"]) {
            const network = parseCidr(cidr)!;
            const fromTunnel = tunnelAddressFilter(network);
            for (const address of addresses) assert.equal(fromTunnel(address), contains(network, address), `${address} in ${cidr}`);
        }
    });

    it("answers as contains() does for an IPv6 network", () => {
        const network = parseCidr("fd00:64::/64")!;
        const fromTunnel = tunnelAddressFilter(network);
        for (const address of [...addresses, "fd00:64::5", "fd00:64:0:1::5", "FD00:64::5"])
            assert.equal(fromTunnel(address), contains(network, address), address);
    });
});
