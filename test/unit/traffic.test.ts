import assert from "node:assert/strict";
import { TrafficSamples, perSpokePoints } from "../../backend/traffic/samples";

const peer = (publicKey: string, rxBytes: number, txBytes: number) => ({ publicKey, endpoint: null, latestHandshake: 0, rxBytes, txBytes });

describe("traffic samples", () => {
    it("turns counters into bytes per second for the hub and each spoke", () => {
        const samples = new TrafficSamples(30);
        const t0 = Date.parse("2026-01-01T00:00:00Z");
        samples.add([peer("a", 0, 0), peer("b", 0, 0)], new Date(t0));
        samples.add([peer("a", 3000, 300), peer("b", 6000, 0)], new Date(t0 + 30_000));
        const now = new Date(t0 + 30_000);
        assert.deepEqual(samples.points(null, 60, now), [{ at: now.toISOString(), rx: 300, tx: 10 }]);
        assert.deepEqual(samples.points("a", 60, now), [{ at: now.toISOString(), rx: 100, tx: 10 }]);
        assert.deepEqual(samples.points("b", 60, now), [{ at: now.toISOString(), rx: 200, tx: 0 }]);
        assert.deepEqual(samples.points("nobody", 60, now), []);
    });

    it("counts from zero when a peer's counters restart, and forgets removed peers", () => {
        const samples = new TrafficSamples(30);
        const t0 = Date.parse("2026-01-01T00:00:00Z");
        samples.add([peer("a", 5000, 5000)], new Date(t0));
        samples.add([peer("a", 300, 150)], new Date(t0 + 30_000));
        const points = samples.points("a", 60, new Date(t0 + 30_000));
        assert.equal(points.at(-1)!.rx, 10);
        assert.equal(points.at(-1)!.tx, 5);
        samples.add([], new Date(t0 + 60_000));
        assert.deepEqual(samples.points("a", 60, new Date(t0 + 60_000)), []);
    });

    it("keeps no series for a spoke that passes no traffic, and shows its idle time as zeros", () => {
        const samples = new TrafficSamples(30);
        const t0 = Date.parse("2026-01-01T00:00:00Z");
        const at = (i: number) => new Date(t0 + i * 30_000);
        for (let i = 0; i < 4; i++) samples.add([peer("idle", 500, 500), peer("busy", i * 3000, 0)], at(i));
        assert.equal(samples.spokesWithSeries, 1);
        assert.deepEqual(samples.points("idle", 60, at(3)).map(p => [p.at, p.rx, p.tx]),
            [1, 2, 3].map(i => [at(i).toISOString(), 0, 0]));
        // Traffic starts: the idle samples stay zeros, the new one is the rate.
        samples.add([peer("idle", 3500, 500), peer("busy", 12000, 0)], at(4));
        assert.equal(samples.spokesWithSeries, 2);
        assert.deepEqual(samples.points("idle", 60, at(4)).map(p => p.rx), [0, 0, 0, 100]);
        assert.deepEqual(samples.points("busy", 60, at(4)).map(p => p.rx), [100, 100, 100, 100]);
        // A spoke that leaves is forgotten, idle or not.
        samples.add([peer("busy", 15000, 0)], at(5));
        assert.deepEqual(samples.points("idle", 60, at(5)), []);
        assert.equal(samples.spokesWithSeries, 1);
    });

    it("keeps at most an hour, and a bounded number of points per spoke whatever the schedule", () => {
        const samples = new TrafficSamples(2);
        const t0 = Date.parse("2026-01-01T00:00:00Z");
        for (let i = 0; i <= 2 * 1800 + 10; i++) samples.add([peer("a", i * 1000, i * 10)], new Date(t0 + i * 2000));
        const now = new Date(t0 + (2 * 1800 + 10) * 2000);
        const hub = samples.points(null, 60, now);
        const spoke = samples.points("a", 60, now);
        assert.ok(hub.length >= 1799 && hub.length <= 1801, `hub points: ${hub.length}`);
        assert.ok(spoke.length <= perSpokePoints + 1 && spoke.length >= perSpokePoints - 2, `spoke points: ${spoke.length}`);
        assert.ok(spoke.every(p => Math.abs(p.rx - 500) < 1e-6 && Math.abs(p.tx - 5) < 1e-6));
        assert.ok(Date.parse(hub[0].at) >= now.getTime() - 3600_000);
        assert.equal(samples.points(null, 1, now).length, 31, "a minute holds both its ends");
    });
});
