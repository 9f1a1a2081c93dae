// A whole Proxmox VE cluster from the page: one cluster token, its one command, and its nodes
// followed as they register and handshake (in the dialog, the spokes table, the Proxmox tree
// and the Tokens tab); "Add nodes" on a known cluster; cancelling what is left of a token; some
// of it in German.
// Nodes register through the public API with the token read from the copied command, as the
// command would on each node; a handshake is written where the reconciler would store it.
import assert from "node:assert/strict";
import type { FrameLocator, Page } from "playwright-core";
import { spokePublicKey, type RunningHub } from "../support/hub";
import { sql } from "../api/helpers";
import { shoot } from "./shots";
import { usePageWorld } from "./world";

interface ClusterToken {
    id: string;
    purpose: string;
    state: string;
    proxmoxCluster: string | null;
    datacenter: string | null;
    maxUses: number;
    uses: number;
    usesLeft: number;
    nodes: string[];
    createdAt: string;
}

describe("browser: a Proxmox VE cluster in one command", function () {
    const world = usePageWorld({
        clipboard: true,
        init: { networkCIDR: "10.70.0.0/24", publicEndpoint: "hub.example.test:51820" },
    });
    let hub: RunningHub;
    let page: Page;
    let frame: FrameLocator;
    before(() => ({ hub, page, frame } = world));

    /** The cluster tokens, newest first. */
    async function clusterTokens(): Promise<ClusterToken[]> {
        const tokens = (await hub.admin("GET", "/api/installation/tokens")).body.tokens as ClusterToken[];
        return tokens.filter(t => t.purpose === "cluster").sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    }

    /** A node of the cluster registering as the command does on it; returns the spoke's id. */
    async function registerNode(token: string, node: string): Promise<string> {
        const registered = await hub.publicRequest("POST", "/api/spoke/register", {
            token, publicKey: spokePublicKey(), os: "proxmox", hostname: node, isProxmox: true,
            proxmoxNodeName: node, proxmoxClusterName: "pve-lab", proxmoxVersion: "8.2.4",
        });
        assert.equal(registered.status, 201, registered.text);
        return registered.body.spoke.id as string;
    }

    let secret = "";
    let nodeOne = "";

    it("adds a cluster from the spokes tab and shows its one Proxmox VE command, with what it does", async function () {
        await frame.locator("#add-cluster").click();
        await frame.locator("#add-cluster-dialog").waitFor();
        await frame.locator("#add-cluster-name:focus").waitFor();
        await page.keyboard.type("pve-lab");
        assert.equal(await frame.locator("#add-cluster-nodes").inputValue(), "3", "three nodes unless told");
        await frame.locator("#add-cluster-nodes").fill("0");
        await frame.locator("#add-cluster-create").click();
        await frame.locator("#add-cluster-nodes-helper").filter({ hasText: "from 1 to 64" }).waitFor();
        await frame.locator("#add-cluster-nodes").fill("3");
        await frame.locator("#add-cluster-datacenter").fill("Lisbon");
        await frame.locator("#add-cluster-create").click();

        const command = frame.locator("#cluster-command");
        await command.waitFor();
        assert.match(await frame.locator("#add-cluster-title").textContent() ?? "", /Enroll cluster pve-lab/);
        const text = (await command.textContent())!;
        assert.match(text, /platform=proxmox/);
        assert.match(text, /\| bash$/);
        assert.equal(await frame.locator("#install-tabs").count(), 0, "one command, not one per platform");
        assert.match((await frame.locator("#cluster-command-explained").textContent())!, /every other online node of the cluster over the cluster's own root SSH/);
        assert.match((await frame.locator("#token-once").textContent())!, /It enrolls up to 3 nodes and expires in (23|24) h/);
        await frame.locator("#cluster-progress[data-uses=\"0\"]").waitFor();
        assert.equal(await frame.locator("#cluster-progress-count").textContent(), "Waiting for the command to run on a node.");

        await frame.locator("#cluster-command-copy").click();
        const copied = await frame.locator("body").evaluate(() => navigator.clipboard.readText());
        assert.equal(copied, text);
        secret = /\/api\/installation\/script\/([A-Za-z0-9_-]{43})\?platform=proxmox/.exec(copied)?.[1] ?? "";
        assert.ok(secret, copied);

        const [token] = await clusterTokens();
        assert.deepEqual([token.proxmoxCluster, token.maxUses, token.usesLeft, token.datacenter, token.state], ["pve-lab", 3, 3, "Lisbon", "pending"]);
        await shoot(page, frame, "add-cluster-command");
    });

    it("follows the nodes in the dialog as they register and handshake", async function () {
        nodeOne = await registerNode(secret, "pve-lab-1");
        await frame.locator("#cluster-progress[data-uses=\"1\"]").waitFor();
        assert.equal(await frame.locator("#cluster-progress-count").textContent(), "1 of 3 nodes enrolled");
        await frame.locator("#cluster-progress li[data-node=\"pve-lab-1\"][data-state=\"registered\"]").waitFor();

        // The tunnel's first handshake, stored as the reconciler stores it; the second node's
        // registration is a write through the service, so the list is built again.
        await sql(hub, `UPDATE spokes SET "lastHandshake" = ? WHERE id = ?`,
            [new Date().toISOString().replace("T", " ").replace("Z", " +00:00"), nodeOne]);
        await registerNode(secret, "pve-lab-2");
        await frame.locator("#cluster-progress[data-uses=\"2\"]").waitFor();
        await frame.locator("#cluster-progress li[data-node=\"pve-lab-1\"][data-state=\"online\"]").waitFor();
        await frame.locator("#cluster-progress li[data-node=\"pve-lab-2\"][data-state=\"registered\"]").waitFor();
        assert.equal(await frame.locator("#cluster-progress-count").textContent(), "2 of 3 nodes enrolled");
        await shoot(page, frame, "add-cluster-progress");

        // Copied: Done closes at once.
        await frame.locator("#add-cluster-done").click();
        await frame.locator("#add-cluster-dialog").waitFor({ state: "detached" });
    });

    it("shows the cluster as one waiting row in the spokes table, its nodes as spokes", async function () {
        const [token] = await clusterTokens();
        const row = frame.locator(`#pending-row-${token.id}`);
        await row.waitFor();
        assert.equal(await row.getAttribute("data-pending-cluster"), "pve-lab");
        assert.equal(await row.locator(".wgh-spoke-name").textContent(), "Proxmox VE cluster pve-lab");
        assert.equal(await row.locator(".wgh-spoke-state").textContent(), "Waiting for 1 more node");
        assert.equal(await frame.locator("#spokes-table tr[data-pending-name=\"\"]").count(), 0, "no waiting spoke without a name");
        await frame.locator("#spokes-table tr[data-spoke-name=\"pve-lab-1\"]").waitFor();
        await frame.locator("#spokes-table tr[data-spoke-name=\"pve-lab-2\"]").waitFor();
        // The search finds the row by its datacenter.
        await frame.locator("#spokes-search input").fill("lisbon");
        await row.waitFor();
        await frame.locator("#spokes-search input").fill("");
    });

    it("shows the enrollment in the Proxmox tree: k of N nodes and each node's state", async function () {
        await frame.locator("#tab-proxmox").click();
        const cluster = frame.locator("#proxmox-tree [data-cluster=\"pve-lab\"]");
        await cluster.waitFor();
        await cluster.locator(".wgh-cluster-enrolling").filter({ hasText: /^2 of 3 nodes enrolled, command expires in (23|24) h$/ }).waitFor();
        const tree = frame.locator("#proxmox-tree");
        assert.match((await tree.locator("[data-node=\"pve-lab-1\"]").textContent())!, /Online/);
        assert.match((await tree.locator("[data-node=\"pve-lab-2\"]").textContent())!, /Registered/);
        await tree.getByText("Lisbon", { exact: true }).waitFor();
        await shoot(page, frame, "proxmox-cluster-enrolling");
    });

    it("shows the cluster and its uses left in the Tokens tab", async function () {
        await frame.locator("#tab-tokens").click();
        const [token] = await clusterTokens();
        const row = frame.locator(`#token-row-${token.id}`);
        await row.waitFor();
        assert.equal(await row.getAttribute("data-cluster"), "pve-lab");
        assert.equal(await row.locator(".wgh-token-uses").textContent(), "1 of 3 left");
        assert.match((await row.textContent())!, /Proxmox VE cluster pve-lab/);
        assert.equal(await row.locator(".wgh-token-nodes").textContent(), "Nodes: pve-lab-1, pve-lab-2");
        await frame.locator("#tokens-search input").fill("pve-lab-2");
        await row.waitFor();
        await frame.locator("#tokens-search input").fill("");
    });

    it("makes a token for the nodes still missing with Add nodes: the cluster is fixed, only the count is asked", async function () {
        await frame.locator("#tab-proxmox").click();
        await frame.locator("#cluster-add-nodes-pve-lab").click();
        const dialog = frame.locator("#add-cluster-dialog");
        await dialog.waitFor();
        assert.match(await frame.locator("#add-cluster-title").textContent() ?? "", /Add nodes to pve-lab/);
        assert.equal(await frame.locator("#add-cluster-name").inputValue(), "pve-lab");
        assert.equal(await frame.locator("#add-cluster-name").isDisabled(), true);
        assert.equal(await frame.locator("#add-cluster-datacenter").count(), 0, "the cluster's datacenter is kept");
        await frame.locator("#add-cluster-nodes:focus").waitFor();
        await frame.locator("#add-cluster-nodes").fill("2");
        await frame.locator("#add-cluster-nodes").press("Enter");
        await frame.locator("#cluster-command").waitFor();

        const [fresh, first] = await clusterTokens();
        assert.deepEqual([fresh.proxmoxCluster, fresh.maxUses, fresh.datacenter], ["pve-lab", 2, "Lisbon"]);
        assert.notEqual(fresh.id, first.id);
        // Not copied: Escape asks first.
        await page.keyboard.press("Escape");
        await frame.locator("#token-close-confirm").waitFor();
        await frame.locator("#token-close-anyway").click();
        await dialog.waitFor({ state: "detached" });
        await frame.locator(`#proxmox-tree .wgh-cluster-enrolling[data-token="${fresh.id}"]`).filter({ hasText: /^0 of 2 nodes enrolled/ }).waitFor();
        await frame.locator(`#proxmox-tree .wgh-cluster-enrolling[data-token="${first.id}"]`).waitFor();
    });

    it("cancels what is left of a cluster token from its waiting row; its nodes stay", async function () {
        const [, first] = await clusterTokens();
        await frame.locator("#tab-spokes").click();
        await frame.locator(`#pending-actions-${first.id}`).click();
        assert.equal(await frame.locator(`#pending-new-command-${first.id}`).count(), 0, "a cluster token is not re-issued");
        await frame.locator(`#pending-cancel-${first.id}`).click();
        const dialog = frame.locator("#cancel-enrollment-dialog");
        await dialog.waitFor();
        assert.match((await dialog.textContent())!, /1 more node can no longer enroll with it\. The nodes it enrolled stay\./);
        await frame.locator("#cancel-enrollment-confirm").click();
        await dialog.waitFor({ state: "detached" });
        await frame.locator(`#pending-row-${first.id}`).waitFor({ state: "detached" });
        assert.equal((await clusterTokens()).find(t => t.id === first.id)?.state, "revoked");
        await frame.locator("#spokes-table tr[data-spoke-name=\"pve-lab-1\"]").waitFor();
        const refused = await hub.publicRequest("POST", "/api/spoke/register", {
            token: secret, publicKey: spokePublicKey(), os: "proxmox", isProxmox: true, proxmoxNodeName: "pve-lab-3", proxmoxClusterName: "pve-lab",
        });
        assert.equal(refused.status, 410, refused.text);
    });

    it("puts a cluster whose first node has not enrolled yet in the tree under its datacenter", async function () {
        await frame.locator("#tab-proxmox").click();
        await frame.locator("#proxmox-add-cluster").click();
        await frame.locator("#add-cluster-name:focus").waitFor();
        await frame.locator("#add-cluster-datacenter").fill("Porto");
        await frame.locator("#add-cluster-create").click();
        await frame.locator("#cluster-command-copy").click();
        await frame.locator("#add-cluster-done").click();
        await frame.locator("#add-cluster-dialog").waitFor({ state: "detached" });
        const [unnamed] = await clusterTokens();
        assert.equal(unnamed.proxmoxCluster, null);
        const label = frame.locator(`#proxmox-tree .wgh-cluster-enrolling[data-token="${unnamed.id}"]`);
        await label.filter({ hasText: /^0 of 3 nodes enrolled/ }).waitFor();
        await frame.locator("#proxmox-tree [data-cluster=\"New cluster, named by its first node\"]").waitFor();
        await frame.locator("#proxmox-tree").getByText("Porto", { exact: true }).waitFor();
    });

    it("reports no script errors", function () {
        assert.deepEqual(world.scriptErrors, []);
    });
});

describe("browser: a Proxmox VE cluster being enrolled, in German", function () {
    let tokenId = "";
    const world = usePageWorld({
        locale: "de-DE",
        init: { networkCIDR: "10.71.0.0/24", publicEndpoint: "hub.example.test:51820" },
        async prepare(hub) {
            const created = await hub.admin("POST", "/api/installation/token", { maxUses: 3, datacenter: "Lisbon" });
            assert.equal(created.status, 201, created.text);
            tokenId = created.body.token.id;
            const registered = await hub.publicRequest("POST", "/api/spoke/register", {
                token: created.body.token.token, publicKey: spokePublicKey(), os: "proxmox", hostname: "pve-de-1", isProxmox: true,
                proxmoxNodeName: "pve-de-1", proxmoxClusterName: "pve-de",
            });
            assert.equal(registered.status, 201, registered.text);
        },
    });

    it("says it in German: the waiting row with its plural, the tree's progress, the dialog", async function () {
        const { frame } = world;
        const row = frame.locator(`#pending-row-${tokenId}`);
        await row.waitFor();
        assert.equal(await row.locator(".wgh-spoke-name").textContent(), "Proxmox-VE-Cluster pve-de");
        assert.equal(await row.locator(".wgh-spoke-state").textContent(), "Wartet auf 2 weitere Knoten");
        assert.equal(await frame.locator("#add-cluster").textContent(), "Proxmox-VE-Cluster hinzufügen");

        await frame.locator("#tab-proxmox").click();
        await frame.locator(`#proxmox-tree .wgh-cluster-enrolling[data-token="${tokenId}"]`)
            .filter({ hasText: /^1 von 3 Knoten registriert, Befehl läuft in (23|24) Std\. ab$/ }).waitFor();
        await frame.locator("#cluster-add-nodes-pve-de").click();
        assert.equal(await frame.locator("#add-cluster-title").textContent(), "Knoten zu pve-de hinzufügen");
        await frame.locator("#add-cluster-nodes").fill("99");
        await frame.locator("#add-cluster-nodes").press("Enter");
        await frame.locator("#add-cluster-nodes-helper").filter({ hasText: "Geben Sie eine ganze Zahl von 1 bis 64 ein." }).waitFor();
        await frame.locator("#add-cluster-cancel").click();
        await frame.locator("#add-cluster-dialog").waitFor({ state: "detached" });
        assert.deepEqual(world.scriptErrors, []);
    });
});
