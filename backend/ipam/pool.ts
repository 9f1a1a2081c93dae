// The lowest free host address of the hub's network in O(log n) per allocation.
//
// Invariant: every free ordinal below `highWater` is in the min-heap `freed`; every ordinal
// at or above `highWater` is free unless it is in `taken` (custom addresses reserved ahead).
// The database's unique index stays the final word; this only avoids scanning.
import { MinHeap } from "./minHeap";

export class AddressPool {
    private readonly taken = new Set<number>();
    private readonly freed = new MinHeap();
    private highWater: number;

    /**
     * @param first lowest ordinal handed to spokes (the hub holds 1)
     * @param last highest usable ordinal (the broadcast address excluded)
     */
    constructor(private readonly first: number, private readonly last: number, taken: Iterable<number> = []) {
        for (const o of taken) this.taken.add(o);
        this.highWater = first;
        while (this.taken.has(this.highWater)) this.highWater++;
    }

    get size(): number {
        return this.taken.size;
    }

    isTaken(ordinal: number): boolean {
        return this.taken.has(ordinal);
    }

    inRange(ordinal: number): boolean {
        return ordinal >= this.first && ordinal <= this.last;
    }

    /** Takes the lowest free ordinal; null when the network is full. */
    allocate(): number | null {
        while (this.freed.size) {
            const candidate = this.freed.pop()!;
            if (!this.taken.has(candidate)) {
                this.taken.add(candidate);
                return candidate;
            }
        }
        while (this.taken.has(this.highWater)) this.highWater++;
        if (this.highWater > this.last) return null;
        const ordinal = this.highWater++;
        this.taken.add(ordinal);
        return ordinal;
    }

    /** Takes a given ordinal (a custom address); false when it is already taken. */
    reserve(ordinal: number): boolean {
        if (this.taken.has(ordinal) || !this.inRange(ordinal)) return false;
        this.taken.add(ordinal);
        return true;
    }

    release(ordinal: number): void {
        if (!this.taken.delete(ordinal)) return;
        if (ordinal < this.highWater) this.freed.push(ordinal);
    }
}
