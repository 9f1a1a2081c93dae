// Managed spokes on the admin API: edit a spoke (name, datacenter, subnets), ask its agent to
// rotate its key or uninstall; what each refuses, and the subnet invariant under concurrency.
import assert from "node:assert/strict";
import { assertError, enrolledSpoke, initialisedHub, type RunningHub } from "./helpers";

describe("api: managed spokes (PUT /api/spoke/:id, rotate-key, uninstall)", () => {
    let hub: RunningHub;
    before(async () => {
        hub = await initialisedHub({ init: { networkCIDR: "10.60.0.0/16" } });
    });
    after(async () => hub?.stop());

    const listed = async (id: string) => ((await hub.admin("GET", "/api/spoke/list")).body.spokes as any[]).find(s => s.id === id);

    it("renames a spoke, moves it, and changes its subnets: its peer follows (other spokes' agents: test/system/agent.test.ts)", async () => {
        const a = await enrolledSpoke(hub, { spokeName: "edit-a" });
        const put = await hub.admin("PUT", `/api/spoke/${a.id}`, { name: "edit-a2", datacenter: "Lyon", subnets: ["192.168.50.0/24"] });
        assert.equal(put.status, 200, put.text);
        const shown = await listed(a.id);
        assert.deepEqual([shown.name, shown.datacenter, shown.subnets], ["edit-a2", "Lyon", ["192.168.50.0/24"]]);
        assert.deepEqual(shown.allowedIPs, [`${a.address}/32`, "192.168.50.0/24"]);
        assert.equal(shown.agent, null, "no agent has spoken yet");
        const audit = (await hub.admin("GET", "/api/audit")).body.events as { action: string; subject: string }[];
        assert.ok(audit.some(e => e.action === "spoke.updated" && e.subject === "edit-a2"));
        // One spoke's own entries, as its details show them.
        const own = (await hub.admin("GET", "/api/audit?subject=edit-a2")).body.events as { action: string; subject: string }[];
        assert.ok(own.length >= 1 && own.every(e => e.subject === "edit-a2"), JSON.stringify(own));
        assert.equal((await hub.admin("GET", "/api/audit?subject=")).status, 400);

        const cleared = await hub.admin("PUT", `/api/spoke/${a.id}`, { datacenter: "", subnets: [] });
        assert.equal(cleared.status, 200, cleared.text);
        const after = await listed(a.id);
        assert.deepEqual([after.datacenter, after.subnets, after.allowedIPs], [null, [], [`${a.address}/32`]]);
    });

    it("refuses a subnet routed by another spoke, inside the hub's network, or malformed; an unknown spoke is 404", async () => {
        const owner = await enrolledSpoke(hub, { spokeName: "owner", subnets: ["172.20.0.0/16"] });
        const other = await enrolledSpoke(hub, { spokeName: "other" });
        assertError(await hub.admin("PUT", `/api/spoke/${other.id}`, { subnets: ["172.20.5.0/24"] }), 409, "ADDRESS_TAKEN");
        assertError(await hub.admin("PUT", `/api/spoke/${other.id}`, { subnets: ["10.60.9.0/24"] }), 400, "VALIDATION_FAILED");
        assertError(await hub.admin("PUT", `/api/spoke/${other.id}`, { subnets: ["not-a-network"] }), 400, "VALIDATION_FAILED");
        const endpointHost = (await hub.admin("GET", "/api/hub/config")).body.publicEndpoint.replace(/:\d+$/, "");
        const holding = await hub.admin("PUT", `/api/spoke/${other.id}`, { subnets: [`${endpointHost.split(".").slice(0, 3).join(".")}.0/24`] });
        assertError(holding, 400, "VALIDATION_FAILED");
        assert.match(holding.body.error, /contains the hub's endpoint/);
        assertError(await hub.admin("PUT", `/api/spoke/${other.id}`, { name: "bad\nname" }), 400, "VALIDATION_FAILED");
        assertError(await hub.admin("PUT", "/api/spoke/00000000-0000-4000-8000-000000000000", { name: "ghost" }), 404, "SPOKE_NOT_FOUND");
        // The owner itself may keep (or narrow) its own subnet.
        assert.equal((await hub.admin("PUT", `/api/spoke/${owner.id}`, { subnets: ["172.20.0.0/17"] })).status, 200);
    });

    it("two spokes asking for one subnet at once, 10 times: exactly one gets it each time", async () => {
        for (let i = 0; i < 10; i++) {
            const [x, y] = await Promise.all([enrolledSpoke(hub, { spokeName: `race-x${i}` }), enrolledSpoke(hub, { spokeName: `race-y${i}` })]);
            const subnet = `192.168.${100 + i}.0/24`;
            const answers = await Promise.all([x, y].map(s => hub.admin("PUT", `/api/spoke/${s.id}`, { subnets: [subnet] })));
            assert.deepEqual(answers.map(a => a.status).sort(), [200, 409], answers.map(a => a.text).join(" | "));
            const holders = ((await hub.admin("GET", "/api/spoke/list")).body.spokes as any[]).filter(s => s.subnets.includes(subnet));
            assert.equal(holders.length, 1);
        }
    });

    it("leaves a key rotation or an uninstall for the agent: 202, shown in the list", async () => {
        const s = await enrolledSpoke(hub, { spokeName: "asked" });
        const rotate = await hub.admin("POST", `/api/spoke/${s.id}/rotate-key`);
        assert.equal(rotate.status, 202, rotate.text);
        assert.equal((await listed(s.id)).pendingAction, "rotate-key");
        const uninstall = await hub.admin("POST", `/api/spoke/${s.id}/uninstall`);
        assert.equal(uninstall.status, 202, uninstall.text);
        assert.equal((await listed(s.id)).pendingAction, "uninstall");
        assertError(await hub.admin("POST", "/api/spoke/00000000-0000-4000-8000-000000000000/rotate-key"), 404, "SPOKE_NOT_FOUND");
    });
});
