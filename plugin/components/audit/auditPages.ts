// The audit log as the page holds it: the newest page kept current, older pages added on request.
import { useCallback, useEffect, useRef, useState } from "react";
import * as api from "../../api";
import { asApiError, useStore } from "../../store";
import type { AuditEvent } from "../../types";

export const AUDIT_PAGE = 50;

/** New events on top of the ones held; when a whole page is new, a gap may hide behind it: start over. */
export function mergeNewest(held: AuditEvent[], newest: AuditEvent[]): { events: AuditEvent[]; restarted: boolean } {
    const top = held.length ? held[0].id : 0;
    const fresh = newest.filter(e => e.id > top);
    if (held.length && fresh.length === newest.length && newest.length >= AUDIT_PAGE) return { events: newest, restarted: true };
    return { events: [...fresh, ...held], restarted: false };
}

export interface AuditPages {
    events: AuditEvent[] | null;
    error: api.ApiError | null;
    hasOlder: boolean;
    loadingOlder: boolean;
    loadOlder(): Promise<void>;
}

export function useAuditPages(): AuditPages {
    const { updatedAt } = useStore();
    const [events, setEvents] = useState<AuditEvent[] | null>(null);
    const [error, setError] = useState<api.ApiError | null>(null);
    const [hasOlder, setHasOlder] = useState(false);
    const [loadingOlder, setLoadingOlder] = useState(false);
    const held = useRef<AuditEvent[]>([]);
    const keep = useCallback((list: AuditEvent[]) => {
        held.current = list;
        setEvents(list);
    }, []);

    // Each refresh of the page brings the newest events; the older pages the admin loaded stay.
    useEffect(() => {
        let alive = true;
        api.listAuditPage({ limit: AUDIT_PAGE }).then(newest => {
            if (!alive) return;
            const first = held.current.length === 0;
            const merged = mergeNewest(held.current, newest);
            keep(merged.events);
            if (first || merged.restarted) setHasOlder(newest.length >= AUDIT_PAGE);
            setError(null);
        }, e => alive && setError(asApiError(e)));
        return () => {
            alive = false;
        };
    }, [updatedAt, keep]);

    const loadOlder = useCallback(async () => {
        const list = held.current;
        if (!list.length) return;
        setLoadingOlder(true);
        try {
            const older = await api.listAuditPage({ limit: AUDIT_PAGE, before: list[list.length - 1].id });
            keep([...held.current, ...older]);
            setHasOlder(older.length >= AUDIT_PAGE);
            setError(null);
        } catch (e) {
            setError(asApiError(e));
        } finally {
            setLoadingOlder(false);
        }
    }, [keep]);

    return { events, error, hasOlder, loadingOlder, loadOlder };
}
