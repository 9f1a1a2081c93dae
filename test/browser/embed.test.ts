// examples/embed in Chromium, outside Cockpit: the package installed into a host directory, the
// example's Express app with its own login mounting the routers under /api/wireguard/…, its
// page showing the dashboard and the Proxmox VE tab of the integration guide.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { launchBrowser, type RunningBrowser } from "./cockpit";
import { freePort } from "../support/hub";
import { builtExample, embedInstall, startHostApp, wireguardPublicKey, type HostApp } from "../support/embedPackage";

describe("browser: the embedding example (examples/embed) outside Cockpit", function () {
    const password = crypto.randomBytes(18).toString("base64url");
    let work: string;
    let app: HostApp;
    let browser: RunningBrowser;
    let page: Page;
    let cookie = "";
    const scriptErrors: string[] = [];

    const api = async (method: string, urlPath: string, body?: unknown, signedIn = true) => {
        const answer = await fetch(`${app.url}/api/wireguard${urlPath}`, {
            method,
            headers: { ...(signedIn ? { Cookie: cookie } : {}), ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await answer.text();
        return { status: answer.status, text, body: text.startsWith("{") ? JSON.parse(text) : null };
    };

    async function enroll(spokeName: string, details: Record<string, unknown>): Promise<void> {
        const made = await api("POST", "/installation/token", { spokeName });
        assert.equal(made.status, 201, made.text);
        // The spoke's side: no login, as from the install script.
        const registered = await api("POST", "/spoke/register", { token: made.body.token.token, publicKey: wireguardPublicKey(), ...details }, false);
        assert.equal(registered.status, 201, registered.text);
    }

    before(async function () {
        this.timeout(900_000);
        const example = builtExample(embedInstall());
        work = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-embed-browser-"));
        app = await startHostApp("dist/server.js", example, {
            EXAMPLE_ADMIN_PASSWORD: password,
            WGHUB_DATA_DIR: path.join(work, "hub"), WGHUB_WG_MODE: "off", WGHUB_RATE_LIMIT: "off",
            WGHUB_TLS: "off", WGHUB_ALLOW_HTTP_ENROLLMENT: "yes", WGHUB_PUBLIC_LISTEN: `127.0.0.1:${await freePort()}`,
        }, "/login");
        const login = await fetch(`${app.url}/login`, {
            method: "POST", redirect: "manual", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ password }),
        });
        cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
        assert.match(cookie, /^example-session=/);
        browser = await launchBrowser();
        page = browser.page;
        page.on("pageerror", err => scriptErrors.push(String(err)));
    });

    after(async function () {
        await browser?.close();
        await app?.stop();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    it("keeps the admin routes behind the host's login, and the script and registration open", async function () {
        assert.equal((await api("GET", "/spoke/list", undefined, false)).status, 401);
        assert.equal((await api("POST", "/hub/initialize", { networkCIDR: "10.81.0.0/24", publicEndpoint: "198.51.100.4:51820" }, false)).status, 401);
        assert.equal((await api("GET", "/hub/healthz", undefined, false)).status, 200);
        const init = await api("POST", "/hub/initialize", { networkCIDR: "10.81.0.0/24", publicEndpoint: "198.51.100.4:51820" });
        assert.equal(init.status, 201, init.text);
        await enroll("branch-office", { hostname: "branch-office", os: "linux" });
        await enroll("pve-a", { hostname: "pve-a", isProxmox: true, proxmoxNodeName: "pve-a", proxmoxClusterName: "lab", proxmoxClusterNodes: ["pve-a"] });
        const list = await api("GET", "/spoke/list");
        assert.deepEqual(list.body.spokes.map((s: { name: string }) => s.name).sort(), ["branch-office", "pve-a"]);
        // The audit log names the host's user the authorize hook returned.
        const audit = await api("GET", "/audit?limit=10");
        assert.ok(audit.body.events.some((e: { actor: string }) => e.actor === "admin"), audit.text);
    });

    it("signs in through the host's form and lists the spokes registered through the mounted routes", async function () {
        this.timeout(60_000);
        await page.goto(`${app.url}/`);
        await page.waitForURL(/\/login$/);
        await page.fill("#password", password);
        await page.click("#sign-in");
        await page.waitForURL(`${app.url}/`);
        const table = page.locator("#spokes-table");
        await table.waitFor({ timeout: 30_000 });
        await page.locator('#spokes-table tr[data-spoke-name="branch-office"]').waitFor();
        await page.locator('#spokes-table tr[data-spoke-name="pve-a"]').waitFor();
        assert.match(await page.locator("#spokes-count").innerText(), /2 spokes/);
        // The hub's card shows the settings made through /api/wireguard/hub.
        assert.equal(await page.locator("#hub-public-endpoint").innerText(), "198.51.100.4:51820");
        // The other tabs work outside Cockpit too (their place is kept in memory, not in the host's URL).
        await page.click("#tab-proxmox");
        await page.locator("#proxmox-tree", { hasText: "pve-a" }).waitFor();
        assert.equal(new URL(page.url()).pathname, "/");
    });

    it("shows only Proxmox VE nodes in SpokeManager showProxmoxOnly, and hands a clicked one to onSpokeClick", async function () {
        this.timeout(60_000);
        await page.goto(`${app.url}/proxmox.html`);
        const node = page.locator('#spoke-manager tr[data-spoke-name="pve-a"]');
        await node.waitFor({ timeout: 30_000 });
        assert.equal(await page.locator("#spoke-manager tbody tr").count(), 1);
        assert.equal(await page.locator('#spoke-manager tr[data-spoke-name="branch-office"]').count(), 0);
        const address = (await api("GET", "/spoke/list")).body.spokes.find((s: { name: string }) => s.name === "pve-a").address;
        await node.getByRole("button", { name: "pve-a" }).click();
        await page.locator("#selected-node", { hasText: `pve-a (${address})` }).waitFor();
    });

    it("raised no script errors", function () {
        assert.deepEqual(scriptErrors, []);
    });
});
