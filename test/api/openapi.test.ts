// GET /api/openapi.json is OpenAPI 3.1 and lists exactly the API this product promises
// (written out below, not derived from the same route table the document comes from), and
// every documented operation answers on its listener while undocumented ones are 404.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { assertError, initialisedHub, type RunningHub } from "./helpers";

type Op = string; // "get /api/spoke/{id}"

/** The admin API: DESIGN.md's list, the seed's paths among them. */
const adminOps: Op[] = [
    "post /api/hub/initialize", "get /api/hub/config", "put /api/hub/config", "get /api/hub/status", "post /api/hub/backup", "post /api/hub/restore", "get /api/hub/list", "post /api/hub/join", "delete /api/hub/member/{name}",
    "post /api/installation/token", "get /api/installation/tokens", "delete /api/installation/token/{id}", "post /api/installation/token/{id}/reissue",
    "get /api/spoke/list", "delete /api/spoke/{id}", "post /api/spoke/{id}/disable", "post /api/spoke/{id}/enable",
    "put /api/spoke/{id}", "post /api/spoke/{id}/rotate-key", "post /api/spoke/{id}/uninstall",
    "get /api/proxmox/clusters", "put /api/proxmox/clusters/{id}", "get /api/audit", "get /api/traffic",
    "get /api/openapi.json", "get /metrics",
];

/** The public enrollment API, and nothing else. */
const publicOps: Op[] = ["get /api/installation/script/{token}", "post /api/spoke/register", "get /healthz"];

function documented(doc: { paths: Record<string, Record<string, { servers: { url: string }[] }>> }, admin: boolean): Set<Op> {
    const ops = new Set<Op>();
    for (const [p, methods] of Object.entries(doc.paths))
        for (const [method, op] of Object.entries(methods))
            if (op.servers[0].url.startsWith("unix:") === admin) ops.add(`${method} ${p}`);
    return ops;
}

describe("api: the OpenAPI document matches the routes", () => {
    let hub: RunningHub;
    let doc: any;

    before(async () => {
        hub = await initialisedHub();
        const res = await hub.admin("GET", "/api/openapi.json");
        assert.equal(res.status, 200);
        doc = res.body;
    });
    after(async () => hub?.stop());

    it("is an OpenAPI 3.1 document with the error schema", () => {
        assert.match(doc.openapi, /^3\.1\.\d+$/);
        assert.equal(typeof doc.info.title, "string");
        assert.equal(typeof doc.info.version, "string");
        assert.deepEqual(doc.components.schemas.Error.required, ["error", "code"]);
        for (const [p, methods] of Object.entries<Record<string, any>>(doc.paths)) {
            assert.match(p, /^\/[A-Za-z0-9/{}._-]*$/, p);
            for (const [method, op] of Object.entries<any>(methods)) {
                assert.ok(["get", "post", "put", "delete"].includes(method), `${method} ${p}`);
                assert.equal(typeof op.summary, "string");
                assert.ok(Object.keys(op.responses).length > 0, `${method} ${p} has responses`);
                for (const name of p.match(/\{(\w+)\}/g) ?? [])
                    assert.ok(op.parameters?.some((x: { name: string; in: string }) => x.in === "path" && `{${x.name}}` === name), `${method} ${p} declares ${name}`);
            }
        }
    });

    it("documents exactly the admin operations the product promises", () => {
        assert.deepEqual([...documented(doc, true)].sort(), [...adminOps].sort());
    });

    it("documents exactly the three public operations", () => {
        assert.deepEqual([...documented(doc, false)].sort(), [...publicOps].sort());
    });

    const fill = (p: string) => p.replace("{token}", crypto.randomBytes(32).toString("base64url")).replace(/\{\w+\}/g, crypto.randomUUID());
    const send = (hub: RunningHub, admin: boolean, method: string, p: string) => {
        const body = method === "post" || method === "put" ? {} : undefined;
        return admin ? hub.admin(method.toUpperCase(), p, body) : hub.publicRequest(method.toUpperCase(), p, body);
    };

    it("every documented operation answers on its listener (no NOT_FOUND)", async () => {
        for (const admin of [true, false]) {
            for (const op of documented(doc, admin)) {
                const [method, p] = op.split(" ");
                if (admin && method === "post" && p === "/api/hub/initialize") continue; // {} would be a 400 anyway; keep the hub
                const res = await send(hub, admin, method, fill(p));
                assert.notEqual(res.body?.code, "NOT_FOUND", `${op}: ${res.text.slice(0, 200)}`);
                assert.ok(res.status < 500, `${op}: ${res.status}`);
            }
        }
    });

    it("undocumented methods on documented paths are NOT_FOUND", async () => {
        for (const admin of [true, false]) {
            const ops = documented(doc, admin);
            const paths = new Set([...ops].map(o => o.split(" ")[1]));
            for (const p of paths) {
                for (const method of ["get", "post", "put", "delete", "patch"]) {
                    const concrete = fill(p);
                    // DELETE /api/spoke/list is DELETE /api/spoke/{id} with id "list": served, rightly
                    const matchedBy = [...ops].filter(o => o.startsWith(`${method} `))
                        .some(o => new RegExp(`^${o.split(" ")[1].replace(/\{\w+\}/g, "[^/]+")}$`).test(concrete));
                    if (matchedBy) continue;
                    assertError(await send(hub, admin, method, concrete), 404, "NOT_FOUND", `${admin ? "admin" : "public"} ${method} ${p}`);
                }
            }
        }
    });
});
