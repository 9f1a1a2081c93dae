// The OpenAPI 3.1 document, written from the same route tables that Express serves.
import type { RouteSpec } from "./routes";

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
            const params = [...r.path.matchAll(/:([A-Za-z]+)/g)].map(m => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
            const query = Object.entries(r.query ?? {}).map(([name, q]) => ({ name, in: "query", required: false, description: q.description, schema: q.schema }));
            paths[path] ??= {};
            paths[path][r.method] = {
                summary: r.summary,
                tags: [r.tag],
                servers: [{ url: group.server, description: group.description }],
                ...(params.length || query.length ? { parameters: [...params, ...query] } : {}),
                ...(r.body ? { requestBody: { required: true, content: { "application/json": { schema: r.body } } } } : {}),
                responses: Object.fromEntries(Object.entries(r.responses).map(([status, description]) => [status, {
                    description,
                    ...(Number(status) >= 400 ? { content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } } : {}),
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
