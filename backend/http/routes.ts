// A route is described once: the same table registers it with Express and writes it into the
// OpenAPI document, so the two cannot drift apart.
import express, { type Request, type Response } from "express";

export type Method = "get" | "post" | "put" | "delete";

export interface RouteSpec {
    method: Method;
    /** Express path, e.g. /api/spoke/:id */
    path: string;
    summary: string;
    tag: string;
    /** JSON Schema of the body, for the document. */
    body?: Record<string, unknown>;
    query?: Record<string, { description: string; schema: Record<string, unknown> }>;
    /** status → description */
    responses: Record<number, string>;
    handler(req: Request, res: Response): Promise<void> | void;
}

export function mount(router: express.Router, routes: RouteSpec[]): void {
    for (const r of routes) router[r.method](r.path, (req, res) => r.handler(req, res));
}
