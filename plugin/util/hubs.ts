// Several hubs on one PostgreSQL database: when the page shows them, and which one is this.
import type { HubMember } from "../types";

/** The hubs card: on a shared database (even alone in it so far), or with more than one hub. */
export const showsHubList = (hubs: HubMember[], shared: boolean) => shared || hubs.length > 1;

/** A hub column, picker and picture only say something when there is more than one hub. */
export const hasSeveralHubs = (hubs: HubMember[]) => hubs.length > 1;

export const selfHub = (hubs: HubMember[]) => hubs.find(h => h.self) ?? null;
