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

export interface DriftItem {
    publicKey: string;
    kind: "missing" | "rogue" | "changed";
}

export interface ReconcileInfo {
    at: string;
    durationMs?: number;
    changes?: number;
    drift?: DriftItem[];
    error?: string | null;
    kind?: string;
    reason?: string;
}

export interface HubStatus {
    initialized?: boolean;
    interfaceName: string;
    publicKey?: string | null;
    listenPort?: number | null;
    /** kernel, wireguard-go or off */
    mode?: string;
    modeReason?: string;
    interfaceUp?: boolean;
    lastReconcile?: ReconcileInfo | null;
    lastError?: string | null;
    reconcile?: { lastDrift?: { at: string; drift: DriftItem[] } | null } | null;
    spokes?: { total: number; online: number; offline: number; pending: number; disabled: number };
    addresses?: { used: number; capacity: number };
    peers?: HubPeer[];
}

/** The service's state: "pending" is registered without a handshake yet. */
export type SpokeState = "pending" | "online" | "offline" | "disabled";

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
    rxBytes?: number | null;
    txBytes?: number | null;
    enabled?: boolean;
    addressV6?: string | null;
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
    revokedAt?: string | null;
    state?: TokenState;
    purpose?: "enroll" | "reenroll";
    tokenPrefix?: string;
    datacenter?: string | null;
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
    id: string;
    name: string;
    nodeName?: string | null;
    address?: string;
    status?: SpokeState;
    lastHandshake?: string | null;
}

export interface Cluster {
    id: string;
    clusterName: string;
    datacenter?: string | null;
    description?: string | null;
    nodes?: ClusterNode[];
    nodeCount?: number;
    onlineCount?: number;
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
