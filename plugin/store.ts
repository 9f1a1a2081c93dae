// One small shared store: the refresh loop writes it, components read it through useStore().
// Refresh failures change the page state, never raise toasts: only user actions do that.
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import cockpit from "cockpit";
import * as api from "./api";
import { ApiError } from "./api";
import type { SpokePageQuery } from "./api";
import type { Cluster, HubConfig, HubMember, HubStatus, Spoke, SpokePage, TokenSummary } from "./types";

/**
 * Lists only some views need. "spokes" is every spoke (the Proxmox VE tree, the topology): with
 * 100,000 spokes that is 56 MB, so the spokes table never asks for it, only for its page.
 * "waiting" is the tokens of spokes waiting for enrollment, "tokens" all of them.
 */
export type WantedList = "tokens" | "clusters" | "spokes" | "waiting";
type OnDemandList = Exclude<WantedList, "spokes">;

/** The lists read after the table is drawn, while a view wants them, and where each is kept. */
const onDemand = {
    tokens: { read: () => api.listTokens(), key: "tokens" },
    waiting: { read: () => api.listWaitingTokens(), key: "waitingTokens" },
    clusters: { read: () => api.listClusters(), key: "clusters" },
} as const satisfies Record<OnDemandList, { read: () => Promise<unknown>; key: keyof HubState }>;
const onDemandLists = Object.keys(onDemand) as OnDemandList[];

const _ = cockpit.gettext;

export const REFRESH_MS = 5000;

/** The spokes table's first page: asked for with the first refresh, before the table is there. */
export const FIRST_PAGE: SpokePageQuery = { search: "", state: "", os: "", sortKey: "name", ascending: true, offset: 0, limit: 20 };

export type Phase = "loading" | "uninitialized" | "ready" | "service-down" | "access-denied" | "error";

export interface HubState {
    phase: Phase;
    error: ApiError | null;
    config: HubConfig | null;
    status: HubStatus | null;
    statusError: ApiError | null;
    /** Every spoke, while a view wants them (see WantedList). */
    spokes: Spoke[];
    /** The spokes table's page, as the hub searched, filtered and sorted it (null before the first). */
    spokePage: SpokePage | null;
    tokens: TokenSummary[];
    waitingTokens: TokenSummary[];
    clusters: Cluster[];
    /** The hubs sharing this hub's PostgreSQL database, this one among them (alone on SQLite). */
    hubs: HubMember[];
    /** The hubs share a PostgreSQL database (false on SQLite). */
    hubsShared: boolean;
    updatedAt: number;
    /** Whether the on-demand lists have arrived at least once. */
    listsLoaded: Record<WantedList, boolean>;
    /** The hub the setup wizard just made: its result stays on screen until the admin moves on. */
    setupResult: HubConfig | null;
}

type Listener = (...args: unknown[]) => void;

export class EventEmitter {
    private listeners = new Map<string, Set<Listener>>();

    on(event: string, listener: Listener): () => void {
        let set = this.listeners.get(event);
        if (!set) this.listeners.set(event, set = new Set());
        set.add(listener);
        return () => set.delete(listener);
    }

    emit(event: string, ...args: unknown[]): void {
        for (const listener of [...(this.listeners.get(event) ?? [])]) listener(...args);
    }
}

/** Calls handler on each event while the component is mounted. */
export function useOn(emitter: EventEmitter, event: string, handler: Listener): void {
    const latest = useRef(handler);
    latest.current = handler;
    useEffect(() => emitter.on(event, (...args) => latest.current(...args)), [emitter, event]);
}

class HubStore extends EventEmitter {
    state: HubState = {
        phase: "loading",
        error: null,
        config: null,
        status: null,
        statusError: null,
        spokes: [],
        spokePage: null,
        tokens: [],
        waitingTokens: [],
        clusters: [],
        hubs: [],
        hubsShared: false,
        updatedAt: 0,
        listsLoaded: { tokens: false, clusters: false, spokes: false, waiting: false },
        setupResult: null,
    };

    private timer: number | null = null;
    private running = false;
    private stopped = true;
    private permission: ReturnType<typeof cockpit.permission> | null = null;

    private set(changes: Partial<HubState>): void {
        this.state = { ...this.state, ...changes };
        this.emit("changed");
    }

    /** Finished refreshes, and whether the loop runs: on <body> for tests that wait for the page's next look. */
    private refreshes = 0;

    private showLoop(): void {
        document.body.dataset.refreshes = String(this.refreshes);
        document.body.dataset.refreshLoop = this.stopped ? "stopped" : "running";
    }

    start(): void {
        if (!this.stopped) return;
        this.stopped = false;
        this.showLoop();
        // Cockpit reloads the page when administrative access is turned on or off.
        this.permission = cockpit.permission({ admin: true });
        const check = () => {
            if (this.permission?.allowed === false) {
                this.set({ phase: "access-denied", error: accessDenied() });
                this.stop();
            }
        };
        this.permission.addEventListener("changed", check);
        check();
        if (!this.stopped) void this.refresh();
    }

    stop(): void {
        this.stopped = true;
        if (this.timer !== null) window.clearTimeout(this.timer);
        this.timer = null;
        this.showLoop();
    }

    private schedule(): void {
        if (this.stopped) return;
        if (this.timer !== null) window.clearTimeout(this.timer);
        this.timer = window.setTimeout(() => {
            this.timer = null;
            if (document.hidden) this.schedule();
            else void this.refresh();
        // With very many spokes a refresh is not free: never spend more than a fifth of the time on it.
        }, Math.max(REFRESH_MS, 5 * this.lastDuration));
    }

    private again = false;
    private lastDuration = 0;

    /**
     * Reloads now; called by the loop and after every user action. A call during a running
     * refresh makes one more run right after it, so an action's result is never missed.
     */
    async refresh(): Promise<void> {
        if (this.running) {
            this.again = true;
            return this.idle();
        }
        this.running = true;
        const started = performance.now();
        try {
            do {
                this.again = false;
                await this.load();
                // A load that ended before its second wave (a failure) left the lists wanted meanwhile unread.
                if (this.lateLists.size) {
                    this.lateLists.clear();
                    this.again = true;
                }
            } while (this.again);
        } finally {
            this.running = false;
            this.lastDuration = performance.now() - started;
            this.refreshes += 1;
            this.showLoop();
            this.emit("idle");
            if (this.state.phase !== "access-denied") this.schedule();
        }
    }

    private idle(): Promise<void> {
        return new Promise(resolve => {
            const off = this.on("idle", () => {
                off();
                resolve();
            });
        });
    }

    /** Lists only some views need; fetched while such a view is mounted (see useWanted). */
    private wanted: Record<WantedList, number> = { tokens: 0, clusters: 0, spokes: 0, waiting: 0 };

    /** Lists wanted while a load runs; its second wave reads them, or it reads them right after. */
    private lateLists = new Set<OnDemandList>();

    want(list: WantedList): () => void {
        this.wanted[list] += 1;
        if (this.wanted[list] === 1 && this.state.phase === "ready") {
            // A table mounted by the first load's answer asks for its list while that load runs:
            // the load reads it (not a second whole refresh), in its second wave or right after it.
            if (this.running && list !== "spokes") this.lateLists.add(list);
            else void this.refresh();
        }
        return () => {
            this.wanted[list] -= 1;
        };
    }

    /** What the spokes table shows now; null while no table is mounted. */
    private pageQuery: SpokePageQuery | null = FIRST_PAGE;
    private pageLoading: Promise<void> | null = null;

    /**
     * The table's search, filters, sort or page changed: only its page is asked for again (not
     * the whole refresh), and a change made while one is on its way is asked for right after.
     */
    setSpokeQuery(query: SpokePageQuery | null): Promise<void> {
        if (sameQuery(query, this.pageQuery)) return this.pageLoading ?? Promise.resolve();
        this.pageQuery = query;
        if (!query || this.state.phase !== "ready") return Promise.resolve();
        if (!this.pageLoading) {
            this.pageLoading = this.loadPages().finally(() => {
                this.pageLoading = null;
            });
        }
        return this.pageLoading;
    }

    private async loadPages(): Promise<void> {
        let asked: SpokePageQuery | null = null;
        while (this.pageQuery && !sameQuery(asked, this.pageQuery)) {
            asked = this.pageQuery;
            try {
                const page = await api.listSpokePage(asked);
                if (sameQuery(asked, this.pageQuery)) this.set({ spokePage: page });
            } catch (e) {
                // Shown like a failed refresh; the next refresh asks again.
                this.set({ statusError: asApiError(e) });
                return;
            }
        }
    }

    private async load(): Promise<void> {
        const query = this.pageQuery;
        // All at once: the table can paint as soon as they are here, the rest follows.
        const [configResult, spokesResult, pageResult] = await Promise.allSettled([
            api.getHubConfig(),
            this.wanted.spokes ? api.listSpokes() : Promise.resolve(this.state.spokes),
            query ? api.listSpokePage(query) : Promise.resolve(this.state.spokePage),
        ]);
        if (configResult.status === "rejected") {
            const err = asApiError(configResult.reason);
            if (err.kind === "not-found") this.set({ phase: "uninitialized", error: null, config: null });
            else this.fail(err);
            return;
        }
        const listFailure = [spokesResult, pageResult].find(r => r.status === "rejected");
        if (listFailure?.status === "rejected") {
            this.fail(asApiError(listFailure.reason));
            return;
        }
        const config = configResult.value;
        const spokes = spokesResult.status === "fulfilled" ? spokesResult.value : this.state.spokes;
        // A page asked for an older query is not shown: the newer one is on its way.
        const spokePage = pageResult.status === "fulfilled" && sameQuery(query, this.pageQuery) ? pageResult.value : this.state.spokePage;
        this.set({
            phase: "ready", error: null, config, spokes, spokePage, updatedAt: Date.now(),
            listsLoaded: { ...this.state.listsLoaded, spokes: this.state.listsLoaded.spokes || this.wanted.spokes > 0 },
        });
        if (query && !sameQuery(query, this.pageQuery)) void this.setSpokeQuery(this.pageQuery);
        // The rest once the table is drawn: the status makes a hub whose list is not in memory
        // build it (1.5-2 s of CPU at 100,000 spokes), which on a small machine running both
        // slowed the page's first drawing by half.
        await afterNextPaint();

        // This wave reads every list wanted now, those wanted while the load ran included.
        this.lateLists.clear();
        const [[status, hubs], lists] = await Promise.all([
            Promise.allSettled([api.getHubStatus(), api.listHubs()]),
            this.readLists(onDemandLists.filter(list => this.wanted[list] > 0)),
        ]);
        this.set({
            status: status.status === "fulfilled" ? status.value : this.state.status,
            statusError: lists.failure ?? (status.status === "rejected" ? asApiError(status.reason) : null),
            // A failed hub list keeps the last one: the other hubs are shown, never the page's state.
            ...(hubs.status === "fulfilled" ? { hubs: hubs.value.hubs, hubsShared: hubs.value.shared } : {}),
            ...lists.changes,
        });
        while (this.lateLists.size) {
            const late = [...this.lateLists];
            this.lateLists.clear();
            const more = await this.readLists(late);
            this.set({ ...more.changes, ...(more.failure ? { statusError: more.failure } : {}) });
        }
    }

    /** The on-demand lists given; one that fails keeps what was shown, and its failure is returned. */
    private async readLists(lists: readonly OnDemandList[]): Promise<{ changes: Partial<HubState>; failure: ApiError | null }> {
        const results = await Promise.allSettled(lists.map(list => onDemand[list].read()));
        const changes: Partial<HubState> = {};
        const listsLoaded = { ...this.state.listsLoaded };
        let failure: ApiError | null = null;
        results.forEach((result, i) => {
            if (result.status === "fulfilled") {
                Object.assign(changes, { [onDemand[lists[i]].key]: result.value });
                listsLoaded[lists[i]] = true;
            } else {
                failure ??= asApiError(result.reason);
            }
        });
        return { changes: { ...changes, listsLoaded }, failure };
    }

    private fail(err: ApiError): void {
        const phase: Phase = err.kind === "service-down" ? "service-down" : err.kind === "access-denied" ? "access-denied" : "error";
        // A page that already shows data keeps it through one failed refresh of a flaky moment,
        // but a stopped service or lost access is shown at once.
        if (this.state.phase === "ready" && phase === "error") {
            this.set({ statusError: err });
            return;
        }
        this.set({ phase, error: err });
    }

    /** The wizard succeeded: its result is shown, whatever the refreshes find meanwhile. */
    showSetupResult(config: HubConfig): void {
        this.set({ setupResult: config });
        void this.refresh();
    }

    afterInitialize(config: HubConfig): void {
        this.set({ phase: "ready", config, setupResult: null });
        void this.refresh();
    }
}

function sameQuery(a: SpokePageQuery | null, b: SpokePageQuery | null): boolean {
    if (!a || !b) return a === b;
    return a.search === b.search && a.state === b.state && a.os === b.os && a.sortKey === b.sortKey && a.ascending === b.ascending &&
        a.offset === b.offset && a.limit === b.limit;
}

/** Resolves after the browser's next paint; at the latest after 200 ms (a frame that is not drawn, hidden, gets no animation frames). */
function afterNextPaint(): Promise<void> {
    if (document.hidden) return Promise.resolve();
    return new Promise(resolve => {
        const fallback = window.setTimeout(resolve, 200);
        requestAnimationFrame(() => window.setTimeout(() => {
            window.clearTimeout(fallback);
            resolve();
        }, 0));
    });
}

function accessDenied(): ApiError {
    return new ApiError(_("Administrative access is required to manage the hub."),
        _("Turn on administrative access with the \"Limited access\" button in Cockpit's top bar."),
        "ACCESS_DENIED", 0, "access-denied");
}

export function asApiError(e: unknown): ApiError {
    if (e instanceof ApiError) return e;
    return new ApiError(e instanceof Error ? e.message : String(e), "", "INTERNAL", 0, "bridge");
}

/**
 * A dialog's one action: busy while it runs; on failure the error is shown and the dialog
 * stays open with what was typed (on success the dialog closes itself).
 */
export function useDialogAction(): { busy: boolean; error: ApiError | null; run(work: () => Promise<void>): Promise<void> } {
    const [busy, setBusy] = useState(false);
    const [error, setError] = useState<ApiError | null>(null);
    const run = useCallback(async (work: () => Promise<void>) => {
        setBusy(true);
        setError(null);
        try {
            await work();
        } catch (e) {
            setError(asApiError(e));
            setBusy(false);
        }
    }, []);
    return { busy, error, run };
}

export const store = new HubStore();

/** The store's state; re-renders the component on every change. */
export function useStore(): HubState {
    const [, bump] = useReducer((n: number) => n + 1, 0);
    useOn(store, "changed", bump);
    return store.state;
}

/** Keeps an on-demand list (tokens, clusters) in the refreshes while the component is mounted. */
export function useWanted(list: WantedList): void {
    useEffect(() => store.want(list), [list]);
}
