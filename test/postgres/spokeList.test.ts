// The spoke list on PostgreSQL (json_agg, the row-version trigger) against its table, with
// writes and lists at once.
import { startHub, type RunningHub } from "../support/hub";
import { startPostgres, type RunningPostgres } from "../support/postgres";
import { checkListAgainstWrites, enrollMany, type TruthRow } from "../support/spokeListChecks";
import assert from "node:assert/strict";
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
});
