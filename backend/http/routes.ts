// A route is described once: its input and answer schemas (backend/contract/api.ts), and the
// same table registers it with Express, validates what arrives, and writes the OpenAPI
// document, so none of them can drift from the others.
import express, { type Request, type Response } from "express";
import type { z } from "zod";
import { HubError } from "../errors";

export type Method = "get" | "post" | "put" | "delete";

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<B extends Schema | undefined = undefined, Q extends Schema | undefined = undefined,
    P extends Schema | undefined = undefined> {
    body?: B;
    query?: Q;
    params?: P;
}

export interface Parsed<B, Q, P> {
    body: Out<B>;
    query: Out<Q>;
    params: Out<P>;
}

export interface RouteSpec<B extends Schema | undefined = any, Q extends Schema | undefined = any, P extends Schema | undefined = any> {
    method: Method;
    /** Express path, e.g. /api/spoke/:id */
    path: string;
    summary: string;
    tag: string;
    input?: RouteInput<B, Q, P>;
    /** The schema of the success answer's JSON body, for the document and the types. */
    answer?: Schema;
    /** status → description */
    responses: Record<number, string>;
    handler(req: Request, res: Response, input: Parsed<B, Q, P>): Promise<void> | void;
}

/** Declares one route with its types inferred from its schemas. */
export function route<B extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, P extends Schema | undefined = undefined>(
    spec: RouteSpec<B, Q, P>): RouteSpec<B, Q, P> {
    return spec;
}

/** What a field accepts, from its schema's description (see contract/api.ts). */
function acceptsOf(schema: Schema, path: PropertyKey[]): string {
    let current: Schema | undefined = schema;
    let found = "a valid value";
    for (const key of path) {
        const shape: Record<string, Schema> | undefined = (current as unknown as { shape?: Record<string, Schema> }).shape;
        current = shape?.[String(key)];
        if (!current) break;
        found = current.meta()?.description ?? found;
    }
    return found;
}

export function parseWith<S extends Schema>(schema: S, value: unknown, where: "body" | "query" | "params"): z.output<S> {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    if (where === "body" && issue.path.length === 0)
        throw new HubError("BAD_REQUEST", "The request body must be a JSON object", "Send Content-Type: application/json with an object body.");
    // A record's key names the entry ("metadata.site"); an array's index does not ("subnets").
    const field = typeof issue.path[1] === "string" ? `${String(issue.path[0])}.${issue.path[1]}` : String(issue.path[0]);
    throw new HubError("VALIDATION_FAILED", `${field} is not valid: expected ${acceptsOf(schema, issue.path.slice(0, 1))}`,
        `Fix ${field} and send the request again.`, { field });
}

export function mount(router: express.Router, routes: RouteSpec[]): void {
    for (const r of routes) {
        router[r.method](r.path, (req, res) => {
            const input = {
                body: r.input?.body ? parseWith(r.input.body, req.body, "body") : undefined,
                query: r.input?.query ? parseWith(r.input.query, req.query, "query") : undefined,
                params: r.input?.params ? parseWith(r.input.params, req.params, "params") : undefined,
            };
            return r.handler(req, res, input);
        });
    }
}
