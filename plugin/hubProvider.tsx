// Where the components get the hub from: the transport their requests take, the refresh
// loop while the provider is mounted, and the toasts of the admin's actions.
import React, { useEffect, useMemo, type ReactNode } from "react";
import { setTransport } from "./api";
import { store } from "./store";
import { Toasts } from "./components/common/toasts";
import { fetchTransport } from "./transport/fetchTransport";
import type { HubTransport } from "./transport/types";

export interface HubProviderProps {
    /** Where the host app mounted the routers, e.g. "/api/wireguard" (fetch, same-origin cookies). */
    apiBaseUrl?: string;
    /** Any other way to the API (the Cockpit page passes Cockpit's bridge); wins over apiBaseUrl. */
    transport?: HubTransport;
    children?: ReactNode;
}

export function HubProvider({ apiBaseUrl, transport, children }: HubProviderProps) {
    const chosen = useMemo(() => transport ?? fetchTransport(apiBaseUrl ?? "/api"), [transport, apiBaseUrl]);
    // Set while rendering, not in an effect: the children's effects run first and may already ask.
    setTransport(chosen);
    useEffect(() => {
        store.start();
        return () => store.stop();
    }, [chosen]);
    return (
        <>
            {children}
            <Toasts />
        </>
    );
}
