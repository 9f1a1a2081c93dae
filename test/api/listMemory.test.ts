// What the spoke list lets go of while it stays in memory: the whole list's JSON (57 MB at
// 100,000 spokes) goes a few seconds after it was sent, and the list sent after is the same.
import assert from "node:assert/strict";
import { loadConfig } from "../../backend/config";
import type { HubContext } from "../../backend/context";
import { openHubContext } from "../../backend/hubContext";
import { createLogger } from "../../backend/log";
import { listJsonHeld, spokeListAnswer, viewsInMemory } from "../../backend/spokes/list";
import { enrollMany } from "../support/spokeListChecks";
import { initialisedHub, waitUntil } from "./helpers";

const text = (parts: Buffer[] | null) => Buffer.concat(parts ?? []).toString();

describe("api: the whole list's JSON is let go soon after it was sent", function () {
    this.timeout(120_000);
    let ctx: HubContext;

    before(async () => {
        const hub = await initialisedHub({ init: { networkCIDR: "10.68.0.0/16", listenPort: 51820, publicEndpoint: "203.0.113.5:51820" } });
        try {
            await enrollMany(hub, 1200, "memory");
        } finally {
            await hub.stop();
        }
        ctx = await openHubContext(loadConfig({ WGHUB_DATA_DIR: hub.dataDir, WGHUB_WG_MODE: "off", WGHUB_TLS: "off" }), createLogger("error"));
    });
    after(async () => ctx?.db.close());

    it("sends the same list with the same ETag after, and answers a poll with that ETag unchanged meanwhile", async () => {
        const first = await spokeListAnswer(ctx);
        assert.equal(JSON.parse(text(first.parts)).spokes.length, 1200);
        assert.ok(listJsonHeld(ctx), "kept for a client that asks again at once");
        await waitUntil(async () => !listJsonHeld(ctx), 60_000, "the list's JSON let go");
        assert.ok(viewsInMemory(ctx), "the views stay, for the pages");
        assert.deepEqual(await spokeListAnswer(ctx, first.etag), { etag: first.etag, parts: null, length: 0 });
        const again = await spokeListAnswer(ctx);
        assert.equal(again.etag, first.etag);
        assert.equal(again.length, first.length);
        assert.equal(text(again.parts), text(first.parts));
        assert.ok(listJsonHeld(ctx));
    });
});
