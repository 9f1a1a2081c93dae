// The reconciler's scheduling with the real code in `off` mode (it renders the conf file and
// touches no interface, so this runs anywhere): debounce, one run at a time, one follow-up.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../backend/config";
import { createLogger } from "../../backend/log";
import { createWireGuard, type WireGuard } from "../../backend/wireguard";
import { generateKeyPair } from "../../backend/wireguard/keys";
import type { DesiredPeer } from "../../backend/wireguard/types";

describe("wireguard: reconcile scheduling (off mode)", () => {
    let dir: string;
    let wg: WireGuard;
    let loads = 0;
    let gate: Promise<void> | null = null;
    let peers: DesiredPeer[] = [];
    const logLines: string[] = [];

    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-sched-"));
        fs.writeFileSync(path.join(dir, "hub.key"), generateKeyPair().privateKey + "\n", { mode: 0o600 });
        loads = 0;
        gate = null;
        peers = [];
        wg = await createWireGuard({
            config: loadConfig({ WGHUB_DATA_DIR: dir, WGHUB_WG_MODE: "off", WGHUB_INTERFACE: "wg0" }),
            log: createLogger("debug", l => logLines.push(l)),
            // Counted: what a run reads (the conf file's render reads the peers later, once per burst).
            loadDesired: async options => {
                if (options?.peers === false) loads++;
                if (gate) await gate;
                return { iface: { name: "wg0", privateKeyFile: path.join(dir, "hub.key"), listenPort: 51820, addresses: ["10.0.1.1/24"] }, peers, routes: [] };
            },
            saveStatus: async () => {},
        });
    });

    afterEach(async () => {
        await wg.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("turns a burst of triggers into one run", async () => {
        const reports = await Promise.all(Array.from({ length: 100 }, (_, i) => wg.trigger(`burst ${i}`)));
        assert.equal(loads, 1);
        assert.ok(reports.every(r => r === reports[0]), "every caller gets the same run's report");
        assert.match(reports[0].reason, /burst 0,burst 1,/);
    });

    it("runs one follow-up for every trigger that arrives during a run", async () => {
        let open!: () => void;
        gate = new Promise<void>(resolve => (open = resolve));
        const first = wg.trigger("first");
        await new Promise(r => setTimeout(r, 30));
        assert.equal(loads, 1, "the first run is waiting on the database");
        const during = Array.from({ length: 20 }, (_, i) => wg.trigger(`during ${i}`));
        await new Promise(r => setTimeout(r, 30));
        assert.equal(loads, 1, "no second run while the first one is going");
        gate = null;
        open();
        await first;
        const followUps = await Promise.all(during);
        await wg.settled();
        assert.equal(loads, 2, "exactly one follow-up");
        assert.ok(followUps.every(r => r === followUps[0]));
        assert.equal(wg.status().runs, 2);
    });

    it("renders the desired peers into the conf file and reports the mode", async () => {
        peers = [{ publicKey: generateKeyPair().publicKey, allowedIPs: ["10.0.1.2/32"] }];
        const report = await wg.runNow();
        assert.equal(report.error, null);
        const status = wg.status();
        assert.equal(status.mode, "off");
        assert.equal(status.modeReason, "WGHUB_WG_MODE=off");
        assert.equal(status.writes, 0);
        assert.equal(status.peers, 1);
        const conf = fs.readFileSync(path.join(dir, "wireguard", "wg0.conf"), "utf8");
        assert.ok(conf.includes(peers[0].publicKey));
        assert.equal(fs.statSync(path.join(dir, "wireguard", "wg0.conf")).mode & 0o777, 0o600);
    });

    it("reports a failure in the status and clears it on the next good run; trigger never rejects", async () => {
        fs.rmSync(path.join(dir, "hub.key"));
        const failed = await wg.trigger("key gone");
        assert.match(failed.error ?? "", /hub\.key/);
        assert.equal(wg.status().lastError, failed.error);
        assert.ok(logLines.some(l => l.includes("reconcile failed")));
        fs.writeFileSync(path.join(dir, "hub.key"), generateKeyPair().privateKey + "\n", { mode: 0o600 });
        const ok = await wg.runNow();
        assert.equal(ok.error, null);
        assert.equal(wg.status().lastError, null);
        await wg.stop();
        const afterStop = await wg.trigger("after stop");
        assert.match(afterStop.error ?? "", /stopped/);
    });
});
