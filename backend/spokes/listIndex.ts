// What GET /api/spoke/list's pages need of a list, worked out once per list and kept while the
// list is current: each spoke's facts (query.ts), its ranks by the keys asked for, the last
// orders and searches asked for. A list is mostly the one before it (list.ts keeps the views of
// unchanged spokes, at the same place), so most of it is taken from that one.
import type { SpokeSortKey } from "../contract/spokeDisplay";
import { releaseAfterMs, type SpokeView } from "./list";
import { byRank, Collation, numberRanks, yieldToEventLoop } from "./order";
import {
    compareIds, filtersNothing, isTextKey, matchesFilter, sortNumber, sortText, spokeFacts, spokeFactsAfter, systemsShown,
    type SpokeFacts, type SpokeFilter, type TextKey,
} from "./query";

interface TextRanks {
    /** Each spoke's text, in list order. */
    values: string[];
    /** Each one's place in the key's collation, as of `generation`. */
    positions: Uint32Array;
    generation: number;
    ranks: Uint32Array;
    count: number;
    /** The texts of the list before, spoke for spoke. */
    unchanged: boolean;
}

interface Indexed {
    /**
     * Each spoke's facts, made when a search, a filter or an order by them first needs them: the
     * first page by name needs none (at 100,000 spokes 0.2 s and much garbage saved).
     */
    facts: (SpokeFacts | undefined)[];
    /** The list before's views and facts, to make facts from (let go once a list follows this one). */
    previous: { views: readonly SpokeView[]; facts: (SpokeFacts | undefined)[] } | null;
    /** Each spoke's index in the list before (-1: new); null without one. */
    from: Int32Array | null;
    texts: Partial<Record<TextKey, TextRanks>>;
    /** The list before's (`from` points into it), to start from. */
    before: { texts: Partial<Record<TextKey, TextRanks>>; byName: Uint32Array | null };
    /** By name, then id: where every order starts from. */
    byName: Uint32Array | null;
    oses: string[] | null;
    /** The last orders ("key asc") and searches asked for, most recent last. */
    orders: Map<string, Uint32Array>;
    matches: Map<string, Uint32Array>;
}

/** Orders and searches kept per list: a page is usually looked at in one or two. */
const kept = 4;

function remember(cache: Map<string, Uint32Array>, key: string, value: Uint32Array): Uint32Array {
    cache.delete(key);
    cache.set(key, value);
    if (cache.size > kept) cache.delete(cache.keys().next().value!);
    return value;
}

/** Work done per list before yielding to the event loop (facts for new spokes take about 1 µs each). */
const chunk = 10_000;

/** How far on a spoke is looked for in the list before (as many removed at one place). */
const lookAhead = 64;

/** A spoke's facts in this list, made the first time they are asked for. */
function factsAt(views: readonly SpokeView[], list: Indexed, i: number): SpokeFacts {
    const known = list.facts[i];
    if (known) return known;
    const j = list.from?.[i] ?? -1;
    const made = j >= 0 && list.previous ? spokeFactsAfter(views[i], list.previous.views[j], list.previous.facts[j]) : spokeFacts(views[i]);
    return list.facts[i] = made;
}

/** One hub's lists. */
export class ListIndex {
    private collations = ListIndex.newCollations();
    /** By list.ts's views array: let go with the list. */
    private indexed = new WeakMap<readonly SpokeView[], Indexed>();
    /**
     * The last list indexed: the next one starts from it. Held here, as list.ts lets a list go
     * when the next is built; and let go like list.ts's when no page is asked for a while.
     */
    private last: readonly SpokeView[] | null = null;
    private forget: NodeJS.Timeout | null = null;
    /** One at a time: the collations and the last list are shared. */
    private queue: Promise<unknown> = Promise.resolve();

    private static newCollations(): Record<TextKey, Collation> {
        return { name: new Collation(), hub: new Collation(), os: new Collation(), endpoint: new Collation() };
    }

    private run<T>(work: () => Promise<T>): Promise<T> {
        const next = this.queue.then(work);
        this.queue = next.catch(() => undefined);
        if (this.forget) this.forget.refresh();
        else this.forget = setTimeout(() => this.letGo(), releaseAfterMs).unref();
        return next;
    }

    private letGo(): void {
        this.last = null;
        this.collations = ListIndex.newCollations();
        this.forget = null;
    }

    /** Indices into `views` in compareSpokes' order. Shared: never change it. */
    order(views: readonly SpokeView[], key: SpokeSortKey, ascending: boolean): Promise<Uint32Array> {
        return this.run(async () => this.orderOf(views, await this.index(views), key, ascending));
    }

    /** The indices of the spokes that match, in compareSpokes' order. Shared: never change it. */
    matching(views: readonly SpokeView[], key: SpokeSortKey, ascending: boolean, filter: SpokeFilter): Promise<Uint32Array> {
        return this.run(async () => {
            const list = await this.index(views);
            const order = await this.orderOf(views, list, key, ascending);
            if (filtersNothing(filter)) return order;
            const name = JSON.stringify([key, ascending, filter]);
            const known = list.matches.get(name);
            if (known) return remember(list.matches, name, known);
            const out = new Uint32Array(order.length);
            let n = 0;
            if (filter.words.length || filter.state || filter.os) await this.allFacts(views, list);
            for (const i of order)
                if ((!filter.id || views[i].id === filter.id) && matchesFilter(views[i], factsAt(views, list, i), filter)) out[n++] = i;
            return remember(list.matches, name, out.slice(0, n));
        });
    }

    /** The systems of the list's spokes as shown, each once, sorted ("—", none known, left out). */
    oses(views: readonly SpokeView[]): Promise<string[]> {
        return this.run(async () => {
            const list = await this.index(views);
            list.oses ??= systemsShown(views);
            return list.oses;
        });
    }

    private async index(views: readonly SpokeView[]): Promise<Indexed> {
        const known = this.indexed.get(views);
        if (known) return known;
        const beforeViews = this.last;
        const before = beforeViews && this.indexed.get(beforeViews);
        const from = before ? new Int32Array(views.length) : null;
        // Both lists are in registration order: the same spoke is at the same place, or a little
        // further on in the list before when spokes were removed. One not found is taken as new
        // (a re-enrolled spoke that moved): its facts are made again, nothing else is lost.
        if (beforeViews && before && from) {
            for (let i = 0, j = 0; i < views.length; i++) {
                if (beforeViews[j]?.id !== views[i].id) {
                    const end = Math.min(beforeViews.length, j + lookAhead);
                    let k = j + 1;
                    while (k < end && beforeViews[k].id !== views[i].id) k++;
                    if (k < end) j = k;
                }
                if (beforeViews[j]?.id === views[i].id) from[i] = j++;
                else from[i] = -1;
            }
            // The list before is not current any more: what it has not made, this one makes anew.
            before.previous = null;
        }
        const list: Indexed = {
            facts: new Array<SpokeFacts | undefined>(views.length),
            previous: beforeViews && before ? { views: beforeViews, facts: before.facts } : null,
            from, texts: {},
            before: { texts: before?.texts ?? {}, byName: before?.byName ?? null },
            byName: null, oses: null, orders: new Map(), matches: new Map(),
        };
        this.indexed.set(views, list);
        this.last = views;
        // The facts are made after the page that asked is answered, before the admin types a search.
        setImmediate(() => void this.run(() => this.allFacts(views, list)));
        return list;
    }

    private async orderOf(views: readonly SpokeView[], list: Indexed, key: SpokeSortKey, ascending: boolean): Promise<Uint32Array> {
        const name = `${key} ${ascending ? "asc" : "desc"}`;
        const known = list.orders.get(name);
        if (known) return remember(list.orders, name, known);
        const byName = list.byName ?? await this.byName(views, list);
        let order: Uint32Array;
        if (key === "name" && ascending) {
            order = byName;
        } else {
            const { ranks, count } = isTextKey(key)
                ? await this.textRanks(views, list, key)
                : numberRanks(await this.numbers(views, list, key));
            order = byRank(byName, ranks, count, ascending);
        }
        return remember(list.orders, name, order);
    }

    private async byName(views: readonly SpokeView[], list: Indexed): Promise<Uint32Array> {
        const { ranks, count, unchanged } = await this.textRanks(views, list, "name");
        // No spoke new and as many as before: each is at its place, with its name.
        if (unchanged && list.before.byName?.length === views.length) return list.byName = list.before.byName;
        const all = new Uint32Array(views.length);
        for (let i = 0; i < all.length; i++) all[i] = i;
        const byName = byRank(all, ranks, count, true);
        // Spokes of one name by id (most names are one spoke's).
        for (let start = 0; start < byName.length;) {
            let end = start + 1;
            while (end < byName.length && ranks[byName[end]] === ranks[byName[start]]) end++;
            if (end - start > 1) byName.subarray(start, end).sort((a, b) => compareIds(views[a].id, views[b].id));
            start = end;
        }
        return list.byName = byName;
    }

    /** Every spoke's facts, made a chunk at a time with a turn of the event loop between. */
    private async allFacts(views: readonly SpokeView[], list: Indexed): Promise<void> {
        for (let i = 0; i < views.length; i++) {
            if (i > 0 && i % chunk === 0) await yieldToEventLoop();
            factsAt(views, list, i);
        }
    }

    private async numbers(views: readonly SpokeView[], list: Indexed, key: Exclude<SpokeSortKey, TextKey>): Promise<Float64Array> {
        // Traffic is the view's own: no facts needed.
        if (key === "rx") return Float64Array.from(views, v => v.rxBytes);
        if (key === "tx") return Float64Array.from(views, v => v.txBytes);
        await this.allFacts(views, list);
        return Float64Array.from(views, (v, i) => sortNumber(v, factsAt(views, list, i), key));
    }

    private async textRanks(views: readonly SpokeView[], list: Indexed, key: TextKey): Promise<TextRanks> {
        const known = list.texts[key];
        if (known) return known;
        // Only the system's shown name is a fact; the other texts are the view's own.
        if (key === "os") await this.allFacts(views, list);
        const values = key === "os" ? views.map((v, i) => sortText(v, factsAt(views, list, i), key)) : views.map(v => sortText(v, null, key));
        const ranks = this.carriedRanks(values, list.from, list.before.texts[key], this.collations[key])
            ?? await this.collatedRanks(values, this.collations[key]);
        list.texts[key] = ranks;
        return ranks;
    }

    /** The ranks from the list before's, when few texts changed: the new ones put in place. */
    private carriedRanks(values: string[], from: Int32Array | null, before: TextRanks | undefined, collation: Collation): TextRanks | null {
        // Texts nobody has any more pile up in the collation: past a point, start again.
        if (!before || !from || collation.size > 2 * values.length + 1000) return null;
        const changed: number[] = [];
        for (let i = 0; i < values.length; i++) if (from[i] < 0 || values[i] !== before.values[from[i]]) changed.push(i);
        if (changed.length > values.length / 4) return null;
        const texts = changed.map(i => values[i]);
        const inserting = texts.some(t => collation.find(t) < 0);
        // One step of positions is known (see Collation.moved): before's, or the one inserting makes.
        if (before.generation !== collation.generation && (inserting || !collation.knows(before.generation))) return null;
        if (inserting) collation.insert(texts);
        const positions = new Uint32Array(values.length);
        const ranks = new Uint32Array(values.length);
        let c = 0;
        for (let i = 0; i < values.length; i++) {
            const position = c < changed.length && changed[c] === i
                ? (c++, collation.find(values[i]))
                : collation.positionNow(before.positions[from[i]], before.generation);
            positions[i] = position;
            ranks[i] = collation.rank(position);
        }
        return { values, positions, generation: collation.generation, ranks, count: collation.rankCount, unchanged: !changed.length };
    }

    private async collatedRanks(values: string[], collation: Collation): Promise<TextRanks> {
        const distinct = [...new Set(values)];
        await yieldToEventLoop();
        const at = await collation.reset(distinct);
        await yieldToEventLoop();
        const positions = Uint32Array.from(values, v => at.get(v)!);
        return {
            values, positions, generation: collation.generation,
            ranks: Uint32Array.from(positions, p => collation.rank(p)), count: collation.rankCount, unchanged: false,
        };
    }
}
