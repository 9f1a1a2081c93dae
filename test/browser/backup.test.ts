// Backup and restore from the page: "Download backup" on the hub card saves an encrypted file
// through the browser; a new hub's setup wizard restores it ("Restore from a backup"), refusing
// a wrong passphrase with nothing changed, and then shows the restored spokes.
import assert from "node:assert/strict";
import fs from "node:fs";
import { startHub, type RunningHub } from "../support/hub";
import { openHubPage } from "./cockpit";
import { plainSpokes, seedSpokes } from "./seed";
import { usePageWorld } from "./world";

const passphrase = "a passphrase of the admin";

describe("browser: download a backup, restore it on a new hub", function () {
    const world = usePageWorld({
        init: { networkCIDR: "10.45.0.0/24", listenPort: 51820, publicEndpoint: "hub.example.test:51820" },
        prepare: async hub => {
            await seedSpokes(hub, plainSpokes(3, "moved"));
        },
    });
    let backup: Buffer;
    let newHub: RunningHub | null = null;
    after(async () => newHub?.stop());

    it("the hub card's \"Download backup\" saves an encrypted backup once the passphrase is given twice", async () => {
        const { page, frame } = world;
        await frame.locator("#hub-backup").click();
        await frame.locator("#backup-unencrypted").waitFor();
        await frame.locator("#backup-passphrase").fill(passphrase);
        await frame.locator("#backup-passphrase-again").fill("something else");
        await frame.locator("#backup-passphrase-again-helper").filter({ hasText: "The two passphrases differ." }).waitFor();
        assert.ok(await frame.locator("#backup-download").isDisabled());
        await frame.locator("#backup-passphrase-again").fill(passphrase);
        const [download] = await Promise.all([page.waitForEvent("download"), frame.locator("#backup-download").click()]);
        assert.match(download.suggestedFilename(), /^wireguard-hub-\d{8}T\d{6}Z\.backup$/);
        backup = fs.readFileSync((await download.path())!);
        const [magic, header] = backup.toString("utf8").split("\n");
        assert.equal(magic, "WIREGUARD-HUB-BACKUP");
        const parsed = JSON.parse(header);
        assert.equal(parsed.sealed.cipher, "aes-256-gcm");
        assert.equal(parsed.counts.spokes, 3);
        await frame.locator("#backup-dialog").waitFor({ state: "detached" });
    });

    it("a new hub's wizard restores it: a wrong passphrase changes nothing, the right one brings the spokes back", async () => {
        const { page } = world;
        newHub = await startHub({ env: { WGHUB_TLS: "off", WGHUB_WG_MODE: "off" } });
        const frame = await openHubPage(page, world.cockpit.url, { socket: newHub.socket });
        await frame.locator("#setup-restore").click();
        await frame.locator("#restore-dialog input[type=file]").setInputFiles({ name: "hub.backup", mimeType: "application/octet-stream", buffer: backup });
        await frame.locator("#restore-file-helper").filter({ hasText: "with 3 spokes" }).waitFor();
        await frame.locator("#restore-passphrase").fill("not the passphrase");
        await frame.locator("#restore-submit").click();
        await frame.locator("#restore-error").filter({ hasText: "The passphrase is not this backup's" }).waitFor();
        assert.equal((await newHub.admin("GET", "/api/hub/config")).status, 404, "nothing was restored");

        await frame.locator("#restore-passphrase").fill(passphrase);
        await frame.locator("#restore-submit").click();
        await frame.locator("#restore-done").filter({ hasText: "3 spokes are back" }).waitFor();
        await frame.locator("#restore-finish").click();
        await frame.locator("#spokes-table tbody tr", { hasText: "moved-00002" }).waitFor();
        const [a, b] = await Promise.all([world.hub.admin("GET", "/api/hub/config"), newHub.admin("GET", "/api/hub/config")]);
        assert.equal(b.body.publicKey, a.body.publicKey);
        assert.deepEqual(world.scriptErrors, []);
    });
});
