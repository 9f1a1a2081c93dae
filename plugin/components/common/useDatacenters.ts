// The datacenters the hub already knows: of its spokes (the hub's status names them), its Proxmox
// clusters and its tokens.
import { useMemo } from "react";
import { useStore } from "../../store";
import { knownDatacenters } from "../../util/datacenters";

export function useDatacenters(): string[] {
    const { status, clusters, tokens, waitingTokens } = useStore();
    const ofSpokes = status?.datacenters;
    return useMemo(() => knownDatacenters([...ofSpokes ?? [], ...clusters.map(c => c.datacenter), ...[...tokens, ...waitingTokens].map(t => t.datacenter)]),
        [ofSpokes, clusters, tokens, waitingTokens]);
}
