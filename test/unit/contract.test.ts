// The page's checks and the service's validation take their field rules from one module
// (backend/contract/fields.ts): the same inputs must get the same verdict from both. The
// page's module is bundled as the page gets it, with gettext as the identity (English).
import assert from "node:assert/strict";
import path from "node:path";
import esbuild from "esbuild";
import { z } from "zod";
import * as c from "../../backend/contract/api";
import { parseWith } from "../../backend/http/routes";

type PageChecks = typeof import("../../plugin/util/validate");

async function pageChecks(): Promise<PageChecks> {
    const result = await esbuild.build({
        entryPoints: [path.resolve(__dirname, "../../plugin/util/validate.ts")],
        bundle: true, platform: "node", format: "cjs", write: false, logLevel: "silent",
        plugins: [{
            name: "cockpit-english",
            setup(build) {
                build.onResolve({ filter: /^cockpit$/ }, () => ({ path: "cockpit", namespace: "cockpit-english" }));
                build.onLoad({ filter: /.*/, namespace: "cockpit-english" }, () => ({
                    contents: "module.exports = { gettext: s => s, format: (f, ...a) => f.replace(/\\$(\\d)/g, (_, i) => String(a[i])) };",
                    loader: "js",
                }));
            },
        }],
    });
    const module = { exports: {} as PageChecks };
    new Function("module", "exports", "require", result.outputFiles[0].text)(module, module.exports, require);
    return module.exports;
}

/** Whether the service takes `value` as field `name` of the body `schema` declares. */
function serviceAccepts(schema: z.ZodObject, name: string, value: unknown, rest: Record<string, unknown> = {}): boolean {
    try {
        parseWith(schema, { ...rest, [name]: value }, "body");
        return true;
    } catch {
        return false;
    }
}

const init = { networkCIDR: "10.0.1.0/24", publicEndpoint: "vpn.example.com:51820" };

const cases: Record<string, string[]> = {
    networkCIDR: ["10.0.1.0/24", "10.0.0.0/8", "192.168.7.0/30", "10.0.1.1/24", "10.0.0.0/7", "10.0.1.0/31", "fd00::/64", "10.0.1.0", "10.0.1.0/024",
        "300.0.0.0/24", "", "10.0.1.0/24 ", "1.2.3.4/33"],
    networkCIDRv6: ["fd00:1::/64", "fd00:1::/48", "fd00:1::/63", "fd00::/120", "fd00::/121", "fd00::1/64", "10.0.1.0/24", "fd00:1::%eth0/64",
        "::ffff:10.0.0.0/120", "FD00:1::/64"],
    publicEndpoint: ["vpn.example.com:51820", "203.0.113.5:51820", "[2001:db8::1]:51820", "2001:db8::1:51820", "2001:db8::1", "vpn.example.com",
        "vpn.example.com:", "vpn.example.com:0", "vpn.example.com:65536", "[vpn.example.com]:51820", "999.1.1.1:51820", "-bad-.com:1",
        "a b.com:51820", "vpn.example.com.:51820", "[::1]:1", "[10.0.0.1]:51820", ""],
    dns: ["1.1.1.1", "1.1.1.1, 8.8.8.8", "2606:4700:4700::1111", "1.1.1.1 dns.google", "1.1.1", "1.1.1.1,,8.8.8.8",
        "1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4 5.5.5.5 6.6.6.6 7.7.7.7 8.8.8.8", "1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4 5.5.5.5 6.6.6.6 7.7.7.7 8.8.8.8 9.9.9.9"],
    spokeName: ["web-1", "Büro Köln", "東京-1", "1st floor", "a", "x".repeat(63), "x".repeat(64), "-x", ".x", "a;b", "a'b", "a/b", "db\u200B1",
        "admin\u202Egnp", "a\nb", ""],
    subnets: ["192.168.10.0/24", "192.168.10.0/24, 10.20.0.0/16", "fd10::/48", "10.0.0.0/8", "10.0.0.0/7", "fd00::/15", "192.168.10.1/24",
        "192.168.10.0", "nonsense", "192.168.10.0/24 2001:db8::/32"],
    listenPort: ["51820", "1", "65535", "0", "65536", "51820x", "", "-1", "5182O"],
    ttl: ["5m", "30m", "24h", "7d", "30d", "31d", "4m", "90s", "1h", "1 h", "h", "", "10x"],
};

describe("contract: the page and the service give the same verdict", () => {
    let page: PageChecks;
    before(async () => {
        page = await pageChecks();
    });

    const verdicts: Record<string, (value: string) => [page: boolean, service: boolean]> = {
        networkCIDR: v => [page.checkNetworkCIDR(v) === null, serviceAccepts(c.InitializeBody, "networkCIDR", v, init)],
        networkCIDRv6: v => [page.checkNetworkCIDRv6(v) === null, serviceAccepts(c.InitializeBody, "networkCIDRv6", v, init)],
        publicEndpoint: v => [page.checkEndpoint(v) === null, serviceAccepts(c.InitializeBody, "publicEndpoint", v, init)],
        dns: v => [page.checkDNS(v) === null, serviceAccepts(c.InitializeBody, "dns", v, init)],
        spokeName: v => [page.checkSpokeName(v) === null, serviceAccepts(c.TokenBody, "spokeName", v)],
        subnets: v => [page.checkSubnets(v) === null, serviceAccepts(c.TokenBody, "subnets", page.splitList(v), { spokeName: "x" })],
        // The wizard asks for the port; only an absent one takes the API's default.
        listenPort: v => [page.checkPort(v) === null, serviceAccepts(c.InitializeBody, "listenPort", v.trim() === "" ? 0 : v, init)],
        ttl: v => [page.checkTTL(v) === null, serviceAccepts(c.TokenBody, "ttl", v, { spokeName: "x" })],
    };

    for (const [field, inputs] of Object.entries(cases)) {
        it(`${field}: ${inputs.length} inputs`, () => {
            const disagree = inputs.filter(v => {
                const [p, s] = verdicts[field](v);
                return p !== s;
            });
            assert.deepEqual(disagree.map(v => JSON.stringify(v)), []);
            // Both ways are exercised: the table holds values each side accepts and refuses.
            const accepted = inputs.filter(v => verdicts[field](v)[1]);
            assert.ok(accepted.length > 0 && accepted.length < inputs.length, `${field}: the table needs good and bad values`);
        });
    }

    it("the page says what to do: a bare host asks for the port, an unbracketed IPv6 for brackets", () => {
        assert.match(page.checkEndpoint("vpn.example.com")!, /Add the port, for example vpn\.example\.com:51820/);
        assert.match(page.checkEndpoint("2001:db8::1")!, /brackets/);
        assert.match(page.checkEndpoint("2001:db8::1:51820")!, /brackets/);
        assert.match(page.checkSpokeAddress("10.0.1.1", "10.0.1.0/24")!, /hub's own address/);
        assert.match(page.checkSpokeAddress("10.0.1.255", "10.0.1.0/24")!, /broadcast/);
        assert.equal(page.checkSpokeAddress("10.0.1.9", "10.0.1.0/24"), null);
    });
});
