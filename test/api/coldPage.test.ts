// The first page read without the list (backend/spokes/coldPage.ts), in the service's own
// context on a real SQLite file seeded through the API: the same page the list gives, for a
// search too, and one snapshot of the table while write transactions end around its reads.
import assert from "node:assert/strict";
import { loadConfig } from "../../backend/config";
import type { HubContext } from "../../backend/context";
import { openHubContext } from "../../backend/hubContext";
import { createLogger } from "../../backend/log";
import { coldPage } from "../../backend/spokes/coldPage";
import { listSpokes, viewsInMemory } from "../../backend/spokes/list";
import { spokePageAnswer, type PageRequest } from "../../backend/spokes/page";
import { pool, referenceOrder, referenceSearch, shownOs, compareNames, type ListedSpoke } from "../support/spokeListChecks";
import { initialisedHub, spokePublicKey, sql, waitUntil } from "./helpers";

const nothing = { words: [], state: null, os: null, id: null };
const request = (ascending: boolean, offset: number, limit: number): PageRequest => ({ limit, offset, sort: "name", ascending, filter: nothing });
const searched = (search: string, os: string | null, ascending: boolean, offset: number, limit: number): PageRequest =>
    ({ ...request(ascending, offset, limit), filter: { ...nothing, words: search.toLowerCase().split(/\s+/).filter(Boolean), os } });

/** The whole list's spokes, as its JSON gives them. */
async function listed(ctx: HubContext): Promise<ListedSpoke[]> {
    return JSON.parse(JSON.stringify(await listSpokes(ctx)));
}

describe("api: the first page read without the list", function () {
    this.timeout(300_000);
    let ctx: HubContext;
    let flipId: string;
    const platforms = ["linux", "windows", "macos", "proxmox"];
    // Names alike but for case (one name to the collator), numbered ones ("node2" before "node10"),
    // and as many spokes of one name as the tie-breaks by id need.
    const nameOf = (i: number) => (i % 3 === 0 ? `site-${i % 40}` : i % 3 === 1 ? `Site-${i % 40}` : `node${i}`);

    before(async () => {
        const hub = await initialisedHub({ init: { networkCIDR: "10.67.0.0/16", listenPort: 51820, publicEndpoint: "203.0.113.5:51820" } });
        try {
            const ids: string[] = new Array(240);
            await pool(Array.from({ length: 240 }, (_, i) => i), 16, async i => {
                const t = await hub.admin("POST", "/api/installation/token", { spokeName: i === 0 ? "mmm-flip" : nameOf(i) });
                assert.equal(t.status, 201, t.text);
                const r = await hub.publicRequest("POST", "/api/spoke/register", { token: t.body.token.token, publicKey: spokePublicKey(), os: platforms[i % 4] });
                assert.equal(r.status, 201, r.text);
                ids[i] = r.body.spoke.id;
            });
            flipId = ids[0];
            for (let i = 1; i < 240; i += 13) assert.equal((await hub.admin("POST", `/api/spoke/${ids[i]}/disable`, {})).status, 200);
            await sql(hub, `UPDATE spokes SET os = 'FreeBSD' WHERE id IN (?, ?)`, [ids[5], ids[6]]);
            // What a search looks in beside the name: subnets, a hostname, a datacenter, a
            // Proxmox VE cluster's name (another table), and below a live endpoint (memory).
            // Letters SQL's lower() leaves alone: the Kelvin sign and İ, which JavaScript lower-cases
            // to ASCII ("k", "i̇"), and Ä.
            for (const [i, name] of [[2, "\u212aelvin-gw"], [4, "\u0130zmir-gw"], [8, "ÄRZTE-gw"]] as const)
                assert.equal((await hub.admin("PUT", `/api/spoke/${ids[i]}`, { name })).status, 200);
            for (let i = 1; i < 240; i += 7)
                assert.equal((await hub.admin("PUT", `/api/spoke/${ids[i]}`, { subnets: [`172.20.${i}.0/24`] })).status, 200);
            await sql(hub, `INSERT INTO proxmox_clusters (id, "clusterName", datacenter, "createdAt", "updatedAt")
                VALUES ('c-1', 'Rack-Seven', 'fra1', datetime('now'), datetime('now'))`);
            await sql(hub, `UPDATE spokes SET "isProxmox" = 1, "proxmoxClusterId" = 'c-1' WHERE id IN (?, ?, ?)`, [ids[3], ids[7], ids[11]]);
            await sql(hub, `UPDATE spokes SET "isProxmox" = 1 WHERE id = ?`, [ids[16]]);
            await sql(hub, `UPDATE spokes SET hostname = 'db-' || substr(id, 1, 4), datacenter = 'fra1' WHERE rowid % 9 = 0`);
        } finally {
            await hub.stop();
        }
        const env = { WGHUB_DATA_DIR: hub.dataDir, WGHUB_WG_MODE: "off", WGHUB_TLS: "off", WGHUB_LOG_LEVEL: "error" };
        ctx = await openHubContext(loadConfig(env), createLogger("error"));
        const keys = (await listed(ctx)).map(s => s.publicKey);
        ctx.live.update(keys.filter((_, i) => i % 11 === 0).map((publicKey, i) =>
            ({ publicKey, endpoint: `198.51.100.${i}:4${i}`, latestHandshake: Math.floor(Date.now() / 1000), rxBytes: 1, txBytes: 1 })), new Date());
    });
    after(async () => ctx?.db.close());

    it("gives the page the whole list gives, in both directions, at every depth, and the last page past the end", async () => {
        const spokes = await listed(ctx);
        const oses = [...new Set(spokes.map(shownOs))].filter(o => o !== "—").sort(compareNames);
        assert.ok(oses.includes("FreeBSD") && oses.includes("Proxmox VE"));
        for (const ascending of [true, false]) {
            const ordered = referenceOrder(spokes, "name", ascending);
            for (const [offset, limit] of [[0, 20], [0, 1], [37, 37], [200, 50], [239, 10], [5000, 20], [0, 1000]]) {
                const body = await coldPage(ctx, request(ascending, offset, limit));
                assert.ok(body, `offset ${offset}, limit ${limit}: read without the list`);
                const shownFrom = offset >= spokes.length ? Math.floor((spokes.length - 1) / limit) * limit : offset;
                assert.deepEqual(JSON.parse(body), {
                    total: spokes.length, matched: spokes.length, offset: shownFrom, spokes: ordered.slice(shownFrom, shownFrom + limit), oses,
                }, `${ascending ? "asc" : "desc"}, offset ${offset}, limit ${limit}`);
            }
        }
    });

    it("gives the page of a search, a system or one spoke the list gives, by every field searched", async () => {
        const spokes = await listed(ctx);
        const oses = [...new Set(spokes.map(shownOs))].filter(o => o !== "—").sort(compareNames);
        const live = spokes.find(s => s.endpoint?.startsWith("198.51.100."));
        assert.ok(live, "a spoke with a live endpoint");
        const searches: [string, string | null][] = [
            ["site", null], ["SITE-1", null], ["node1 ", null], ["site windows", null], ["", "Windows"], ["site", "Proxmox VE"],
            ["rack-seven", null], ["172.20.", null], ["fra1 db-", null], [live.endpoint!, null], [spokes[17].publicKey.slice(5, 20), null],
            [spokes[40].address, null], ["freebsd", null], ["", "FreeBSD"], ["no-such-spoke", null],
            ["ve", null], ["proxmox ve", null], ["kelvin", null], ["i", null], ["zmir gw", null], ["ärzte", null], ["rzte", null],
            ["site-1 site-13", null], ["1", null], ["198.51", null],
        ];
        for (const [search, os] of searches) {
            const found = referenceSearch(spokes, { search, os: os ?? undefined });
            for (const ascending of [true, false]) {
                const ordered = referenceOrder(found, "name", ascending);
                for (const [offset, limit] of [[0, 20], [10, 10], [900, 20]]) {
                    const body = await coldPage(ctx, searched(search, os, ascending, offset, limit));
                    assert.ok(body, `"${search}" ${os}: read without the list`);
                    const shownFrom = offset >= found.length && found.length > 0 ? Math.floor((found.length - 1) / limit) * limit : offset;
                    assert.deepEqual(JSON.parse(body), {
                        total: spokes.length, matched: found.length, offset: shownFrom, spokes: ordered.slice(shownFrom, shownFrom + limit), oses,
                    }, `"${search}" ${os ?? ""} ${ascending ? "asc" : "desc"}, offset ${offset}, limit ${limit}`);
                }
            }
        }
        for (const [search, count] of [["rack-seven", 3], [live.endpoint!, 1], ["kelvin", 1], ["ärzte", 1]] as const)
            assert.equal(referenceSearch(spokes, { search }).length, count, `${search} is found`);
        const one = JSON.parse((await coldPage(ctx, { ...request(true, 0, 1), filter: { ...nothing, id: spokes[99].id } }))!);
        assert.deepEqual(one, { total: spokes.length, matched: 1, offset: 0, spokes: [spokes[99]], oses });
        const none = JSON.parse((await coldPage(ctx, { ...request(true, 0, 1), filter: { ...nothing, id: "no-such-id" } }))!);
        assert.deepEqual(none, { total: spokes.length, matched: 0, offset: 0, spokes: [], oses });
    });

    it("reads every name as one text, and every id and name when one would not split back from it", async () => {
        const spokes = await listed(ctx);
        assert.deepEqual((await ctx.db.sql.texts(`name`, "spokes"))?.sort(), spokes.map(s => s.name).sort());
        assert.deepEqual(await ctx.db.sql.texts(`name`, "spokes WHERE name = $1", ["no-such-spoke"]), []);
        // A column with nulls (hostnames), and a name holding a newline (never through the API,
        // a database edited by hand): no texts, and the page still right.
        assert.equal(await ctx.db.sql.texts(`hostname`, "spokes"), null);
        const [victim] = spokes;
        await ctx.db.writeTx(t => ctx.db.sql.run(`UPDATE spokes SET name = $1 WHERE id = $2`, ["aab\nline", victim.id], t));
        try {
            assert.equal(await ctx.db.sql.texts(`name`, "spokes"), null);
            const now = await listed(ctx);
            assert.ok(now.some(s => s.name === "aab\nline"));
            for (const ascending of [true, false]) {
                const body = await coldPage(ctx, request(ascending, 0, 20));
                assert.ok(body);
                assert.deepEqual(JSON.parse(body).spokes, referenceOrder(now, "name", ascending).slice(0, 20));
            }
        } finally {
            await ctx.db.writeTx(t => ctx.db.sql.run(`UPDATE spokes SET name = $1 WHERE id = $2`, [victim.name, victim.id], t));
        }
    });

    it("leaves other pages to the list: another order, a state", async () => {
        assert.equal(await coldPage(ctx, { ...request(true, 0, 20), sort: "os" }), null);
        assert.equal(await coldPage(ctx, { ...searched("site", null, true, 0, 20), sort: "address" }), null);
        assert.equal(await coldPage(ctx, { ...request(true, 0, 20), filter: { ...nothing, state: "disabled" } }), null);
    });

    it("is one snapshot: a page or a search never mixes the table before and after a write that ended during its reads", async () => {
        // One spoke renamed back and forth, first of all by name, then last: any page read is
        // the first page with it (as "aaa-flip") or the first page without it.
        const others = referenceOrder((await listed(ctx)).filter(s => s.id !== flipId), "name", true).slice(0, 20).map(s => s.name);
        const withFlip = ["aaa-flip", ...others.slice(0, 19)].join(",");
        const withoutFlip = others.join(",");
        await ctx.db.writeTx(t => ctx.db.sql.run(`UPDATE spokes SET name = 'zzz-flip' WHERE id = $1`, [flipId], t));
        let writing = true, renames = 0;
        const writer = (async () => {
            while (writing) {
                const name = renames++ % 2 ? "zzz-flip" : "aaa-flip";
                await ctx.db.writeTx(t => ctx.db.sql.run(`UPDATE spokes SET name = $1 WHERE id = $2`, [name, flipId], t));
                await new Promise(resolve => setTimeout(resolve, renames % 3));
            }
        })();
        const seen = { withFlip: 0, withoutFlip: 0, found: 0, notFound: 0, readAgain: 0 };
        try {
            for (let pages = 0; pages < 10_000 && (seen.withFlip < 10 || seen.withoutFlip < 10 || seen.found < 10 || seen.notFound < 10); pages++) {
                // A search: the spoke it finds, by the name it had when the page was read, or none.
                if (pages % 2) {
                    const body = await coldPage(ctx, searched("aaa-flip", null, true, 0, 20));
                    if (body === null) {
                        seen.readAgain++;
                        continue;
                    }
                    const { matched, spokes } = JSON.parse(body) as { matched: number; spokes: { name: string }[] };
                    const names = spokes.map(s => s.name).join(",");
                    assert.ok((matched === 1 && names === "aaa-flip") || (matched === 0 && names === ""),
                        `a search of no one state of the table: ${matched} matched, ${names}`);
                    if (matched) seen.found++;
                    else seen.notFound++;
                    continue;
                }
                const body = await coldPage(ctx, request(true, 0, 20));
                if (body === null) {
                    seen.readAgain++;
                    continue;
                }
                const names = (JSON.parse(body).spokes as { name: string }[]).map(s => s.name).join(",");
                assert.ok(names === withFlip || names === withoutFlip, `a page of no one state of the table: ${names}`);
                if (names === withFlip) seen.withFlip++;
                else seen.withoutFlip++;
            }
        } finally {
            writing = false;
            await writer;
        }
        assert.ok(seen.withFlip >= 10 && seen.withoutFlip >= 10 && seen.found >= 10 && seen.notFound >= 10,
            `pages and searches of both states: ${JSON.stringify(seen)}, ${renames} renames`);
        await ctx.db.writeTx(t => ctx.db.sql.run(`UPDATE spokes SET name = 'mmm-flip' WHERE id = $1`, [flipId], t));
    });

    it("answers a page opened without the list at once, with its own ETag, and builds the list for what comes next", async () => {
        // The context of a hub just started: no list in memory.
        const fresh = await openHubContext(loadConfig({ WGHUB_DATA_DIR: ctx.config.dataDir, WGHUB_WG_MODE: "off", WGHUB_TLS: "off" }), createLogger("error"));
        try {
            assert.equal(viewsInMemory(fresh), false);
            const query = { limit: 20, sort: "name" as const };
            const first = await spokePageAnswer(fresh, query);
            assert.ok(first.body);
            assert.equal(first.body, await coldPage(fresh, request(true, 0, 20)), "the page read without the list");
            await waitUntil(async () => viewsInMemory(fresh), 60_000, "the list built after the answer");
            // The list's pages have the list's ETags: the page's own one asks for the page again.
            const again = await spokePageAnswer(fresh, query, first.etag);
            assert.ok(again.body);
            assert.notEqual(again.etag, first.etag);
            assert.deepEqual(JSON.parse(again.body), JSON.parse(first.body), "the same page from the list");
            assert.deepEqual(await spokePageAnswer(fresh, query, again.etag), { etag: again.etag, body: null });
        } finally {
            await fresh.db.close();
        }
    });
});
