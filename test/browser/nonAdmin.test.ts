// A user who cannot become administrator: Cockpit's bridge runs as "nobody" (no sudo), so the
// session has "Limited access" and superuser channels are refused. The page must explain this
// once, not retry into a storm of error toasts.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { shoot } from "./shots";
import { usePageWorld } from "./world";

/** A --local-session command that drops to nobody before starting the bridge. */
function unprivilegedBridge(dir: string): string {
    const home = path.join(dir, "home");
    fs.mkdirSync(home);
    fs.chownSync(home, 65534, 65534);
    const script = path.join(dir, "bridge");
    fs.writeFileSync(script, [
        "#!/bin/sh",
        `exec /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups -- /usr/bin/env HOME=${home} USER=nobody LOGNAME=nobody /usr/bin/cockpit-bridge`,
        "",
    ].join("\n"), { mode: 0o755 });
    return script;
}

describe("browser: a user without administrative access", function () {
    let dir: string;
    before(function () {
        if (process.getuid?.() !== 0) this.skip();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-nonadmin-"));
        fs.chmodSync(dir, 0o755);
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    const world = usePageWorld({
        init: { networkCIDR: "10.30.0.0/24", listenPort: 51820, publicEndpoint: "hub.example.test:51820" },
        bridge: () => unprivilegedBridge(dir),
    });

    it("explains that administrative access is needed, and raises no toasts", async function () {
        const { page, frame } = world;
        // The shell itself shows the way to turn on administrative access.
        await page.getByText("Limited access").first().waitFor();
        const explanation = frame.locator("#state-access-denied");
        await explanation.waitFor();
        assert.match((await explanation.textContent())!, /Administrative access required/);
        assert.match((await explanation.textContent())!, /Limited access/);
        await shoot(page, frame, "non-admin");

        // The page stops asking (Cockpit reloads it when access is turned on): one calm
        // explanation, no toast, no other state, now and later.
        await frame.locator("body[data-refresh-loop=stopped]").waitFor();
        assert.equal(await frame.locator(".wgh-toast").count(), 0);
        assert.equal(await frame.locator("#state-access-denied").count(), 1);
        assert.equal(await frame.locator("#state-error, #state-service-down, #hub-card, #setup").count(), 0);
        assert.deepEqual(world.scriptErrors, []);
    });
});
