// Shapes of the admin API's answers, as the contract declares them (backend/contract/api.ts).
// Type-only: the page's bundle carries none of the contract's validation code.
import { platforms } from "../backend/contract/fields";

export type {
    AuditEvent, Cluster, ClusterNode, CreatedToken, DriftItem, HubConfig, HubListAnswer, HubMember, HubPeer, HubStatus, InitializeRequest, Platform,
    ReconcileInfo,
    RestoreAnswer, RestoreRequest, Spoke, SpokePageAnswer as SpokePage, SpokeState, SpokeUpdateRequest, TokenRequest, TokenState, TokenSummary, TrafficPoint, TrafficSeries,
} from "../backend/contract/api";
export type { SpokeSortKey } from "../backend/contract/spokeDisplay";

export const PLATFORMS = platforms;
