// The spoke list is built again after each write from the rows whose version moved, and its
// JSON is kept a thousand spokes at a time. What that could break, checked against the table
// itself: a write the list misses, a spoke shown twice or in the wrong place, a thousand whose
// JSON is stale, an ETag that stays while the list changed.
import assert from "node:assert/strict";
import { spokePublicKey, type RunningHub } from "./hub";

/** A spoke as the table holds it, in the list's order (by registration time). */
export interface TruthRow {
    id: string;
    name: string;
    enabled: boolean;
    subnets: string[];
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < items.length) await work(items[next++]);
    }));
}

export async function enrollMany(hub: RunningHub, count: number, prefix: string): Promise<string[]> {
    const ids: string[] = [];
    await pool(Array.from({ length: count }, (_, i) => i), 16, async i => {
        const t = await hub.admin("POST", "/api/installation/token", { spokeName: `${prefix}-${String(i).padStart(5, "0")}` });
        assert.equal(t.status, 201, t.text);
        const r = await hub.publicRequest("POST", "/api/spoke/register", { token: t.body.token.token, publicKey: spokePublicKey(), os: "linux" });
        assert.equal(r.status, 201, r.text);
        ids.push(r.body.spoke.id);
    });
    return ids;
}

async function list(hub: RunningHub): Promise<{ spokes: { id: string; name: string; enabled: boolean; subnets: string[]; status: string }[]; etag: string }> {
    const r = await hub.admin("GET", "/api/spoke/list");
    assert.equal(r.status, 200, r.text);
    return { spokes: r.body.spokes, etag: String(r.headers.etag) };
}

function assertMatches(shown: Awaited<ReturnType<typeof list>>["spokes"], truth: TruthRow[], when: string): void {
    assert.equal(shown.length, truth.length, `${when}: as many spokes as the table holds`);
    assert.equal(new Set(shown.map(s => s.id)).size, shown.length, `${when}: no spoke twice`);
    truth.forEach((t, i) => {
        const s = shown[i];
        assert.deepEqual({ id: s.id, name: s.name, enabled: s.enabled, subnets: s.subnets }, t, `${when}: spoke ${i} as the table holds it`);
        assert.equal(s.status === "disabled", !t.enabled, `${when}: ${t.name}'s state`);
    });
}

/**
 * Lists and writes at once (renames, disables, enables, removals, registrations), then the
 * list must be the table, spoke for spoke; with nothing written since, the same ETag again.
 */
export async function checkListAgainstWrites(hub: RunningHub, readTruth: () => Promise<TruthRow[]>, ids: string[]): Promise<void> {
    const first = await list(hub);
    assertMatches(first.spokes, await readTruth(), "before the writes");
    const again = await hub.admin("GET", `/api/spoke/list?unchangedSince=${encodeURIComponent(first.etag)}`);
    assert.deepEqual(again.body, { unchanged: true });

    // Spread over every thousand, so that each slice of the kept JSON is touched.
    const step = Math.max(1, Math.floor(ids.length / 40));
    const chosen = ids.filter((_, i) => i % step === 0).slice(0, 40);
    const writes: (() => Promise<unknown>)[] = [];
    chosen.forEach((id, i) => {
        if (i % 4 === 0) writes.push(() => hub.admin("PUT", `/api/spoke/${id}`, { name: `renamed-${i}` }));
        else if (i % 4 === 1) writes.push(() => hub.admin("POST", `/api/spoke/${id}/disable`, {}));
        else if (i % 4 === 2) writes.push(() => hub.admin("DELETE", `/api/spoke/${id}`));
        else writes.push(() => hub.admin("PUT", `/api/spoke/${id}`, { subnets: [`172.${16 + (i % 8)}.${i}.0/24`] }));
    });
    writes.push(() => enrollMany(hub, 10, "late"));
    const lists: Promise<unknown>[] = [];
    await pool(writes, 8, async write => {
        lists.push(list(hub));
        const r = await write() as { status?: number; text?: string };
        if (r && typeof r === "object" && "status" in r) assert.ok(r.status === 200 || r.status === 204, `a write answered ${r.status}: ${r.text}`);
        lists.push(list(hub));
    });
    // Every list read meanwhile was whole and well formed (each was parsed).
    await Promise.all(lists);

    const after = await list(hub);
    assertMatches(after.spokes, await readTruth(), "after the writes");
    assert.notEqual(after.etag, first.etag, "a changed list has a new ETag");
    // One of the disabled spokes back: its old view must not come back with it.
    const disabled = chosen[1];
    assert.equal((await hub.admin("POST", `/api/spoke/${disabled}/enable`, {})).status, 200);
    const enabled = await list(hub);
    assertMatches(enabled.spokes, await readTruth(), "after an enable");
    const unchanged = await hub.admin("GET", `/api/spoke/list?unchangedSince=${encodeURIComponent(enabled.etag)}`);
    assert.deepEqual(unchanged.body, { unchanged: true }, "nothing written since: the same ETag");
}
