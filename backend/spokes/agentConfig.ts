// Each agent's config and its revision. Every agent asks once a minute and nearly always has
// it already (304), and the spoke list shows which agents are behind: the revision is kept per
// spoke and made again only when something it is made of changed (the hub's settings, the
// routed subnets, the spoke's name, addresses or pending action).
import type { HubContext } from "../context";
import type { SpokeRow } from "../db/models";
import { requireHub } from "../hub/hub";
import { agentActions, renderAgentConfig, type AgentAction } from "../agent/protocol";
import { spokeConfigFor } from "./spokes";

/** What the agent API needs of the spoke a request comes from. */
export type AgentSpoke = Pick<SpokeRow, "id" | "name" | "publicKey" | "address" | "addressV6" | "pendingAction" | "hubName">;

type ConfigFacts = Pick<AgentSpoke, "id" | "name" | "address" | "addressV6" | "pendingAction"> & { hubName?: string | null };

const revisions = new WeakMap<HubContext, Map<string, { key: string; revision: string }>>();

async function inputsKey(ctx: HubContext, spoke: ConfigFacts): Promise<string> {
    const hub = await requireHub(ctx);
    return `${hub.publicKey}|${hub.updatedAt.getTime()}|${ctx.desired.routingVersion}|${ctx.mesh?.version ?? 0}|${spoke.hubName ?? ""}|`
        + `${spoke.name}|${spoke.address}|${spoke.addressV6}|${spoke.pendingAction}`;
}

export async function agentConfig(ctx: HubContext, spoke: ConfigFacts): Promise<{ text: string; revision: string }> {
    const key = await inputsKey(ctx, spoke);
    const config = await spokeConfigFor(ctx, spoke.id, spoke.address, spoke.addressV6, spoke.hubName ?? null);
    const action = (agentActions as readonly string[]).includes(spoke.pendingAction ?? "") ? spoke.pendingAction as AgentAction : null;
    const rendered = renderAgentConfig({ ...config, name: spoke.name, action });
    remember(ctx, spoke.id, key, rendered.revision);
    return rendered;
}

function remember(ctx: HubContext, id: string, key: string, revision: string): void {
    let known = revisions.get(ctx);
    if (!known) revisions.set(ctx, known = new Map());
    known.set(id, { key, revision });
}

/** The spoke's current revision: kept while its inputs hold, made again when one changed. */
export async function agentRevision(ctx: HubContext, spoke: ConfigFacts): Promise<string> {
    const key = await inputsKey(ctx, spoke);
    const known = revisions.get(ctx)?.get(spoke.id);
    if (known?.key === key) return known.revision;
    return (await agentConfig(ctx, spoke)).revision;
}

/** Forgets the spokes that are gone (the list, which reads every spoke, calls it). */
export function forgetRevisionsExcept(ctx: HubContext, ids: ReadonlySet<string>): void {
    const known = revisions.get(ctx);
    if (!known || known.size <= ids.size) return;
    for (const id of known.keys()) if (!ids.has(id)) known.delete(id);
}
