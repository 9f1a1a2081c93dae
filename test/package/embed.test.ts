// The package as a library: `npm pack` installed into an empty host directory; the
// integration guide's Express snippet run as written (only the package name changed), the
// dashboard rendered on the server, and every export's declarations checked by tsc.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { freePort } from "../support/hub";
import { adminRoutes } from "../../backend/http/adminRoutes";
import type { HubContext } from "../../backend/context";
import { embedInstall, root, startHostApp, wireguardPublicKey, type EmbedInstall, type HostApp } from "../support/embedPackage";

/** The guide's "Backend Integration" snippet, and a port to listen on. */
const seedServer = `import express from 'express'
import { installationRoutes, spokeRoutes, hubRoutes } from 'wireguard-hub/backend'

const app = express()

app.use('/api/wireguard/installation', installationRoutes)
app.use('/api/wireguard/spoke', spokeRoutes)
app.use('/api/wireguard/hub', hubRoutes)

app.listen(Number(process.env.PORT), '127.0.0.1')
`;

/** A host that guards the admin routes with createHub's authorize hook. */
const guardedServer = `const express = require("express");
const { createHub, installationRoutes, spokeRoutes, hubRoutes, proxmoxRoutes, auditRoutes, trafficRoutes } = require("wireguard-hub/backend");

createHub({ authorize: req => (req.get("x-test-user") === "alice" ? "alice" : false) });
const app = express();
app.use("/api/wireguard/installation", installationRoutes);
app.use("/api/wireguard/spoke", spokeRoutes);
app.use("/api/wireguard/hub", hubRoutes);
app.use("/api/wireguard/proxmox", proxmoxRoutes);
app.use("/api/wireguard/audit", auditRoutes);
app.use("/api/wireguard/traffic", trafficRoutes);
app.listen(Number(process.env.PORT), "127.0.0.1");
`;

const serverRender = `// PatternFly's CommonJS build requires its stylesheets; a server render has no use for them.
require.extensions[".css"] = () => undefined;
const React = require("react");
const { renderToString } = require("react-dom/server");
const { HubProvider, Dashboard } = require("wireguard-hub");
process.stdout.write(renderToString(React.createElement(HubProvider, { apiBaseUrl: "/api/wireguard" }, React.createElement(Dashboard))));
`;

/** Uses every export with its types; the @ts-expect-error lines fail the check if a type were any. */
const consumer = `import express from "express";
import React from "react";
import {
    createHub, installationRoutes, spokeRoutes, hubRoutes, proxmoxRoutes, auditRoutes, trafficRoutes,
    type Hub, type HubOptions, type Authorize,
} from "wireguard-hub/backend";
import {
    HubProvider, Dashboard, SpokeManager, SpokesTable, TokensTable, ProxmoxTree, TrafficTab, AuditLog, HubCard, HubHealth, SetupWizard,
    fetchTransport, ApiError, type HubTransport, type Spoke, type HubProviderProps, type SpokeManagerProps,
} from "wireguard-hub";
import * as reactEntry from "wireguard-hub/react";
import "wireguard-hub/style.css";

const authorize: Authorize = req => req.get("x-user") ?? false;
const options: HubOptions = { dataDir: "/tmp/x", wgMode: "off", tokenTtl: "1h", tls: false, authorize };
// @ts-expect-error wgMode is one of auto, kernel, userspace, off
const wrong: HubOptions = { wgMode: "fast" };

export async function mount(app: express.Express): Promise<Hub> {
    const hub: Hub = await createHub(options);
    app.use("/a", installationRoutes, spokeRoutes, hubRoutes, proxmoxRoutes, auditRoutes, trafficRoutes);
    app.use("/b", hub.installationRoutes, hub.spokeRoutes, hub.hubRoutes, hub.proxmoxRoutes, hub.auditRoutes, hub.trafficRoutes);
    const url: string | null = hub.enrollmentUrl;
    void url;
    await hub.close();
    return hub;
}

const picked = (spoke: Spoke): string => \`\${spoke.name} \${spoke.address ?? ""} \${spoke.isProxmox}\`;
const transport: HubTransport = fetchTransport("/api/wireguard", { headers: { "X-CSRF": "1" } });
const props: HubProviderProps = { apiBaseUrl: "/api/wireguard" };
const managerProps: SpokeManagerProps = { showProxmoxOnly: true, onSpokeClick: spoke => void picked(spoke) };

export const page = (
    <HubProvider {...props} transport={transport}>
        <Dashboard />
        <SpokeManager {...managerProps} />
        <SpokesTable /><TokensTable /><ProxmoxTree /><TrafficTab /><AuditLog /><HubCard /><HubHealth status={null} /><SetupWizard />
        <reactEntry.Dashboard />
    </HubProvider>
);
// @ts-expect-error showProxmoxOnly is a boolean
export const wrongProp = <SpokeManager showProxmoxOnly="yes" />;
export const failure = (e: unknown) => e instanceof ApiError ? \`\${e.code} \${e.status} \${e.hint}\` : "";
void wrong;
void React;
`;

const tsconfig = {
    compilerOptions: {
        strict: true, noEmit: true, target: "es2022", module: "esnext", moduleResolution: "bundler", jsx: "react-jsx",
        lib: ["es2022", "dom", "dom.iterable"], types: ["node"], esModuleInterop: true, skipLibCheck: true,
    },
    files: ["consumer.tsx", "styles.d.ts", "example/server.ts", "example/client/main.tsx"],
};

describe("package: wireguard-hub as a library (npm pack, installed into an empty host)", function () {
    let install: EmbedInstall;
    let work: string;

    before(function () {
        this.timeout(900_000);
        install = embedInstall();
        work = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-embed-"));
    });

    after(function () {
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("packs the library entry points and their declarations, not the service's bundles", function () {
        const listed = spawnSync("tar", ["tzf", install.tarball], { encoding: "utf8" }).stdout.split("\n");
        for (const file of ["dist/lib/backend.cjs", "dist/lib/react.cjs", "dist/lib/react.mjs", "dist/lib/style.css",
            "dist/lib/types/backend/embed/index.d.ts", "dist/lib/types/plugin/embed/index.d.ts", "dist/templates/install-linux.sh.ejs", "package.json"])
            assert.ok(listed.includes(`package/${file}`), `${file} is in the tarball`);
        assert.ok(!listed.some(f => f.startsWith("package/dist/backend/") || f.startsWith("package/dist/cockpit/")), "the service and the Cockpit page stay out");
        const pkg = JSON.parse(fs.readFileSync(path.join(install.dir, "node_modules", "wireguard-hub", "package.json"), "utf8"));
        assert.deepEqual(Object.keys(pkg.exports), [".", "./react", "./backend", "./style.css", "./package.json"]);
        // React and PatternFly come once, from the host: the bundle requires them.
        const bundle = fs.readFileSync(path.join(install.dir, "node_modules", "wireguard-hub", "dist", "lib", "react.cjs"), "utf8");
        for (const peer of ["react", "@patternfly/react-core", "@patternfly/react-table"]) assert.match(bundle, new RegExp(`require\\("${peer.replace("/", "\\/")}"\\)`));
        assert.doesNotMatch(bundle, /window\.cockpit/);
    });

    describe("the guide's Express snippet, as written", function () {
        let app: HostApp;
        const dataDir = () => path.join(work, "hub");

        before(async function () {
            this.timeout(60_000);
            fs.writeFileSync(path.join(install.dir, "seed-server.mjs"), seedServer);
            app = await startHostApp("seed-server.mjs", install.dir, {
                WGHUB_DATA_DIR: dataDir(), WGHUB_WG_MODE: "off", WGHUB_RATE_LIMIT: "off",
                WGHUB_TLS: "off", WGHUB_ALLOW_HTTP_ENROLLMENT: "yes", WGHUB_PUBLIC_LISTEN: `127.0.0.1:${await freePort()}`,
            }, "/api/wireguard/hub/healthz");
        });

        after(async function () {
            await app?.stop();
        });

        const call = async (method: string, urlPath: string, body?: unknown) => {
            const answer = await fetch(`${app.url}/api/wireguard${urlPath}`, {
                method, headers: body === undefined ? {} : { "Content-Type": "application/json" },
                body: body === undefined ? undefined : JSON.stringify(body),
            });
            const text = await answer.text();
            return { status: answer.status, text, body: text.startsWith("{") ? JSON.parse(text) : null, headers: answer.headers };
        };

        it("initialises the hub, makes a token, serves its script, registers the spoke and lists it under /api/wireguard/…", async function () {
            this.timeout(60_000);
            assert.deepEqual((await call("GET", "/hub/healthz")).body, { status: "ok", initialized: false });
            const init = await call("POST", "/hub/initialize", { networkCIDR: "10.77.0.0/24", publicEndpoint: "203.0.113.7:51820" });
            assert.equal(init.status, 201, init.text);
            assert.equal(init.body.config.interfaceAddress, "10.77.0.1/24");
            assert.equal((await call("GET", "/hub/config")).body.networkCIDR, "10.77.0.0/24");

            const made = await call("POST", "/installation/token", { spokeName: "branch-office" });
            assert.equal(made.status, 201, made.text);
            const token: string = made.body.token.token;
            assert.match(made.body.token.installCommands.linux, /\/api\/installation\/script\//);
            assert.equal((await call("GET", "/installation/tokens")).body.tokens.length, 1);

            const script = await fetch(`${app.url}/api/wireguard/installation/script/${token}?platform=linux`);
            assert.equal(script.status, 200);
            const scriptText = await script.text();
            assert.match(scriptText, /^#!\/usr\/bin\/env bash|^#!\/bin\/bash/);
            assert.ok(scriptText.includes(token), "the script carries its token");

            const publicKey = wireguardPublicKey();
            const registered = await call("POST", "/spoke/register", { token, publicKey, hostname: "branch-office", os: "linux" });
            assert.equal(registered.status, 201, registered.text);
            assert.equal(registered.body.spoke.address, "10.77.0.2");
            assert.equal((await call("POST", "/spoke/register", { token, publicKey: wireguardPublicKey() })).status, 410, "a token works once");

            const list = await call("GET", "/spoke/list");
            assert.equal(list.status, 200);
            assert.deepEqual(list.body.spokes.map((s: { name: string; publicKey: string }) => [s.name, s.publicKey]), [["branch-office", publicKey]]);
            assert.ok(list.headers.get("etag"), "the list has its ETag");
            assert.equal((await call("GET", "/spoke/list-not-a-route")).status, 404);
        });

        it("answers in the hub's error shape, and never logs a token's secret", async function () {
            const bad = await call("POST", "/installation/token", { spokeName: "" });
            assert.equal(bad.status, 400);
            assert.equal(bad.body.code, "VALIDATION_FAILED");
            assert.equal((await call("POST", "/spoke/register", "not json")).status, 400);
            const output = app.output();
            assert.match(output, /admin routes served without an authorize hook/);
            assert.doesNotMatch(output, /"token":"[A-Za-z0-9_-]{40,}"|token=[A-Za-z0-9_-]{40,}/);
            assert.ok(fs.existsSync(path.join(dataDir(), "hub.sqlite")), "the hub's database is where WGHUB_DATA_DIR says");
        });
    });

    describe("createHub's authorize hook", function () {
        let app: HostApp;

        before(async function () {
            this.timeout(60_000);
            fs.writeFileSync(path.join(install.dir, "guarded-server.cjs"), guardedServer);
            app = await startHostApp("guarded-server.cjs", install.dir, {
                WGHUB_DATA_DIR: path.join(work, "guarded"), WGHUB_WG_MODE: "off", WGHUB_RATE_LIMIT: "off",
                WGHUB_TLS: "off", WGHUB_ALLOW_HTTP_ENROLLMENT: "yes", WGHUB_PUBLIC_LISTEN: `127.0.0.1:${await freePort()}`,
            }, "/api/wireguard/hub/healthz");
        });

        after(async function () {
            await app?.stop();
        });

        it("refuses every admin route of the service's table without it, and lets the hook's user through", async function () {
            this.timeout(60_000);
            // The table the service serves on its admin socket: each route, under its area's mount.
            const routes = adminRoutes({} as HubContext, () => ({ name: "", source: null }));
            assert.ok(routes.length > 20);
            for (const r of routes) {
                const url = `${app.url}${r.path.replace(/^\/api\//, "/api/wireguard/").replace(/:[a-zA-Z]+/g, "00000000-0000-4000-8000-000000000000")}`;
                const refused = await fetch(url, { method: r.method.toUpperCase(), headers: { "Content-Type": "application/json" }, body: r.method === "get" ? undefined : "{}" });
                const body = await refused.json() as { code: string };
                assert.equal(refused.status, 401, `${r.method} ${r.path}`);
                assert.equal(body.code, "UNAUTHORIZED");
            }
            const allowed = await fetch(`${app.url}/api/wireguard/spoke/list`, { headers: { "x-test-user": "alice" } });
            assert.equal(allowed.status, 200);
            const init = await fetch(`${app.url}/api/wireguard/hub/initialize`, {
                method: "POST", headers: { "x-test-user": "alice", "Content-Type": "application/json" },
                body: JSON.stringify({ networkCIDR: "10.78.0.0/24", publicEndpoint: "203.0.113.8:51820" }),
            });
            assert.equal(init.status, 201);
            const events = await (await fetch(`${app.url}/api/wireguard/audit`, { headers: { "x-test-user": "alice" } })).json() as { events: { actor: string }[] };
            assert.equal(events.events[0]?.actor, "alice", "the audit log names the hook's user");
            assert.doesNotMatch(app.output(), /without an authorize hook/);
        });

        it("keeps the spokes' routes open: script, register, health", async function () {
            assert.equal((await fetch(`${app.url}/api/wireguard/hub/healthz`)).status, 200);
            assert.equal((await fetch(`${app.url}/api/wireguard/installation/script/${"A".repeat(43)}?platform=linux`)).status, 404, "an unknown token, not a refusal");
            const register = await fetch(`${app.url}/api/wireguard/spoke/register`, {
                method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: "A".repeat(43), publicKey: wireguardPublicKey() }),
            });
            assert.equal(register.status, 404);
        });
    });

    it("renders <HubProvider apiBaseUrl><Dashboard /></HubProvider> on the server", function () {
        this.timeout(60_000);
        fs.writeFileSync(path.join(install.dir, "server-render.cjs"), serverRender);
        const rendered = spawnSync(process.execPath, ["server-render.cjs"], { cwd: install.dir, encoding: "utf8", timeout: 60_000 });
        assert.equal(rendered.status, 0, rendered.stderr);
        assert.match(rendered.stdout, /id="state-loading"/);
        assert.match(rendered.stdout, /Loading the hub/);
    });

    it("has declarations for every export: a consumer and the example type-check with tsc --strict", function () {
        this.timeout(300_000);
        fs.writeFileSync(path.join(install.dir, "consumer.tsx"), consumer);
        fs.writeFileSync(path.join(install.dir, "styles.d.ts"), "declare module \"*.css\";\n");
        fs.rmSync(path.join(install.dir, "example"), { recursive: true, force: true });
        fs.cpSync(path.join(root, "examples", "embed"), path.join(install.dir, "example"), { recursive: true, filter: src => !/(node_modules|dist)$/.test(src) });
        fs.writeFileSync(path.join(install.dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
        const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
        const checked = spawnSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: install.dir, encoding: "utf8", timeout: 300_000 });
        assert.equal(checked.status, 0, checked.stdout + checked.stderr);
    });
});
