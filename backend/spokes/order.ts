// Orders without comparing items one to one: at 100,000 spokes a sort by name through the
// collator takes about half a second. Each key's values are ranked instead (text: kept in
// collator order from one set of strings to the next, so that a few new names cost a few
// comparisons), and items are put in order by counting their ranks.
import { collator, compareNames } from "./query";

export const yieldToEventLoop = () => new Promise<void>(resolve => setImmediate(resolve));

/** Sorts without holding the event loop longer than a chunk's sort or one merge. */
export async function sortYielding<T>(items: T[], compare: (a: T, b: T) => number, chunk = 8192): Promise<T[]> {
    if (items.length <= chunk) return items.sort(compare);
    let runs: T[][] = [];
    for (let i = 0; i < items.length; i += chunk) {
        runs.push(items.slice(i, i + chunk).sort(compare));
        await yieldToEventLoop();
    }
    while (runs.length > 1) {
        const next: T[][] = [];
        for (let r = 0; r < runs.length; r += 2) {
            next.push(r + 1 < runs.length ? merge(runs[r], runs[r + 1], compare) : runs[r]);
            await yieldToEventLoop();
        }
        runs = next;
    }
    return runs[0];
}

function merge<T>(a: T[], b: T[], compare: (a: T, b: T) => number): T[] {
    const out: T[] = new Array(a.length + b.length);
    let i = 0, j = 0, k = 0;
    while (i < a.length && j < b.length) out[k++] = compare(b[j], a[i]) < 0 ? b[j++] : a[i++];
    while (i < a.length) out[k++] = a[i++];
    while (j < b.length) out[k++] = b[j++];
    return out;
}

/**
 * The texts in compareNames' order. Most names order the same by a plain key (lower case, numbers
 * padded), and comparing keys costs a fraction of the collator: sorted by the key first, the
 * collator only checks each neighbour (100,000 names: about 0.2 s instead of 0.7 s), and sorts
 * again, from that nearly sorted start, only when the key got one wrong.
 */
export async function sortByNames(texts: string[]): Promise<string[]> {
    const keyed = texts.map(text => ({ key: plainKey(text), text }));
    await yieldToEventLoop();
    const sorted = (await sortYielding(keyed, (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))).map(k => k.text);
    for (let i = 1; i < sorted.length; i++)
        if (compareNames(sorted[i - 1], sorted[i]) > 0) return sortYielding(sorted, compareNames);
    return sorted;
}

function plainKey(text: string): string {
    return text.toLowerCase().replace(/\d+/g, digits => digits.replace(/^0+(?=\d)/, "").padStart(20, "0"));
}

/**
 * Texts in collator order, each once, and their ranks: texts the collator holds equal share one.
 * Kept from one list to the next: texts no spoke has any more stay (an empty rank orders
 * nothing), new ones are put in place by binary search, and a text's position moves only by
 * the texts put before it (see `moved`). Nothing here hashes a text: at 100,000 spokes each
 * pass of a Map over their texts costs tens of milliseconds.
 */
export class Collation {
    private sorted: string[] = [];
    /** Whether sorted[i] is equal to sorted[i - 1] by the collator. */
    private sameAsPrevious = new Uint8Array(0);
    private rankAt = new Uint32Array(0);
    /** Counts the changes: a position is only good for the generation it was read in. */
    generation = 0;
    /** Where each position of the generation before went. */
    private moved: Uint32Array | null = null;

    get size(): number {
        return this.sorted.length;
    }

    /** How many ranks there are. */
    get rankCount(): number {
        return this.sorted.length ? this.rankAt[this.sorted.length - 1] + 1 : 0;
    }

    rank(position: number): number {
        return this.rankAt[position];
    }

    /** The position of a text held, else -1. */
    find(text: string): number {
        const at = this.insertionPoint(text, 0);
        return this.sorted[at] === text ? at : -1;
    }

    /** A position read in an earlier generation, now; -1 when it is too old to tell. */
    positionNow(position: number, generation: number): number {
        if (generation === this.generation) return position;
        return generation === this.generation - 1 && this.moved ? this.moved[position] : -1;
    }

    /** Whether positions read in this generation can still be told (see positionNow). */
    knows(generation: number): boolean {
        return generation === this.generation || (generation === this.generation - 1 && this.moved !== null);
    }

    /** Starts again from these texts, each once; gives each one's position. */
    async reset(texts: string[]): Promise<Map<string, number>> {
        const sorted = await sortByNames(texts);
        this.place(sorted, null);
        await yieldToEventLoop();
        const positions = new Map<string, number>();
        for (let i = 0; i < sorted.length; i++) positions.set(sorted[i], i);
        return positions;
    }

    /** Puts the texts not held yet in place (a few: each costs a binary search). */
    insert(texts: string[]): void {
        const added = [...new Set(texts)].filter(t => this.find(t) < 0).sort(compareNames);
        if (!added.length) return;
        const sorted: string[] = new Array(this.sorted.length + added.length);
        const from = new Int32Array(sorted.length);
        let k = 0, out = 0;
        for (const text of added) {
            const before = this.insertionPoint(text, k);
            for (; k < before; k++, out++) {
                sorted[out] = this.sorted[k];
                from[out] = k;
            }
            sorted[out] = text;
            from[out++] = -1;
        }
        for (; k < this.sorted.length; k++, out++) {
            sorted[out] = this.sorted[k];
            from[out] = k;
        }
        this.place(sorted, from);
    }

    /** The first position from `from` on whose text comes after `text`, or is it. */
    private insertionPoint(text: string, from: number): number {
        let lo = from, hi = this.sorted.length;
        while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (compareNames(this.sorted[mid], text) < 0) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /** `sorted` as the new order; `from`: each text's position before (-1: new), null when none is kept. */
    private place(sorted: string[], from: Int32Array | null): void {
        const same = new Uint8Array(sorted.length);
        const rankAt = new Uint32Array(sorted.length);
        const moved = from ? new Uint32Array(this.sorted.length) : null;
        let rank = 0;
        for (let i = 0; i < sorted.length; i++) {
            const was = from ? from[i] : -1;
            // Neighbours before and still: the collator's verdict on them holds.
            if (i > 0 && was > 0 && from![i - 1] === was - 1) same[i] = this.sameAsPrevious[was];
            else same[i] = i > 0 && collator.compare(sorted[i - 1], sorted[i]) === 0 ? 1 : 0;
            if (i > 0 && !same[i]) rank++;
            rankAt[i] = rank;
            if (moved && was >= 0) moved[was] = i;
        }
        this.sorted = sorted;
        this.sameAsPrevious = same;
        this.rankAt = rankAt;
        this.moved = moved;
        this.generation++;
    }
}

/**
 * `order` (indices into the list) arranged by rank, stably, in O(n): equals keep the order they
 * came in. Descending reverses the ranks only.
 */
export function byRank(order: Uint32Array, ranks: Uint32Array, rankCount: number, ascending: boolean): Uint32Array {
    const starts = new Uint32Array(rankCount + 1);
    const rankAt = (i: number) => (ascending ? ranks[i] : rankCount - 1 - ranks[i]);
    for (let k = 0; k < order.length; k++) starts[rankAt(order[k]) + 1]++;
    for (let r = 0; r < rankCount; r++) starts[r + 1] += starts[r];
    const out = new Uint32Array(order.length);
    for (let k = 0; k < order.length; k++) out[starts[rankAt(order[k])]++] = order[k];
    return out;
}

/** Each value's rank among the distinct values. */
export function numberRanks(values: Float64Array): { ranks: Uint32Array; count: number } {
    const distinct = Float64Array.from(values).sort();
    let count = 0;
    for (let i = 0; i < distinct.length; i++) if (count === 0 || distinct[i] !== distinct[count - 1]) distinct[count++] = distinct[i];
    const ranks = new Uint32Array(values.length);
    for (let i = 0; i < values.length; i++) {
        let lo = 0, hi = count - 1;
        while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (distinct[mid] < values[i]) lo = mid + 1;
            else hi = mid;
        }
        ranks[i] = lo;
    }
    return { ranks, count };
}
