// Who did what: token made or revoked, spoke registered (from which address), removed…
import { Op, type Transaction } from "sequelize";
import type { HubContext, Actor } from "../context";
import { tables, type AuditRow } from "../db/models";
import { insertInto } from "../db/sql";

const insertEvent = insertInto<AuditRow>(tables.audit, ["at", "actor", "action", "subject", "source", "details"]);

export async function record(ctx: HubContext, t: Transaction | null, actor: Actor, action: string,
    subject: string | null, details: Record<string, unknown> = {}): Promise<void> {
    // Every write records an event: plain SQL keeps it cheap (db/sql.ts).
    await ctx.db.sql.run(insertEvent, [ctx.now(), actor.name, action, subject, actor.source, JSON.stringify(details)], t ?? undefined);
}

export interface AuditEvent {
    id: number;
    at: string;
    actor: string;
    action: string;
    subject: string | null;
    source: string | null;
    details: Record<string, unknown>;
}

export async function listEvents(ctx: HubContext, limit: number, beforeId: number | null, subject: string | null = null): Promise<AuditEvent[]> {
    const rows = await ctx.db.models.Audit.findAll({
        where: { ...(beforeId ? { id: { [Op.lt]: beforeId } } : {}), ...(subject !== null ? { subject } : {}) },
        order: [["id", "DESC"]],
        limit,
        raw: true,
    });
    return rows.map(r => ({
        id: r.id,
        at: new Date(r.at).toISOString(),
        actor: r.actor,
        action: r.action,
        subject: r.subject,
        source: r.source,
        details: JSON.parse(r.details) as Record<string, unknown>,
    }));
}
