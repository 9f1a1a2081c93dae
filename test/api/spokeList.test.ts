// The spoke list at 2,500 spokes (three thousands of kept JSON) against the SQLite table,
// with writes and lists at once; and the row versions it reads after a write. Then the list a
// page at a time (limit): searched, filtered and sorted by the service as the page's table did.
import assert from "node:assert/strict";
import {
    allPages, checkListAgainstWrites, checkPagesCoverTheList, compareNames, enrollMany, fullList, pool, referenceOrder, referenceSearch, shownOs,
    spokePage, type TruthRow,
} from "../support/spokeListChecks";
import { assertError, initialisedHub, spokePublicKey, sql, type RunningHub } from "./helpers";

describe("api: the spoke list against the table", function () {
    this.timeout(300_000);
    let hub: RunningHub;
    let ids: string[];
    before(async () => {
        hub = await initialisedHub({ init: { networkCIDR: "10.64.0.0/16", listenPort: 51820, publicEndpoint: "203.0.113.5:51820" } });
        ids = await enrollMany(hub, 2500, "site");
    });
    after(async () => hub?.stop());

    const truth = async (): Promise<TruthRow[]> =>
        (await sql<{ id: string; name: string; enabled: number; subnets: string }>(hub, `SELECT id, name, enabled, subnets FROM spokes ORDER BY "registeredAt", id`))
            .map(r => ({ id: r.id, name: r.name, enabled: Boolean(r.enabled), subnets: JSON.parse(r.subnets) }));

    it("shows every write made while lists were read, spoke for spoke, with a new ETag", async () => {
        await checkListAgainstWrites(hub, truth, ids);
    });

    it("gives a row a new version at every insert and update, and at an insert of a removed row's id", async () => {
        const versionOf = async (id: string) => (await sql<{ v: number }>(hub, `SELECT "listVersion" AS v FROM spokes WHERE id = ?`, [id]))[0]?.v;
        const id = ids[ids.length - 1];
        const v1 = await versionOf(id);
        assert.notEqual(v1, 0, "set at insert");
        await sql(hub, `UPDATE spokes SET datacenter = 'ams' WHERE id = ?`, [id]);
        const v2 = await versionOf(id);
        assert.notEqual(v2, v1, "an update made outside the service counts too");
        const [row] = await sql<Record<string, unknown>>(hub, `SELECT * FROM spokes WHERE id = ?`, [id]);
        await sql(hub, `DELETE FROM spokes WHERE id = ?`, [id]);
        const columns = Object.keys(row).filter(c => c !== "listVersion");
        await sql(hub, `INSERT INTO spokes (${columns.map(c => `"${c}"`).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`, columns.map(c => row[c]));
        const v3 = await versionOf(id);
        assert.ok(v3 !== v2 && v3 !== 0, "the same id inserted again has a new version");
    });
});

describe("api: the spoke list a page at a time", function () {
    this.timeout(300_000);
    let hub: RunningHub;
    let ids: string[];
    const platforms = ["linux", "windows", "macos", "proxmox"];
    // Names alike but for case ("site-7", "Site-7": one name to the collator), numbered ones
    // ("node2" before "node10"), and as many spokes of one name as the tie-breaks need.
    const nameOf = (i: number) => (i % 3 === 0 ? `site-${i % 40}` : i % 3 === 1 ? `Site-${i % 40}` : `node${i}`);

    before(async () => {
        hub = await initialisedHub({ init: { networkCIDR: "10.66.0.0/16", listenPort: 51820, publicEndpoint: "203.0.113.5:51820" } });
        ids = new Array(300);
        await pool(Array.from({ length: 300 }, (_, i) => i), 16, async i => {
            const t = await hub.admin("POST", "/api/installation/token", {
                spokeName: nameOf(i),
                ...(i % 5 === 0 ? { datacenter: "Amsterdam" } : i % 5 === 1 ? { datacenter: "frankfurt" } : {}),
                ...(i % 17 === 0 ? { subnets: [`172.20.${i % 256}.0/24`] } : {}),
            });
            assert.equal(t.status, 201, t.text);
            const r = await hub.publicRequest("POST", "/api/spoke/register", {
                token: t.body.token.token, publicKey: spokePublicKey(), os: platforms[i % 4], hostname: `host-${i}.example.net`,
            });
            assert.equal(r.status, 201, r.text);
            ids[i] = r.body.spoke.id;
        });
        for (let i = 0; i < 300; i += 13) assert.equal((await hub.admin("POST", `/api/spoke/${ids[i]}/disable`, {})).status, 200);
        // What only the table holds: a system no platform names, agents that reported.
        await sql(hub, `UPDATE spokes SET os = 'FreeBSD' WHERE id IN (?, ?, ?)`, [ids[7], ids[8], ids[9]]);
        await sql(hub, `UPDATE spokes SET "agentVersion" = '1.0.0' WHERE id IN (?, ?)`, [ids[10], ids[11]]);
    });
    after(async () => hub?.stop());

    it("pages cover every spoke once, in the table's order, for every sort key and both directions", async () => {
        await checkPagesCoverTheList(hub, 37);
    });

    it("searches with several words (all of them, case ignored), and filters by state and system", async () => {
        const { spokes } = await fullList(hub);
        const queries: Record<string, string>[] = [
            { search: "SITE-1 amsterdam" }, { search: "  node1   example  " }, { search: "172.20." }, { search: spokes[5].publicKey.slice(3, 12) },
            { state: "disabled" }, { state: "registered" }, { os: "FreeBSD" }, { os: "Proxmox VE" },
            { search: "frankfurt", state: "registered", os: "Windows" }, { search: "no such spoke" },
        ];
        for (const q of queries) {
            for (const [sort, ascending] of [["name", true], ["address", false]] as const) {
                const { ids: shown, matched, total } = await allPages(hub, { ...q, sort, order: ascending ? "asc" : "desc" }, 10);
                const expected = referenceOrder(referenceSearch(spokes, q), sort, ascending).map(s => s.id);
                assert.equal(total, spokes.length);
                assert.equal(matched, expected.length, `${JSON.stringify(q)}: matched`);
                assert.deepEqual(shown, expected, `${JSON.stringify(q)} sort=${sort}: the spokes that match, in order`);
            }
        }
        assert.ok(referenceSearch(spokes, { search: "SITE-1 amsterdam" }).length > 1, "the two words match some spokes");
        assert.ok(referenceSearch(spokes, { search: "SITE-1 amsterdam" }).length < referenceSearch(spokes, { search: "site-1" }).length, "and fewer than one");
        assert.equal(referenceSearch(spokes, { os: "FreeBSD" }).length, 3);
    });

    it("an offset past the end gives the last page; nothing matching is an empty page", async () => {
        const { spokes } = await fullList(hub);
        const { page } = await spokePage(hub, { limit: 40, offset: 100_000 });
        assert.equal(page.offset, 280, "300 spokes: the last page of 40 starts at 280");
        assert.deepEqual(page.spokes.map(s => s.id), referenceOrder(spokes, "name", true).slice(280).map(s => s.id));
        const exact = (await spokePage(hub, { limit: 30, offset: 300 })).page;
        assert.equal(exact.offset, 270, "an offset at the end: the last full page");
        assert.equal(exact.spokes.length, 30);
        const disabled = referenceSearch(spokes, { state: "disabled" }).length;
        const few = (await spokePage(hub, { limit: 5, offset: 50, state: "disabled" })).page;
        assert.equal(few.matched, disabled);
        assert.equal(few.offset, Math.floor((disabled - 1) / 5) * 5);
        assert.ok(few.spokes.length > 0);
        const none = (await spokePage(hub, { limit: 5, offset: 10, search: "no such spoke" })).page;
        assert.deepEqual({ matched: none.matched, spokes: none.spokes, total: none.total }, { matched: 0, spokes: [], total: spokes.length });
        assert.deepEqual(none.oses, ["FreeBSD", "Linux", "macOS", "Proxmox VE", "Windows"], "oses are every spoke's, whatever matched");
    });

    it("id: only that spoke", async () => {
        const { spokes } = await fullList(hub);
        const { page } = await spokePage(hub, { limit: 1, id: ids[42] });
        assert.deepEqual(page.spokes, spokes.filter(s => s.id === ids[42]));
        assert.equal(page.matched, 1);
        assert.equal((await spokePage(hub, { limit: 1, id: "00000000-0000-4000-8000-000000000000" })).page.matched, 0);
    });

    it("answers {unchanged: true} to its own ETag, for the same query only, until a write changes the list", async () => {
        const query: Record<string, string> = { limit: "20", offset: "20", sort: "os", order: "desc", search: "site" };
        const first = await spokePage(hub, query);
        assert.match(first.etag, /^"[\w-]+"$/);
        assert.notEqual(first.etag, (await fullList(hub)).etag, "not the whole list's ETag");
        const again = await hub.admin("GET", `/api/spoke/list?${new URLSearchParams({ ...query, unchangedSince: first.etag })}`);
        assert.deepEqual(again.body, { unchanged: true });
        assert.equal(again.headers.etag, first.etag);
        // The same words written otherwise are the same query.
        const respelled = await hub.admin("GET", `/api/spoke/list?${new URLSearchParams({ ...query, search: "  SITE ", unchangedSince: first.etag })}`);
        assert.deepEqual(respelled.body, { unchanged: true });
        const others: Record<string, string>[] = [{ offset: "40" }, { order: "asc" }, { search: "site 1" }, { state: "registered" }, { limit: "21" }];
        for (const other of others) {
            const r = await hub.admin("GET", `/api/spoke/list?${new URLSearchParams({ ...query, ...other, unchangedSince: first.etag })}`);
            assert.equal(r.status, 200);
            assert.equal(typeof r.body.matched, "number", `${JSON.stringify(other)}: another query, another ETag`);
            assert.notEqual(r.headers.etag, first.etag);
        }
        const renamed = first.page.spokes[0];
        assert.equal((await hub.admin("PUT", `/api/spoke/${renamed.id}`, { name: "site-renamed" })).status, 200);
        const after = await hub.admin("GET", `/api/spoke/list?${new URLSearchParams({ ...query, unchangedSince: first.etag })}`);
        assert.equal(after.status, 200);
        assert.equal(typeof after.body.matched, "number", "a write: the page again");
        assert.notEqual(after.headers.etag, first.etag);
        assert.ok(after.body.spokes.some((s: { name: string }) => s.name === "site-renamed") || after.body.spokes.every((s: { id: string }) => s.id !== renamed.id));
        const { spokes } = await fullList(hub);
        assert.deepEqual(after.body.spokes.map((s: { id: string }) => s.id),
            referenceOrder(referenceSearch(spokes, { search: "site" }), "os", false).slice(20, 40).map(s => s.id), "the page after the write");
    });

    it("refuses bad parameters with a 400 that names the field", async () => {
        const bad: [string, string][] = [
            ["limit=0", "limit"], ["limit=1001", "limit"], ["limit=ten", "limit"], ["limit=-1", "limit"], ["limit=1&limit=2", "limit"],
            ["limit=10&offset=-1", "offset"], ["limit=10&offset=1.5", "offset"], ["limit=10&sort=size", "sort"], ["limit=10&order=up", "order"],
            ["limit=10&state=pending", "state"], [`limit=10&search=${"a".repeat(257)}`, "search"], [`limit=10&os=${"x".repeat(65)}`, "os"],
            ["limit=10&id=42", "id"],
        ];
        for (const [query, field] of bad) {
            const r = await hub.admin("GET", `/api/spoke/list?${query}`);
            assertError(r, 400, "VALIDATION_FAILED", query);
            assert.match(r.body.error, new RegExp(`^${field} is not valid: expected `), query);
        }
        assert.equal((await spokePage(hub, { limit: 10, search: "a".repeat(256), os: "x".repeat(64) })).page.matched, 0, "at the limits: accepted");
    });

    it("the status counts the spokes with an agent and lists their datacenters; the metrics keep states apart", async () => {
        const { spokes } = await fullList(hub);
        const status = await hub.admin("GET", "/api/hub/status?peers=false");
        assert.equal(status.status, 200, status.text);
        assert.equal(status.body.spokes.withAgent, 2);
        assert.equal(status.body.spokes.total, spokes.length);
        assert.deepEqual(status.body.datacenters, ["Amsterdam", "frankfurt"]);
        assert.deepEqual(status.body.datacenters, [...new Set(spokes.map(s => s.datacenter).filter(d => d !== null))].sort(compareNames));
        const metrics = (await hub.admin("GET", "/metrics")).text;
        assert.match(metrics, /^wghub_spokes_with_agent 2$/m);
        assert.deepEqual(metrics.match(/^wghub_spokes\{state="(\w+)"\}/gm)?.map(l => l.replace(/^.*="|"\}$/g, "")).sort(), ["disabled", "offline", "online", "pending"]);
        assert.ok(spokes.some(s => shownOs(s) === "FreeBSD"));
    });
});
