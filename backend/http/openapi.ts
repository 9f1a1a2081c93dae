// The OpenAPI 3.1 document, written from the route tables and their contract schemas.
import { z } from "zod";
import type { RouteSpec } from "./routes";

/** What a client sends (before the service's normalisation), or what it receives. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
    const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
    return rest;
}

function parametersOf(schema: z.ZodType | undefined, where: "query" | "path") {
    if (!schema) return [];
    const doc = jsonSchema(schema, "input") as { properties?: Record<string, { description?: string }>; required?: string[] };
    return Object.entries(doc.properties ?? {}).map(([name, prop]) => ({
        name, in: where, required: where === "path" || (doc.required ?? []).includes(name), description: prop.description, schema: prop,
    }));
}

const errorSchema = {
    type: "object",
    required: ["error", "code"],
    properties: { error: { type: "string" }, code: { type: "string" }, hint: { type: "string" } },
};

export function openApiPath(expressPath: string): string {
    return expressPath.replace(/:([A-Za-z]+)/g, "{$1}");
}

export function openApiDocument(groups: { server: string; description: string; routes: RouteSpec[] }[], version: string) {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const group of groups) {
        for (const r of group.routes) {
            const path = openApiPath(r.path);
            const pathParams = parametersOf(r.input?.params, "path");
            const declared = new Set(pathParams.map(p => p.name));
            const params = [...pathParams, ...[...r.path.matchAll(/:([A-Za-z]+)/g)].filter(m => !declared.has(m[1]))
                .map(m => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }))];
            const query = parametersOf(r.input?.query, "query");
            paths[path] ??= {};
            paths[path][r.method] = {
                summary: r.summary,
                tags: [r.tag],
                servers: [{ url: group.server, description: group.description }],
                ...(params.length || query.length ? { parameters: [...params, ...query] } : {}),
                ...(r.input?.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(r.input.body, "input") } } } } : {}),
                responses: Object.fromEntries(Object.entries(r.responses).map(([status, description]) => [status, {
                    description,
                    ...(Number(status) >= 400 ? { content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } } : {}),
                    ...(Number(status) < 300 && r.answer ? { content: { "application/json": { schema: jsonSchema(r.answer, "output") } } } : {}),
                }])),
            };
        }
    }
    return {
        openapi: "3.1.0",
        info: { title: "WireGuard Hub API", version },
        paths,
        components: { schemas: { Error: errorSchema } },
    };
}
