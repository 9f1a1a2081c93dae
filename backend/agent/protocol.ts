// What the hub and a spoke's agent say to each other: plain `key=value` lines, one value a
// line, so that a shell reads them without a JSON parser and checks each by its own pattern.
// Pure code: the tests feed it hostile values.
import crypto from "node:crypto";
import type { SpokeConfig } from "../spokes/spokes";

export const agentActions = ["rotate-key", "uninstall"] as const;
export type AgentAction = (typeof agentActions)[number];

export interface AgentConfig extends SpokeConfig {
    name: string;
    action: AgentAction | null;
}

/** The config as the agent reads it, and its revision (which its ETag carries). */
export function renderAgentConfig(c: AgentConfig): { text: string; revision: string } {
    const lines = [
        `name=${c.name}`,
        ...c.addresses.map(a => `address=${a}`),
        ...c.dns.map(d => `dns=${d}`),
        `hub_public_key=${c.hubPublicKey}`,
        `hub_address=${c.hubAddress}`,
        `endpoint=${c.publicEndpoint}`,
        ...(c.privateEndpoint ? [`private_endpoint=${c.privateEndpoint}`] : []),
        ...c.allowedIPs.map(a => `allowed_ip=${a}`),
        `keepalive=${c.persistentKeepalive}`,
        // Several hubs: one peer each on the spoke, the first is the spoke's own (it routes the network).
        ...(c.hubs ?? []).map(h => `hub=${h.name},${h.publicKey},${h.address},${h.endpoint}`),
        `action=${c.action ?? "none"}`,
    ];
    const body = lines.join("\n") + "\n";
    const revision = crypto.createHash("sha256").update(body).digest("hex").slice(0, 16);
    return { text: `revision=${revision}\n${body}`, revision };
}

export interface AgentReport {
    version: string;
    os: string;
    kernel: string;
    wireguard: string;
    /** "current", "applied: …" or "error: …", from the agent's last cycle. */
    result: string;
    revision: string;
}

const reportPatterns: Record<keyof AgentReport, RegExp> = {
    version: /^[0-9A-Za-z][0-9A-Za-z.+~-]{0,39}$/,
    os: /^[\x20-\x7e]{0,100}$/,
    kernel: /^[\x20-\x7e]{0,100}$/,
    wireguard: /^[\x20-\x7e]{0,60}$/,
    result: /^[\x20-\x7e]{1,200}$/,
    revision: /^([0-9a-f]{16})?$/,
};

/** A report's lines, each checked; the first bad line is the error. */
export function parseAgentReport(text: string): AgentReport | string {
    const report: Partial<AgentReport> = {};
    for (const line of text.split("\n")) {
        if (!line) continue;
        const at = line.indexOf("=");
        const key = line.slice(0, at) as keyof AgentReport;
        const value = line.slice(at + 1);
        if (at < 1 || !(key in reportPatterns)) return `unknown line: ${line.slice(0, 40)}`;
        if (!reportPatterns[key].test(value)) return `${key}: not an accepted value`;
        report[key] = value;
    }
    if (!report.version || !report.result) return "a report needs version= and result=";
    return { os: "", kernel: "", wireguard: "", revision: "", ...report } as AgentReport;
}
