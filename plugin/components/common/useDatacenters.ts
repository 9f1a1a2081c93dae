// The datacenters the hub already knows: of its spokes, its Proxmox clusters and its waiting tokens.
import { useMemo } from "react";
import { useStore } from "../../store";
import { knownDatacenters } from "../../util/datacenters";

export function useDatacenters(): string[] {
    const { spokes, clusters, tokens } = useStore();
    return useMemo(() => knownDatacenters([...spokes.map(s => s.datacenter), ...clusters.map(c => c.datacenter), ...tokens.map(t => t.datacenter)]),
        [spokes, clusters, tokens]);
}
