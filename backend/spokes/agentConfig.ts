// Each agent's config and its revision. Every agent asks once a minute and nearly always has
// it already (304), and the spoke list shows which agents are behind: the revision is kept per
// spoke and made again only when something it is made of changed (the hub's settings, the
// routed subnets, the spoke's name, addresses or pending action).
import type { HubContext } from "../context";
import type { HubRow, SpokeRow } from "../db/models";
import { requireHub } from "../hub/hub";
import { agentActions, renderAgentConfig, type AgentAction } from "../agent/protocol";
import { spokeConfigFor } from "./spokes";

/** What the agent API needs of the spoke a request comes from. */
export type AgentSpoke = Pick<SpokeRow, "id" | "name" | "publicKey" | "address" | "addressV6" | "pendingAction" | "hubName">;

type ConfigFacts = Pick<AgentSpoke, "id" | "name" | "address" | "addressV6" | "pendingAction"> & { hubName?: string | null };

/**
 * A spoke's revision and what it was made of: the hub-wide inputs as one string that every
 * entry shares, and the spoke's own values. (A key string per spoke, and one made per poll to
 * compare with it, held 3.9 MB at 10,000 spokes.)
 */
interface Known extends Omit<ConfigFacts, "id"> {
    hubInputs: string;
    revision: string;
}

interface Revisions {
    bySpoke: Map<string, Known>;
    /** The hub-wide inputs, made again only when the hub row or a version moved. */
    hub: { row: HubRow; routing: number; mesh: number; inputs: string } | null;
}

const revisions = new WeakMap<HubContext, Revisions>();

function revisionsOf(ctx: HubContext): Revisions {
    let known = revisions.get(ctx);
    if (!known) revisions.set(ctx, known = { bySpoke: new Map(), hub: null });
    return known;
}

async function hubInputs(ctx: HubContext): Promise<string> {
    const row = await requireHub(ctx);
    const known = revisionsOf(ctx);
    const routing = ctx.desired.routingVersion, mesh = ctx.mesh?.version ?? 0;
    const cached = known.hub;
    if (cached?.row === row && cached.routing === routing && cached.mesh === mesh) return cached.inputs;
    const inputs = `${row.publicKey}|${row.updatedAt.getTime()}|${routing}|${mesh}`;
    known.hub = { row, routing, mesh, inputs };
    return inputs;
}

function sameFacts(known: Known, hubInputs: string, spoke: ConfigFacts): boolean {
    return known.hubInputs === hubInputs && known.name === spoke.name && known.address === spoke.address
        && known.addressV6 === spoke.addressV6 && known.pendingAction === spoke.pendingAction && known.hubName === (spoke.hubName ?? null);
}

export async function agentConfig(ctx: HubContext, spoke: ConfigFacts): Promise<{ text: string; revision: string }> {
    const inputs = await hubInputs(ctx);
    const config = await spokeConfigFor(ctx, spoke.id, spoke.address, spoke.addressV6, spoke.hubName ?? null);
    const action = (agentActions as readonly string[]).includes(spoke.pendingAction ?? "") ? spoke.pendingAction as AgentAction : null;
    const rendered = renderAgentConfig({ ...config, name: spoke.name, action });
    revisionsOf(ctx).bySpoke.set(spoke.id, {
        hubInputs: inputs, name: spoke.name, address: spoke.address, addressV6: spoke.addressV6,
        pendingAction: spoke.pendingAction, hubName: spoke.hubName ?? null, revision: rendered.revision,
    });
    return rendered;
}

/** The spoke's current revision: kept while its inputs hold, made again when one changed. */
export async function agentRevision(ctx: HubContext, spoke: ConfigFacts): Promise<string> {
    const inputs = await hubInputs(ctx);
    const known = revisions.get(ctx)?.bySpoke.get(spoke.id);
    if (known && sameFacts(known, inputs, spoke)) return known.revision;
    return (await agentConfig(ctx, spoke)).revision;
}

/** Forgets the spokes that are gone (the list, which reads every spoke, calls it). */
export function forgetRevisionsExcept(ctx: HubContext, ids: ReadonlySet<string>): void {
    const known = revisions.get(ctx)?.bySpoke;
    if (!known || known.size <= ids.size) return;
    for (const id of known.keys()) if (!ids.has(id)) known.delete(id);
}
