// The spokes table's columns, shared by its spoke rows and its waiting rows.
import cockpit from "cockpit";
import type { ThProps } from "@patternfly/react-table";
import type { SortKey } from "./spokeQuery";

const _ = cockpit.gettext;

type Visibility = ThProps["visibility"];
/** Narrower pages drop the columns that matter least first; the page itself never scrolls sideways. */
export const fromLarge: Visibility = ["hidden", "visibleOnLg"];
export const fromXLarge: Visibility = ["hidden", "visibleOnXl"];
export const from2XLarge: Visibility = ["hidden", "visibleOn2Xl"];

export interface Column {
    key: SortKey;
    title: () => string;
    visibility?: Visibility;
    /** Shown only when several hubs share the database. */
    severalHubsOnly?: boolean;
}

export const COLUMNS: Column[] = [
    { key: "name", title: () => _("Name") },
    { key: "hub", title: () => _("Hub"), visibility: fromLarge, severalHubsOnly: true },
    { key: "address", title: () => _("Address") },
    { key: "os", title: () => _("OS"), visibility: fromLarge },
    { key: "state", title: () => _("State") },
    { key: "handshake", title: () => _("Last handshake") },
    { key: "endpoint", title: () => _("Endpoint"), visibility: from2XLarge },
    { key: "rx", title: () => _("Received"), visibility: fromXLarge },
    { key: "tx", title: () => _("Sent"), visibility: fromXLarge },
];
export const visibilityOf = (key: SortKey) => COLUMNS.find(c => c.key === key)!.visibility;

export const columnsShown = (severalHubs: boolean) => COLUMNS.filter(c => severalHubs || !c.severalHubsOnly);

/** The details toggle, the columns shown, the agent and the actions. */
export const columnCount = (severalHubs: boolean) => columnsShown(severalHubs).length + 3;
