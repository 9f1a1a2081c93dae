// Shapes of the admin API's answers, as the page reads them.

export type Platform = "linux" | "proxmox" | "macos" | "windows";
export const PLATFORMS: Platform[] = ["linux", "proxmox", "macos", "windows"];

export interface HubConfig {
    id?: number;
    interfaceName?: string;
    interfaceAddress: string;
    interfaceAddressV6?: string | null;
    listenPort: number;
    publicKey: string;
    networkCIDR: string;
    networkCIDRv6?: string | null;
    publicEndpoint: string;
    privateEndpoint?: string | null;
    dns?: string[] | null;
    createdAt?: string;
    updatedAt?: string;
}

export interface HubPeer {
    publicKey: string;
    endpoint?: string | null;
    allowedIPs?: string[];
    lastHandshake?: string | null;
    transferRx?: number;
    transferTx?: number;
}

export interface ReconcileInfo {
    at?: string | null;
    ok?: boolean;
    drift?: number | string[] | null;
    error?: string | null;
    durationMs?: number;
}

export interface HubStatus {
    interfaceName: string;
    publicKey?: string;
    listenPort?: number;
    mode?: string;
    up?: boolean;
    peers?: HubPeer[];
    peersTotal?: number;
    peersOnline?: number;
    lastReconcile?: ReconcileInfo | null;
    error?: string | null;
}

export type SpokeState = "pending" | "active" | "inactive" | "disabled" | string;

export interface Spoke {
    id: string;
    name: string;
    publicKey?: string | null;
    allowedIPs: string[];
    address?: string;
    registeredAt?: string | null;
    lastHandshake?: string | null;
    status: SpokeState;
    os?: string | null;
    endpoint?: string | null;
    transferRx?: number | null;
    transferTx?: number | null;
    hostname?: string | null;
    datacenter?: string | null;
    subnets?: string[] | null;
    isProxmox?: boolean;
    proxmoxNodeName?: string | null;
    proxmoxClusterId?: string | null;
    proxmoxClusterName?: string | null;
    proxmoxVersion?: string | null;
}

export type TokenState = "pending" | "used" | "expired" | "revoked";

export interface TokenSummary {
    id: string;
    spokeId?: string;
    spokeName: string;
    allowedIPs?: string[];
    used?: boolean;
    usedAt?: string | null;
    revoked?: boolean;
    revokedAt?: string | null;
    status?: TokenState;
    expiresAt: string;
    createdAt?: string;
}

export interface CreatedToken extends TokenSummary {
    token: string;
    installCommands: Partial<Record<Platform, string>>;
}

export interface TokenRequest {
    spokeName: string;
    customIP?: string;
    datacenter?: string;
    subnets?: string[];
    ttl?: string;
    spokeId?: string;
}

export interface InitializeRequest {
    networkCIDR: string;
    networkCIDRv6?: string;
    listenPort: number;
    publicEndpoint: string;
    privateEndpoint?: string;
    dns?: string[];
}

export interface ClusterNode {
    id?: string;
    spokeId?: string;
    name: string;
    status?: SpokeState;
    address?: string;
}

export interface Cluster {
    id: string;
    clusterName: string;
    datacenter?: string | null;
    description?: string | null;
    nodes?: ClusterNode[];
    nodeCount?: number;
}

export interface TrafficPoint {
    at: string | number;
    rx: number;
    tx: number;
}

export interface TrafficSeries {
    intervalSeconds: number;
    points: TrafficPoint[];
}
