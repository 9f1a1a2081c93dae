// Every answer of the running service has exactly the shape its contract declares
// (backend/contract/api.ts): the types the page and the CLI compile against are the truth.
// A field the service sends but the contract does not declare fails here, as does a
// declared one it leaves out or sends with another type.
import assert from "node:assert/strict";
import type { z } from "zod";
import * as c from "../../backend/contract/api";
import { createToken, defaultInit, enrolledSpoke, startHub, type RunningHub } from "./helpers";

/** Parses `value` with `schema` and checks nothing was dropped on the way. */
function conforms(schema: z.ZodType, value: unknown, what: string): void {
    const result = schema.safeParse(value);
    assert.ok(result.success, `${what}: ${result.success ? "" : JSON.stringify(result.error.issues.slice(0, 3))}`);
    assert.deepEqual(result.data, value, `${what}: the answer has fields the contract does not declare`);
}

describe("api: answers match the contract", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await startHub({ env: { WGHUB_RECONCILE_SCHEDULE: "*/1 * * * * *" } });
    });
    after(async () => hub?.stop());

    it("hub, tokens, spokes, clusters, audit, traffic and health, with data in each", async () => {
        const init = await hub.admin("POST", "/api/hub/initialize", { ...defaultInit, networkCIDRv6: "fd00:7::/64", privateEndpoint: "192.168.1.15:51820" });
        conforms(c.InitializeAnswer, init.body, "POST /api/hub/initialize");
        conforms(c.HubConfig, (await hub.admin("GET", "/api/hub/config")).body, "GET /api/hub/config");
        conforms(c.HubConfigAnswer, (await hub.admin("PUT", "/api/hub/config", { dns: ["9.9.9.9"] })).body, "PUT /api/hub/config");

        const made = await hub.admin("POST", "/api/installation/token", { spokeName: "answer-a", subnets: ["192.168.50.0/24"], datacenter: "fra" });
        conforms(c.TokenAnswer, made.body, "POST /api/installation/token");
        const spoke = await enrolledSpoke(hub, { spokeName: "answer-b" }, { isProxmox: true, os: "proxmox", hostname: "pve1",
            proxmoxNodeName: "pve1", proxmoxClusterName: "lab", proxmoxVersion: "8.2.4", metadata: { kernel: "6.8" } });
        conforms(c.RegisterAnswer, spoke.answer, "POST /api/spoke/register");
        await createToken(hub, { spokeName: "answer-c" });
        const tokens = await hub.admin("GET", "/api/installation/tokens");
        conforms(c.TokenListAnswer, tokens.body, "GET /api/installation/tokens");
        conforms(c.TokenListAnswer, (await hub.admin("GET", "/api/installation/tokens?waiting=true")).body, "GET /api/installation/tokens?waiting=true");
        conforms(c.TokenListAnswer, (await hub.admin("GET", `/api/installation/tokens?unchangedSince=${encodeURIComponent(tokens.headers.etag as string)}`)).body,
            "GET /api/installation/tokens?unchangedSince");

        const list = await hub.admin("GET", "/api/spoke/list");
        conforms(c.SpokeListAnswer, list.body, "GET /api/spoke/list");
        conforms(c.SpokeListAnswer, (await hub.admin("GET", `/api/spoke/list?unchangedSince=${encodeURIComponent(list.headers.etag as string)}`)).body,
            "GET /api/spoke/list?unchangedSince");
        const page = await hub.admin("GET", "/api/spoke/list?limit=10&sort=os&search=answer");
        conforms(c.SpokePageAnswer, page.body, "GET /api/spoke/list?limit");
        conforms(c.SpokeListAnswer, page.body, "GET /api/spoke/list?limit (the route's answer)");
        assert.equal(page.body.spokes.length, 1);
        conforms(c.HubStatus, (await hub.admin("GET", "/api/hub/status")).body, "GET /api/hub/status");
        conforms(c.HubListAnswer, (await hub.admin("GET", "/api/hub/list")).body, "GET /api/hub/list");
        conforms(c.HubStatus, (await hub.admin("GET", "/api/hub/status?peers=false")).body, "GET /api/hub/status?peers=false");

        const clusters = await hub.admin("GET", "/api/proxmox/clusters");
        conforms(c.ClusterListAnswer, clusters.body, "GET /api/proxmox/clusters");
        conforms(c.Message, (await hub.admin("PUT", `/api/proxmox/clusters/${clusters.body.clusters[0].id}`, { description: "rack 2" })).body,
            "PUT /api/proxmox/clusters/:id");
        conforms(c.AuditAnswer, (await hub.admin("GET", "/api/audit")).body, "GET /api/audit");
        conforms(c.TrafficSeries, (await hub.admin("GET", "/api/traffic")).body, "GET /api/traffic");
        conforms(c.TrafficSeries, (await hub.admin("GET", `/api/traffic?spokeId=${spoke.id}&minutes=5`)).body, "GET /api/traffic?spokeId");
        conforms(c.Message, (await hub.admin("POST", `/api/spoke/${spoke.id}/disable`)).body, "POST /api/spoke/:id/disable");
        conforms(c.Message, (await hub.admin("DELETE", `/api/spoke/${spoke.id}`)).body, "DELETE /api/spoke/:id");
        conforms(c.Health, (await hub.publicRequest("GET", "/healthz")).body, "GET /healthz");
    });
});
