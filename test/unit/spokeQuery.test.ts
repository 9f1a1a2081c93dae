// The spoke list's search and sort (GET /api/spoke/list with limit): what they mean
// (query.ts), and the orders listIndex.ts gives without comparing spokes one to one, checked
// against a plain sort by that meaning over lists that change as a hub's do.
import assert from "node:assert/strict";
import { spokeSortKeys } from "../../backend/contract/spokeDisplay";
import type { SpokeView } from "../../backend/spokes/list";
import { ListIndex } from "../../backend/spokes/listIndex";
import { Collation, sortByNames, sortYielding } from "../../backend/spokes/order";
import { firstByName, namesUpTo } from "../../backend/spokes/coldPage";
import { collator, compareNames, compareSpokes, matchesFilter, searchWords, spokeFacts, type SpokeFilter } from "../../backend/spokes/query";
import { prng } from "../support/prng";

let serial = 0;

function spoke(fields: Partial<SpokeView> = {}): SpokeView {
    serial++;
    return {
        id: `00000000-0000-4000-8000-${String(serial).padStart(12, "0")}`, name: `spoke-${serial}`, os: "linux", hostname: null, isProxmox: false,
        proxmoxNodeName: null, proxmoxVersion: null, proxmoxClusterId: null, proxmoxClusterName: null, datacenter: null,
        address: `10.0.${serial >> 8 & 255}.${serial & 255}`, addressV6: null, subnets: [], allowedIPs: [], publicKey: `key${serial}`, enabled: true,
        registeredAt: new Date(0).toISOString(), lastHandshake: null, endpoint: null, rxBytes: 0, txBytes: 0, status: "pending", agent: null,
        pendingAction: null, hub: null, ...fields,
    };
}

const none: SpokeFilter = { words: [], state: null, os: null, id: null };
const sorted = (views: SpokeView[], key: typeof spokeSortKeys[number], ascending: boolean) =>
    views.slice().sort((a, b) => compareSpokes(a, b, key, ascending)).map(v => v.id);

describe("unit: the spoke list's search and sort", () => {
    it("sorts names as the page did: numbers by value, case ignored; equal names by id in both directions", () => {
        const a = spoke({ name: "node10" }), b = spoke({ name: "node2" }), c = spoke({ name: "Node2" }), d = spoke({ name: "alpha" });
        assert.deepEqual(sorted([a, b, c, d], "name", true), [d.id, b.id, c.id, a.id]);
        assert.deepEqual(sorted([a, b, c, d], "name", false), [a.id, b.id, c.id, d.id], "node2 and Node2 stay in id order");
    });

    it("puts addresses in numeric order, anything not IPv4 last; states online, registered, offline, disabled", () => {
        const x = spoke({ address: "10.0.0.10" }), y = spoke({ address: "10.0.0.9" }), z = spoke({ address: "fd00::1" });
        assert.deepEqual(sorted([z, x, y], "address", true), [y.id, x.id, z.id]);
        const states = (["disabled", "offline", "pending", "online"] as const).map(status => spoke({ status }));
        assert.deepEqual(sorted(states, "state", true), [states[3].id, states[2].id, states[1].id, states[0].id]);
    });

    it("breaks ties by name, ascending, whichever way the key goes", () => {
        const b = spoke({ name: "b", rxBytes: 5 }), a = spoke({ name: "a", rxBytes: 5 }), c = spoke({ name: "c", rxBytes: 9 });
        assert.deepEqual(sorted([b, a, c], "rx", false), [c.id, a.id, b.id]);
        assert.deepEqual(sorted([b, a, c], "rx", true), [a.id, b.id, c.id]);
    });

    it("searches every word, case ignored, in the shown text; filters by shown state and system", () => {
        const v = spoke({ name: "Web-1", datacenter: "Amsterdam", subnets: ["192.168.7.0/24"], os: "proxmox", status: "pending" });
        const facts = spokeFacts(v);
        const match = (f: Partial<SpokeFilter>) => matchesFilter(v, facts, { ...none, ...f });
        assert.ok(match({ words: searchWords("  web AMSTERDAM ") }));
        assert.ok(match({ words: searchWords("192.168.7 proxmox") }), "the subnets and the shown system");
        assert.ok(!match({ words: searchWords("web paris") }), "every word");
        assert.ok(match({ state: "registered", os: "Proxmox VE" }));
        assert.ok(!match({ state: "online" }));
        assert.ok(!match({ os: "Linux" }));
        assert.ok(!match({ id: "00000000-0000-4000-8000-999999999999" }));
    });

    it("sortYielding sorts as Array.sort does, stably", async () => {
        const random = prng(7);
        const items = Array.from({ length: 5000 }, (_, i) => ({ key: Math.floor(random() * 50), i }));
        const expected = items.slice().sort((a, b) => a.key - b.key);
        assert.deepEqual(await sortYielding(items.slice(), (a, b) => a.key - b.key, 64), expected);
    });

    it("sortByNames gives compareNames' order, also where its plain key orders otherwise", async () => {
        const random = prng(7);
        const parts = ["site", "Site", "pve", "é", "e", "_", "-", ".", " ", "0", "007", "7", "10", "9", "Z", "a", "ß", "ss", "x1y", "99999999999999999999999"];
        const pick = () => Array.from({ length: 1 + Math.floor(random() * 4) }, () => parts[Math.floor(random() * parts.length)]).join("");
        for (const size of [0, 1, 50, 20_000]) {
            const texts = [...new Set(Array.from({ length: size }, pick))];
            assert.deepEqual(await sortByNames(texts.slice()), texts.slice().sort(compareNames));
        }
        const padded = Array.from({ length: 30_000 }, (_v, i) => `site-${String(i * 7919 % 30_000).padStart(6, "0")}`);
        assert.deepEqual(await sortByNames(padded.slice()), padded.slice().sort(compareNames));
    });

    it("namesUpTo gives the names of the first spokes by name, ties with the last one included, in any order of arrival", () => {
        const random = prng(11);
        const parts = ["site", "Site", "SITE", "é", "e", "E", "-", "_", "1", "01", "10", "2", "Z", "ß", "ss"];
        const pick = () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => parts[Math.floor(random() * parts.length)]).join("");
        let checked = 0;
        for (let round = 0; round < 300; round++) {
            const spokes: [string, string][] = Array.from({ length: 1 + Math.floor(random() * 300) },
                (_v, i) => [`${String(Math.floor(random() * 1e6)).padStart(6, "0")}-${i}`, pick()]);
            const count = 1 + Math.floor(random() * 60);
            const ascending = random() < 0.5;
            const wanted = namesUpTo(spokes.map(s => s[1]), count, ascending);
            assert.equal(new Set(wanted).size, wanted.length, "each name once");
            // The spokes of those names give the first spokes of all: what the cold page reads by them.
            const candidates = spokes.filter(s => wanted.includes(s[1]));
            assert.deepEqual(firstByName(candidates, count, ascending), firstByName(spokes, count, ascending), `round ${round}`);
            // And no name past the count-th, only ties with it: the read stays as small as the page.
            const last = firstByName(spokes, count, ascending).at(-1)![1];
            for (const name of wanted) assert.ok((ascending ? 1 : -1) * collator.compare(name, last) <= 0, `${name} is past ${last}`);
            checked += candidates.length < spokes.length ? 1 : 0;
        }
        assert.ok(checked > 100, `most rounds read fewer spokes than all: ${checked}`);
        assert.deepEqual(namesUpTo(["b", "a"], 0, true), []);
    });

    it("a collation keeps its texts in order and its ranks right as texts are added", async () => {
        const c = new Collation();
        await c.reset(["b", "a10", "A2"]);
        c.insert(["a2", "c", "a10"]);
        const ranks = ["A2", "a2", "a10", "b", "c"].map(t => c.rank(c.find(t)));
        assert.deepEqual(ranks, [0, 0, 1, 2, 3]);
        assert.equal(c.find("zzz"), -1);
        assert.equal(c.rankCount, 4);
    });

    it("orders spokes of one name by id when one of them is replaced by another of that name", async () => {
        const index = new ListIndex();
        const ids = ["c", "e", "a", "d"].map(c => `${c.repeat(8)}-0000-4000-8000-000000000000`);
        const first = ids.map(id => spoke({ id, name: "pve" }));
        assert.deepEqual(Array.from(await index.order(first, "name", true), i => first[i].id), sorted(first, "name", true));
        // The same names at the same places, other spokes: the name order must be made again.
        const next = [first[0], first[2], first[3], spoke({ id: `bbbbbbbb-0000-4000-8000-000000000000`, name: "pve" })];
        assert.deepEqual(Array.from(await index.order(next, "name", true), i => next[i].id), sorted(next, "name", true));
    });

    it("orders every list as a sort by compareSpokes would, as lists change from one to the next", async function () {
        this.timeout(60_000);
        const random = prng(42);
        const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
        const names = ["site-1", "Site-1", "site-2", "site-10", "node", "node2", "node10", "alpha", "Ålesund", "zulu", "a b", ""];
        // Ids in no particular order: spokes of one name go by id, not by their place in the list.
        const randomId = () => `${Math.floor(random() * 0xffffffff).toString(16).padStart(8, "0")}-0000-4000-8000-${String(serial).padStart(12, "0")}`;
        const fresh = () => spoke({
            id: randomId(),
            name: `${pick(names)}${random() < 0.5 ? String(Math.floor(random() * 30)) : ""}`,
            os: pick(["linux", "windows", "macos", "FreeBSD", ""]), isProxmox: random() < 0.1,
            hub: pick([null, "hub-a", "Hub-A", "hub-b"]), address: random() < 0.1 ? "fd00::5" : `10.${Math.floor(random() * 3)}.0.${Math.floor(random() * 200)}`,
            endpoint: pick([null, "198.51.100.1:51820", "198.51.100.10:51820", "198.51.100.2:51820"]),
            status: pick(["online", "offline", "pending", "disabled"] as const),
            lastHandshake: random() < 0.5 ? null : new Date(Math.floor(random() * 5) * 1000).toISOString(),
            rxBytes: Math.floor(random() * 4), txBytes: Math.floor(random() * 1e12),
        });
        const check = async (list: SpokeView[], key: typeof spokeSortKeys[number], ascending: boolean, what: string) => {
            const order = await index.order(list, key, ascending);
            assert.deepEqual(Array.from(order, i => list[i].id), sorted(list, key, ascending), `${what}, ${key} ${ascending ? "asc" : "desc"}`);
        };
        const index = new ListIndex();
        let views = Array.from({ length: 400 }, fresh);
        let older: SpokeView[] | null = null;
        for (let round = 0; round < 18; round++) {
            // Some lists are only looked at by name and rx, and one of them later by endpoint,
            // after a newer list was: its collation is then a step ahead of that newer list.
            const keys = round % 3 === 1 ? (["name", "rx"] as const) : spokeSortKeys;
            for (const key of keys) for (const ascending of [true, false]) await check(views, key, ascending, `round ${round}`);
            if (round % 3 === 2 && older) await check(older, "endpoint", false, `round ${round}, the list before`);
            const filter = { ...none, words: searchWords("site 1"), state: "online" as const };
            const found = await index.matching(views, "hub", false, filter);
            assert.deepEqual(Array.from(found, i => views[i].id),
                sorted(views.filter(v => matchesFilter(v, spokeFacts(v), filter)), "hub", false), `round ${round}: a search`);
            // The next list, as list.ts makes one: most views the same objects at the same place,
            // counters moved; in some rounds a few renamed, removed, added; once nearly all new.
            const next = views.map(v => (random() < 0.3 ? { ...v, rxBytes: v.rxBytes + 1, status: pick(["online", "offline"] as const) } : v));
            if (round % 2) {
                for (let k = 0; k < 3; k++) {
                    const i = Math.floor(random() * next.length);
                    next[i] = { ...next[i], name: pick(names), endpoint: pick([null, `198.51.100.${round}:51820`]) };
                }
                for (let k = 0; k < round % 4; k++) next.push(fresh());
            }
            next.splice(Math.floor(random() * next.length), round % 3);
            older = views;
            views = round === 9 ? next.map(v => ({ ...v, name: `${v.name}x` })) : next;
        }
    });
});
