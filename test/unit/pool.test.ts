import assert from "node:assert/strict";
import { AddressPool } from "../../backend/ipam/pool";
import { MinHeap } from "../../backend/ipam/minHeap";
import { prng } from "../support/prng";

/** The obvious, slow pool: what AddressPool must always agree with. */
class ReferencePool {
    readonly taken = new Set<number>();
    constructor(private readonly first: number, private readonly last: number, taken: number[] = []) {
        for (const t of taken) this.taken.add(t);
    }
    allocate(): number | null {
        for (let o = this.first; o <= this.last; o++) if (!this.taken.has(o)) { this.taken.add(o); return o; }
        return null;
    }
    reserve(o: number): boolean {
        if (o < this.first || o > this.last || this.taken.has(o)) return false;
        this.taken.add(o);
        return true;
    }
    release(o: number): void {
        this.taken.delete(o);
    }
}

describe("ipam/pool", () => {
    it("hands out the lowest free ordinal, skipping ones taken at load", () => {
        const pool = new AddressPool(2, 10, [2, 3, 5]);
        assert.equal(pool.size, 3);
        assert.equal(pool.allocate(), 4);
        assert.equal(pool.allocate(), 6);
        assert.ok(pool.isTaken(6));
    });

    it("gives a released ordinal back before higher ones", () => {
        const pool = new AddressPool(2, 100);
        for (let i = 0; i < 10; i++) pool.allocate();
        pool.release(7);
        pool.release(4);
        assert.equal(pool.allocate(), 4);
        assert.equal(pool.allocate(), 7);
        assert.equal(pool.allocate(), 12);
    });

    it("reserves custom ordinals once, inside the range only, and skips them later", () => {
        const pool = new AddressPool(2, 6);
        assert.ok(pool.reserve(3));
        assert.ok(!pool.reserve(3), "twice");
        assert.ok(!pool.reserve(1), "the hub's");
        assert.ok(!pool.reserve(7), "past the end");
        assert.ok(!pool.inRange(0));
        assert.deepEqual([pool.allocate(), pool.allocate(), pool.allocate(), pool.allocate()], [2, 4, 5, 6]);
    });

    it("returns null when full, and allocates again after a release", () => {
        const pool = new AddressPool(2, 6);
        for (let i = 0; i < 5; i++) assert.notEqual(pool.allocate(), null);
        assert.equal(pool.allocate(), null);
        assert.equal(pool.allocate(), null);
        pool.release(5);
        assert.equal(pool.allocate(), 5);
        assert.equal(pool.allocate(), null);
        pool.release(99);
        assert.equal(pool.size, 5, "releasing a free ordinal changes nothing");
    });

    it("agrees with a brute-force reference on 200 random sequences of allocate/reserve/release", () => {
        for (let seed = 1; seed <= 200; seed++) {
            const rand = prng(seed);
            const first = 2, last = 2 + Math.floor(rand() * 60);
            const preload = Array.from({ length: Math.floor(rand() * 10) }, () => first + Math.floor(rand() * (last - first + 1)));
            const pool = new AddressPool(first, last, preload);
            const ref = new ReferencePool(first, last, preload);
            for (let step = 0; step < 300; step++) {
                const r = rand();
                const at = `seed ${seed} step ${step}`;
                if (r < 0.5) {
                    assert.equal(pool.allocate(), ref.allocate(), `allocate, ${at}`);
                } else if (r < 0.65) {
                    const o = Math.floor(rand() * (last + 3));
                    assert.equal(pool.reserve(o), ref.reserve(o), `reserve ${o}, ${at}`);
                } else {
                    const held = [...ref.taken];
                    const o = held.length && rand() < 0.9 ? held[Math.floor(rand() * held.length)] : Math.floor(rand() * (last + 3));
                    pool.release(o);
                    ref.release(o);
                }
                assert.equal(pool.size, ref.taken.size, `size, ${at}`);
            }
        }
    });

    it("fills a /16: 65,533 allocations, then release-and-reallocate churn", () => {
        const pool = new AddressPool(2, 65534);
        for (let i = 0; i < 65533; i++) pool.allocate();
        assert.equal(pool.allocate(), null);
        for (let i = 0; i < 20_000; i++) {
            const o = 2 + ((i * 7919) % 65533);
            pool.release(o);
            assert.equal(pool.allocate(), o);
        }
    });
});

describe("ipam/minHeap", () => {
    it("pops in ascending order whatever the push order", () => {
        const rand = prng(42);
        const heap = new MinHeap();
        const values = Array.from({ length: 500 }, () => Math.floor(rand() * 1000));
        for (const v of values) heap.push(v);
        const out: number[] = [];
        while (heap.size) out.push(heap.pop()!);
        assert.deepEqual(out, [...values].sort((a, b) => a - b));
        assert.equal(heap.pop(), undefined);
    });
});
