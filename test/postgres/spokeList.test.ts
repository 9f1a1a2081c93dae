// The spoke list on PostgreSQL (json_agg, the row-version trigger) against its table, with
// writes and lists at once; then a page at a time, and the tokens of spokes waiting.
import { startHub, type RunningHub } from "../support/hub";
import { startPostgres, type RunningPostgres } from "../support/postgres";
import {
    allPages, checkListAgainstWrites, checkPagesCoverTheList, compareNames, enrollMany, fullList, referenceOrder, referenceSearch, type TruthRow,
} from "../support/spokeListChecks";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { openDatabase } from "../../backend/db/connect";
import { createLogger } from "../../backend/log";
import { createRequire } from "node:module";

// The driver the service uses, read directly (it ships no types of its own).
interface PgClient {
    connect(): Promise<void>;
    query<R>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
    end(): Promise<void>;
}
const pg = createRequire(__filename)("pg") as { Client: new (options: { connectionString: string }) => PgClient };

describe("postgres: the spoke list against the table", function () {
    this.timeout(300_000);
    let server: RunningPostgres;
    let hub: RunningHub;
    let client: PgClient;
    let ids: string[];
    before(async () => {
        server = await startPostgres();
        hub = await startHub({ env: { WGHUB_TLS: "off", WGHUB_WG_MODE: "off", WGHUB_DATABASE_URL: server.url } });
        const init = await hub.admin("POST", "/api/hub/initialize", { networkCIDR: "10.64.0.0/16", listenPort: 51820, publicEndpoint: "203.0.113.5:51820" });
        assert.equal(init.status, 201, init.text);
        client = new pg.Client({ connectionString: server.url });
        await client.connect();
        ids = await enrollMany(hub, 2500, "site");
    });
    after(async () => {
        await client?.end();
        await hub?.stop();
        await server?.stop();
    });

    it("shows every write made while lists were read, spoke for spoke, with a new ETag", async () => {
        const truth = async (): Promise<TruthRow[]> =>
            (await client.query<{ id: string; name: string; enabled: boolean; subnets: string }>(`SELECT id, name, enabled, subnets FROM spokes ORDER BY "registeredAt", id`))
                .rows.map(r => ({ id: r.id, name: r.name, enabled: r.enabled, subnets: JSON.parse(r.subnets) }));
        await checkListAgainstWrites(hub, truth, ids);
    });

    it("gives a row a new version at every update, whoever makes it", async () => {
        const versionOf = async (id: string) => (await client.query<{ v: string }>(`SELECT "listVersion" AS v FROM spokes WHERE id = $1`, [id])).rows[0]?.v;
        const id = ids[0];
        const v1 = await versionOf(id);
        await client.query(`UPDATE spokes SET datacenter = 'ams' WHERE id = $1`, [id]);
        assert.notEqual(await versionOf(id), v1);
    });

    it("pages cover every spoke once, in the table's order, for every sort key and both directions; a search too", async () => {
        const target = (await fullList(hub)).spokes[10];
        assert.equal((await hub.admin("PUT", `/api/spoke/${target.id}`, { datacenter: "Lisbon" })).status, 200);
        await checkPagesCoverTheList(hub, 400);
        const { spokes } = await fullList(hub);
        const q = { search: "lisbon 10.64.", sort: "name", order: "desc" };
        const { ids: shown } = await allPages(hub, q, 7);
        assert.ok(shown.includes(target.id), "the spoke of the datacenter set above");
        assert.deepEqual(shown, referenceOrder(referenceSearch(spokes, q), "name", false).map(s => s.id));
        const status = await hub.admin("GET", "/api/hub/status?peers=false");
        assert.deepEqual(status.body.datacenters, [...new Set(spokes.map(s => s.datacenter).filter(d => d !== null))].sort(compareNames));
        assert.ok(status.body.datacenters.includes("Lisbon"));
    });

    it("a hub just started reads the first page by name without the list: every name as one text, ties by id", async () => {
        const present = (await fullList(hub)).spokes.map(s => s.id);
        const db = await openDatabase(server.url, createLogger("error", () => undefined));
        try {
            const names = (await client.query<{ name: string }>(`SELECT name FROM spokes`)).rows.map(r => r.name);
            assert.deepEqual((await db.sql.texts(`name`, "spokes"))?.sort(), names.sort());
            assert.deepEqual(await db.sql.texts(`name`, "spokes WHERE name = $1", ["no-such-spoke"]), []);
            assert.equal(await db.sql.texts(`hostname`, "spokes"), null, "a column with nulls");
            await client.query(`UPDATE spokes SET name = 'line' || chr(10) || 'break' WHERE id = $1`, [present[1]]);
            assert.equal(await db.sql.texts(`name`, "spokes"), null, "a name holding a newline");
        } finally {
            await db.close();
        }
        // Names the collator holds equal, first and last by name: each page must order them by id.
        for (const [i, name] of [[2, "Aaa-tie"], [3, "aaa-tie"], [4, "AAA-tie"], [5, "zzz-tie"], [6, "ZZZ-tie"]] as const)
            assert.equal((await hub.admin("PUT", `/api/spoke/${present[i]}`, { name })).status, 200);
        for (const newline of [true, false]) {
            if (!newline) await client.query(`UPDATE spokes SET name = 'site-restored' WHERE id = $1`, [present[1]]);
            // A hub just started has no list in memory: its first pages are read without it.
            const dataDir = hub.dataDir;
            await hub.stop();
            hub = await startHub({ dataDir, env: { WGHUB_TLS: "off", WGHUB_WG_MODE: "off", WGHUB_DATABASE_URL: server.url } });
            // Both asked at once, before the list is built after the first answer.
            const answers = await Promise.all(["asc", "desc"].map(order => hub.admin("GET", `/api/spoke/list?limit=20&sort=name&order=${order}`)));
            const pages: Record<string, { text: string; etag: string | null }> = {};
            for (const [k, order] of ["asc", "desc"].entries()) {
                assert.equal(answers[k].status, 200, answers[k].text);
                pages[order] = { text: answers[k].text, etag: (answers[k].headers.etag as string | undefined) ?? null };
            }
            const { spokes } = await fullList(hub);
            for (const order of ["asc", "desc"]) {
                assert.deepEqual(JSON.parse(pages[order].text).spokes.map((s: { id: string }) => s.id),
                    referenceOrder(spokes, "name", order === "asc").slice(0, 20).map(s => s.id), `${order}, a name with a newline: ${newline}`);
                // Read without the list: its ETag is its own body's.
                assert.equal(pages[order].etag, `"${crypto.createHash("sha256").update(pages[order].text).digest("base64url").slice(0, 27)}"`);
            }
        }
    });

    it("waiting=true: the pending tokens of spokes not registered, picked by PostgreSQL", async () => {
        const waiting = await hub.admin("POST", "/api/installation/token", { spokeName: "waiting-pg" });
        const cluster = await hub.admin("POST", "/api/installation/token", { maxUses: 2 });
        assert.equal(waiting.status, 201, waiting.text);
        assert.equal(cluster.status, 201, cluster.text);
        const r = await hub.admin("GET", "/api/installation/tokens?waiting=true");
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body.tokens.map((t: { id: string }) => t.id), [cluster.body.token.id, waiting.body.token.id]);
    });
});
