// The first page read without the list (backend/spokes/coldPage.ts), in the service's own
// context on a real SQLite file seeded through the API: the same page the list gives, and one
// snapshot of the table while write transactions end around its reads.
import assert from "node:assert/strict";
import { loadConfig } from "../../backend/config";
import type { HubContext } from "../../backend/context";
import { openHubContext } from "../../backend/hubContext";
import { createLogger } from "../../backend/log";
import { coldPage } from "../../backend/spokes/coldPage";
import { listSpokes, viewsInMemory } from "../../backend/spokes/list";
import { spokePageAnswer, type PageRequest } from "../../backend/spokes/page";
import { pool, referenceOrder, shownOs, compareNames, type ListedSpoke } from "../support/spokeListChecks";
import { initialisedHub, spokePublicKey, sql, waitUntil } from "./helpers";

const nothing = { words: [], state: null, os: null, id: null };
const request = (ascending: boolean, offset: number, limit: number): PageRequest => ({ limit, offset, sort: "name", ascending, filter: nothing });

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
        } finally {
            await hub.stop();
        }
        const env = { WGHUB_DATA_DIR: hub.dataDir, WGHUB_WG_MODE: "off", WGHUB_TLS: "off", WGHUB_LOG_LEVEL: "error" };
        ctx = await openHubContext(loadConfig(env), createLogger("error"));
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

    it("leaves other pages to the list: another order, a search, a filter", async () => {
        assert.equal(await coldPage(ctx, { ...request(true, 0, 20), sort: "os" }), null);
        assert.equal(await coldPage(ctx, { ...request(true, 0, 20), filter: { ...nothing, words: ["site"] } }), null);
        assert.equal(await coldPage(ctx, { ...request(true, 0, 20), filter: { ...nothing, state: "disabled" } }), null);
    });

    it("is one snapshot: a page never mixes the table before and after a write that ended during its reads", async () => {
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
        const seen = { withFlip: 0, withoutFlip: 0, readAgain: 0 };
        try {
            for (let pages = 0; pages < 5000 && (seen.withFlip < 10 || seen.withoutFlip < 10); pages++) {
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
        assert.ok(seen.withFlip >= 10 && seen.withoutFlip >= 10, `pages of both states: ${JSON.stringify(seen)}, ${renames} renames`);
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
