// A spoke as a table row shows it. The hub searches, filters and sorts (GET /api/spoke/list with
// `limit`): the page only turns the spokes of the page it shows into rows.
import type { Spoke, SpokeSortKey } from "../../types";
import { displayState, osName, spokeAddress, type DisplayState } from "../../util/spokeState";

export interface SpokeRow {
    spoke: Spoke;
    state: DisplayState;
    address: string;
    os: string;
}

export type SortKey = SpokeSortKey;

/** The rows of these spokes, in the same order. */
export function toRows(spokes: readonly Spoke[], now: number): SpokeRow[] {
    return spokes.map(spoke => ({ spoke, state: displayState(spoke, now), address: spokeAddress(spoke), os: osName(spoke.os, spoke.isProxmox) }));
}
