// The spoke list at 2,500 spokes (three thousands of kept JSON) against the SQLite table,
// with writes and lists at once; and the row versions it reads after a write.
import assert from "node:assert/strict";
import { checkListAgainstWrites, enrollMany, type TruthRow } from "../support/spokeListChecks";
import { initialisedHub, sql, type RunningHub } from "./helpers";

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
