import assert from "node:assert/strict";
import ipaddr from "ipaddr.js";
import { prng } from "../support/prng";
import {
    addressAt, bigIntToIp, contains, hostCount, ipFamily, ipToBigInt, ordinalOf, overlaps, parseCidr,
} from "../../backend/ipam/cidr";

describe("ipam/cidr: parsing", () => {
    it("parses IPv4 and IPv6 networks to a canonical form", () => {
        const n = parseCidr("10.0.1.0/24")!;
        assert.equal(n.family, 4);
        assert.equal(n.prefix, 24);
        assert.equal(n.base, 0x0a000100n);
        assert.equal(n.cidr, "10.0.1.0/24");
        assert.equal(parseCidr("FD00:0000:0000:0000::/64")!.cidr, "fd00::/64");
        assert.equal(parseCidr("2001:DB8:0:0:0:0:0:0/32")!.cidr, "2001:db8::/32");
        assert.equal(parseCidr("0.0.0.0/0")!.cidr, "0.0.0.0/0");
        assert.equal(parseCidr("::/0")!.cidr, "::/0");
        assert.equal(parseCidr(" 192.168.0.0/16 ")!.cidr, "192.168.0.0/16");
    });

    it("refuses host bits when strict, clears them when not", () => {
        assert.equal(parseCidr("10.0.0.1/24"), null);
        assert.equal(parseCidr("10.0.0.1/24", false)!.cidr, "10.0.0.0/24");
        assert.equal(parseCidr("fd00::1/64"), null);
        assert.equal(parseCidr("fd00::1/64", false)!.cidr, "fd00::/64");
        assert.equal(parseCidr("10.0.0.1/32")!.cidr, "10.0.0.1/32");
    });

    it("refuses what is not a network", () => {
        for (const bad of ["10.0.0.0/33", "fd00::/129", "10.0.0.0", "10.0.0/24", "10.0.0.0/024", "10.0.0.0/-1", "10.0.0.0/24/1",
            "256.0.0.0/8", "01.0.0.0/8", "::ffff:10.0.0.0/120", "fe80::%eth0/64", "10.0.0.0/ 24", "", "x/8", `${"1".repeat(70)}/8`])
            assert.equal(parseCidr(bad), null, bad);
        for (const notText of [undefined, null, 10, ["10.0.0.0/8"], { cidr: "10.0.0.0/8" }])
            assert.equal(parseCidr(notText), null);
    });

    it("tells address families apart, refusing zones, embedded IPv4 and leading zeros", () => {
        assert.equal(ipFamily("10.0.0.1"), 4);
        assert.equal(ipFamily("fd00::1"), 6);
        assert.equal(ipFamily("::"), 6);
        for (const bad of ["10.0.0", "10.0.0.256", "010.0.0.1", "fe80::1%eth0", "::ffff:1.2.3.4", "1.2.3.4 ", "", "localhost"])
            assert.equal(ipFamily(bad), null, bad);
    });
});

describe("ipam/cidr: IPv6 text (RFC 5952)", () => {
    const roundTrip = (ip: string) => bigIntToIp(ipToBigInt(ip), 6);
    it("compresses the longest run of zero groups, the first one on a tie, never a single group", () => {
        assert.equal(roundTrip("2001:0db8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
        assert.equal(roundTrip("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
        assert.equal(roundTrip("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
        assert.equal(roundTrip("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
        assert.equal(roundTrip("0:0:0:0:0:0:0:0"), "::");
        assert.equal(roundTrip("0:0:0:0:0:0:0:1"), "::1");
        assert.equal(roundTrip("1:0:0:0:0:0:0:0"), "1::");
        assert.equal(roundTrip("FD00:ABCD::"), "fd00:abcd::");
    });
    it("converts IPv4 both ways", () => {
        assert.equal(ipToBigInt("255.255.255.255"), 0xffffffffn);
        assert.equal(bigIntToIp(0x0a000102n, 4), "10.0.1.2");
        assert.throws(() => ipToBigInt("not-an-ip"));
    });
});

describe("ipam/cidr: IPv4 read without the general parser", () => {
    // What the rules meant when ipaddr.js read every address: four decimals, no leading zeros.
    const byLibrary = (text: string) =>
        ipaddr.IPv4.isValidFourPartDecimal(text) && /^\d{1,3}(\.\d{1,3}){3}$/.test(text)
            ? ipaddr.parse(text).toByteArray().reduce((acc, byte) => (acc << 8n) + BigInt(byte), 0n)
            : null;
    const ours = (text: string) => (ipFamily(text) === 4 ? ipToBigInt(text) : null);

    it("accepts and refuses the same texts as ipaddr.js, with the same values", () => {
        const edges = ["0.0.0.0", "255.255.255.255", "1.2.3.4", "10.0.0.1", "256.0.0.1", "1.2.3.256", "1.2.3.999", "01.2.3.4",
            "1.2.3.04", "1.2.3.00", "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4", "1.2.3.+4",
            "0x1.2.3.4", "1.2.3.4/8", "1e2.0.0.1", "１.2.3.4", "1.2.3.4\n", "4294967295", "1.2.3.1000"];
        const random = prng(4);
        const pick = () => {
            const r = random();
            if (r < 0.8) return String(Math.floor(random() * 256));
            if (r < 0.9) return String(256 + Math.floor(random() * 800));
            return "0" + String(Math.floor(random() * 100));
        };
        const generated = Array.from({ length: 20_000 }, () => [pick(), pick(), pick(), pick()].join("."));
        for (const text of [...edges, ...generated]) assert.equal(ours(text), byLibrary(text), JSON.stringify(text));
    });

    it("tells whether an IPv4 network contains an address as the numbers do", () => {
        const addresses = [
            "10.64.0.1", "10.64.0.0", "10.64.255.255", "10.65.0.0", "10.63.255.255", "10.64.12.7", "0.0.0.0", "255.255.255.255",
            "10.64.0.256", "10.64.00.1", "010.64.0.1", "10.64.0.01", "10.64.0", "10.64.0.1.2", "10.64.0.1 ", " 10.64.0.1", "10.64..1",
            "1000.64.0.1", "10.64.0.-1", "10.64.0.1e0", "", "::1", "fd00::1", "::ffff:10.64.0.1", "10.64.0.x", "١٠.64.0.1",
        ];
        for (const cidr of ["10.64.0.0/16", "10.64.12.0/24", "10.64.12.7/32", "0.0.0.0/0", "10.0.0.0/8", "255.255.255.0/24"]) {
            const network = parseCidr(cidr)!;
            for (const address of addresses) {
                const value = byLibrary(address);
                const inside = value !== null && value >= network.base && value < network.base + hostCount(network);
                assert.equal(contains(network, address), inside, `${address} in ${cidr}`);
            }
        }
    });

    it("writes IPv4 back as ipaddr.js does", () => {
        const random = prng(9);
        for (let i = 0; i < 20_000; i++) {
            const value = BigInt(Math.floor(random() * 2 ** 32));
            const bytes = [24n, 16n, 8n, 0n].map(shift => Number((value >> shift) & 255n));
            assert.equal(bigIntToIp(value, 4), ipaddr.fromByteArray(bytes).toString());
        }
        assert.equal(bigIntToIp(0n, 4), "0.0.0.0");
        assert.equal(bigIntToIp(0xffffffffn, 4), "255.255.255.255");
    });
});

describe("ipam/cidr: membership and ordinals", () => {
    const v4 = parseCidr("10.0.1.0/24")!;
    const v6 = parseCidr("fd00:20::/64")!;
    it("contains only addresses of the same family inside the range", () => {
        assert.ok(contains(v4, "10.0.1.0"));
        assert.ok(contains(v4, "10.0.1.255"));
        assert.ok(!contains(v4, "10.0.2.0"));
        assert.ok(!contains(v4, "10.0.0.255"));
        assert.ok(!contains(v4, "fd00::1"));
        assert.ok(!contains(v4, "garbage"));
        assert.ok(contains(v6, "fd00:20::ffff:ffff:ffff:ffff"));
        assert.ok(!contains(v6, "fd00:21::"));
    });
    it("maps ordinals to addresses and back", () => {
        assert.equal(addressAt(v4, 1), "10.0.1.1");
        assert.equal(addressAt(v4, 254), "10.0.1.254");
        assert.equal(ordinalOf(v4, "10.0.1.77"), 77);
        assert.equal(addressAt(v6, 2), "fd00:20::2");
        assert.equal(addressAt(v6, 65536), "fd00:20::1:0");
        assert.equal(ordinalOf(v6, "fd00:20::1:0"), 65536);
        const wide = parseCidr("10.0.0.0/16")!;
        for (const n of [0, 1, 255, 256, 257, 65535]) assert.equal(ordinalOf(wide, addressAt(wide, n)), n);
    });
    it("counts hosts and detects overlaps", () => {
        assert.equal(hostCount(v4), 256n);
        assert.equal(hostCount(parseCidr("10.0.0.0/29")!), 8n);
        assert.equal(hostCount(v6), 1n << 64n);
        const a = parseCidr("10.0.0.0/8")!, b = parseCidr("10.200.0.0/16")!, c = parseCidr("11.0.0.0/8")!;
        assert.ok(overlaps(a, b) && overlaps(b, a));
        assert.ok(!overlaps(a, c));
        assert.ok(!overlaps(parseCidr("10.0.0.0/25")!, parseCidr("10.0.0.128/25")!), "adjacent halves do not overlap");
        assert.ok(!overlaps(v4, v6), "families never overlap");
    });
});
