// The reconciler's scheduling with the real code in `off` mode (it renders the conf file and
// touches no interface, so this runs anywhere): debounce, one run at a time, one follow-up.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../backend/config";
import { createLogger } from "../../backend/log";
import { createWireGuard, type WireGuard, type WireGuardOptions } from "../../backend/wireguard";
import { generateKeyPair } from "../../backend/wireguard/keys";
import type { DesiredPeer } from "../../backend/wireguard/types";

describe("wireguard: reconcile scheduling (off mode)", () => {
    let dir: string;
    let wg: WireGuard;
    let loads = 0;
    /** Reads of every peer (the conf file's renders), counted apart from the runs' reads. */
    let peerLoads = 0;
    let gate: Promise<void> | null = null;
    let peers: DesiredPeer[] = [];
    const logLines: string[] = [];

    const confPath = () => path.join(dir, "wireguard", "wg0.conf");
    const confText = () => fs.existsSync(confPath()) ? fs.readFileSync(confPath(), "utf8") : "";
    const newPeer = (i: number): DesiredPeer => ({ publicKey: generateKeyPair().publicKey, allowedIPs: [`10.0.1.${i + 2}/32`] });
    const tick = () => new Promise(r => setTimeout(r, 100));

    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "wghub-sched-"));
        fs.writeFileSync(path.join(dir, "hub.key"), generateKeyPair().privateKey + "\n", { mode: 0o600 });
        loads = 0;
        peerLoads = 0;
        gate = null;
        peers = [];
        wg = await start();
    });

    const start = (options?: WireGuardOptions, schedule?: string) => createWireGuard({
            config: loadConfig({ WGHUB_DATA_DIR: dir, WGHUB_WG_MODE: "off", WGHUB_INTERFACE: "wg0", ...(schedule ? { WGHUB_RECONCILE_SCHEDULE: schedule } : {}) }),
            log: createLogger("debug", l => logLines.push(l)),
            // Counted: what a run reads (the conf file's render reads the peers later, once per burst).
            loadDesired: async options => {
                if (options?.peers === false) loads++;
                else peerLoads++;
                if (gate) await gate;
                return { iface: { name: "wg0", privateKeyFile: path.join(dir, "hub.key"), listenPort: 51820, addresses: ["10.0.1.1/24"] }, peers, routes: [] };
            },
            saveStatus: async () => {},
        }, options);

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

    it("writes the conf file once a burst of changes has gone quiet, not during it", async () => {
        await wg.stop();
        wg = await start({ confTiming: { quietMs: 1500, longestWaitMs: 60_000 } });
        for (let i = 0; i < 20; i++) {
            peers = [...peers, newPeer(i)];
            await wg.trigger(`registration ${i}`);
            assert.equal(confText(), "", `the file was written during the burst, after change ${i}`);
            await tick();
        }
        while (!confText().includes(peers[19].publicKey)) await tick();
        assert.equal(peerLoads, 1, "one render for the whole burst");
        assert.ok(peers.every(p => confText().includes(p.publicKey)));
    });

    it("still writes the conf file during a stream of changes that never goes quiet", async () => {
        await wg.stop();
        wg = await start({ confTiming: { quietMs: 1000, longestWaitMs: 500 } });
        let changes = 0;
        while (!confText() && changes < 100) {
            peers = [...peers, newPeer(changes)];
            await wg.trigger(`registration ${changes++}`);
            await tick();
        }
        assert.ok(confText().includes(peers[0].publicKey), `no conf file after ${changes} changes 100 ms apart`);
    });

    it("renders nothing in a scheduled run that finds the peers last written", async () => {
        // The render takes the peers a slice at a time; comparing them with the last written does not.
        let renders = 0;
        const watched = (list: DesiredPeer[]) => new Proxy(list, {
            get: (target, prop, receiver) => (prop === "slice" && renders++, Reflect.get(target, prop, receiver)),
        });
        peers = watched([newPeer(0), newPeer(1)]);
        assert.equal((await wg.runNow()).error, null);
        assert.ok(renders > 0 && confText().includes(peers[1].publicKey));
        const after = renders;
        assert.equal((await wg.runNow()).error, null);
        assert.equal(renders, after, "the second run rendered the same peers again");

        peers = watched([...peers, newPeer(2)]);
        assert.equal((await wg.runNow()).error, null);
        assert.ok(renders > after);
        assert.ok(confText().includes(peers[2].publicKey));
    });

    /** A reconciler scheduled every second, once its start wrote the file; then one change. Answers the runs so far. */
    async function changeUnderSchedule(confTiming: NonNullable<WireGuardOptions["confTiming"]>): Promise<number> {
        await wg.stop();
        wg = await start({ confTiming }, "* * * * * *");
        wg.start();
        while (!confText()) await tick();
        peers = [newPeer(0)];
        await wg.trigger("registration");
        return wg.status().runs;
    }

    it("leaves the conf file to the quiet moment in scheduled runs, and writes it at once on runNow", async () => {
        const runs = await changeUnderSchedule({ quietMs: 60_000, longestWaitMs: 60_000 });
        while (wg.status().runs < runs + 2) await tick();
        assert.ok(!confText().includes(peers[0].publicKey), "a scheduled run wrote the conf file at once");
        assert.equal((await wg.runNow()).error, null);
        assert.ok(confText().includes(peers[0].publicKey));
    });

    it("leaves malformed peers out of the conf file and says which", async () => {
        const good = newPeer(0);
        const badKey = { publicKey: "not-a-wireguard-key", allowedIPs: ["10.0.1.3/32"] };
        const badCidr = { publicKey: generateKeyPair().publicKey, allowedIPs: ["10.0.1.300/32"] };
        peers = [badKey, good, badCidr];
        assert.equal((await wg.runNow()).error, null);
        assert.ok(confText().includes(good.publicKey));
        assert.ok(!confText().includes(badKey.publicKey) && !confText().includes(badCidr.publicKey));
        assert.ok(!confText().includes("10.0.1.300"));
        assert.equal(wg.status().peers, 1);
        const skipped = logLines.filter(l => l.includes("skipping a peer with an invalid public key"));
        assert.ok(skipped.some(l => l.includes(badKey.publicKey)) && skipped.some(l => l.includes(badCidr.publicKey)), skipped.join("\n"));
    });

    it("writes the conf file a quiet moment after a change even while scheduled runs come every second", async () => {
        const runs = await changeUnderSchedule({ quietMs: 1500, longestWaitMs: 60_000 });
        while (!confText().includes(peers[0].publicKey) && wg.status().runs < runs + 20) await tick();
        assert.ok(confText().includes(peers[0].publicKey), "the scheduled runs kept pushing the write back");
    });
});
