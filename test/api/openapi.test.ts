// GET /api/openapi.json is OpenAPI 3.1 and lists exactly the routes the two apps serve:
// checked against the Express router stacks of the real apps (built in-process on a real
// context) and by probing the running service over its socket and port.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type express from "express";
import { loadConfig } from "../../backend/config";
import { createLogger } from "../../backend/log";
import { openDatabase, type Database } from "../../backend/db/connect";
import { AddressBook } from "../../backend/ipam/addresses";
import { DesiredPeers } from "../../backend/spokes/desired";
import { LiveStatus } from "../../backend/spokes/live";
import { TrafficSamples } from "../../backend/traffic/samples";
import { createAdminApp, createPublicApp } from "../../backend/http/apps";
import { openApiPath } from "../../backend/http/openapi";
import type { HubContext } from "../../backend/context";
import { assertError, initialisedHub, type RunningHub } from "./helpers";

type Op = string; // "get /api/spoke/{id}"

interface Layer { route?: { path: string; methods: Record<string, boolean> }; handle: { stack?: Layer[] } }

function served(app: express.Express): Set<Op> {
    const ops = new Set<Op>();
    const walk = (stack: Layer[]) => {
        for (const layer of stack) {
            if (layer.route) {
                for (const [method, on] of Object.entries(layer.route.methods))
                    if (on && method !== "_all") ops.add(`${method} ${openApiPath(layer.route.path)}`);
            } else if (layer.handle.stack) {
                walk(layer.handle.stack);
            }
        }
    };
    walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
    return ops;
}

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
    let db: Database;
    let adminApp: express.Express;
    let publicApp: express.Express;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-openapi-"));

    before(async () => {
        hub = await initialisedHub();
        const res = await hub.admin("GET", "/api/openapi.json");
        assert.equal(res.status, 200);
        doc = res.body;
        const config = loadConfig({ WGHUB_DATA_DIR: dir, WGHUB_WG_MODE: "off", WGHUB_TLS: "off" });
        const log = createLogger("error", () => undefined);
        db = await openDatabase(config.databaseUrl, log);
        const ctx: HubContext = {
            config, db, log, now: () => new Date(), addresses: new AddressBook(db), live: new LiveStatus(), desired: new DesiredPeers(db),
            traffic: new TrafficSamples(30), wireguard: null, tls: null, refreshTls: async () => undefined,
        };
        adminApp = createAdminApp(ctx, { actorOf: () => ({ name: "test", source: null }), bearerToken: null });
        publicApp = createPublicApp(ctx);
    });
    after(async () => {
        await hub?.stop();
        await db?.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

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

    it("its admin operations are exactly those the admin app's router serves", () => {
        assert.deepEqual([...documented(doc, true)].sort(), [...served(adminApp)].sort());
        for (const op of ["post /api/hub/initialize", "delete /api/spoke/{id}", "put /api/proxmox/clusters/{id}", "get /metrics"])
            assert.ok(served(adminApp).has(op), `the walk found ${op}`);
    });

    it("its public operations are exactly those the public app's router serves", () => {
        assert.deepEqual([...documented(doc, false)].sort(), [...served(publicApp)].sort());
        assert.deepEqual([...served(publicApp)].sort(),
            ["get /api/installation/script/{token}", "get /healthz", "post /api/spoke/register"]);
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
