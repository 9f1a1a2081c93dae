// wireguard-hub/react (and the package's main entry): the Cockpit page's components for any
// React application. Wrap them in a HubProvider that says where the routers are mounted.

export { HubProvider, type HubProviderProps } from "../hubProvider";
export { Dashboard } from "../dashboard";
export { SpokeManager, type SpokeManagerProps } from "./spokeManager";
export { SpokesTable } from "../components/spokes/spokesTable";
export { TokensTable } from "../components/tokens/tokensTable";
export { ProxmoxTree } from "../components/proxmox/proxmoxTree";
export { TrafficTab } from "../components/traffic/trafficTab";
export { AuditLog } from "../components/audit/auditLog";
export { HubCard } from "../components/hub/hubCard";
export { HubsCard } from "../components/hub/hubsCard";
export { HubHealth } from "../components/hub/hubHealth";
export { SetupWizard } from "../components/setup/setupWizard";
export { fetchTransport, type FetchTransportOptions } from "../transport/fetchTransport";
export { ApiError, type ApiErrorKind, type HubTransport, type Answer, type RequestOptions } from "../transport/types";
export type { Spoke, Cluster, HubConfig, HubStatus, TokenSummary, AuditEvent } from "../types";
