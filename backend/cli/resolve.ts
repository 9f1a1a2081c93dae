// Commands take an id, a unique id prefix (as the tables show) or an exact name.
import { ApiError } from "./client";

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isFullId(ref: string): boolean {
    return uuidShape.test(ref);
}

export function pickOne(items: Record<string, unknown>[], ref: string, kind: string, nameField: string): string {
    const id = (item: Record<string, unknown>) => String(item.id);
    const exact = items.filter(i => id(i) === ref);
    if (exact.length === 1) return id(exact[0]);
    const byName = items.filter(i => i[nameField] === ref);
    const byPrefix = items.filter(i => id(i).startsWith(ref.toLowerCase()));
    const matches = byName.length ? byName : byPrefix;
    if (matches.length === 1) return id(matches[0]);
    if (!matches.length)
        throw new ApiError(404, `no ${kind} matches "${ref}"`, "NOT_FOUND", `list them with: wireguard-hub ${kind} list`);
    throw new ApiError(409, `"${ref}" matches ${matches.length} ${kind}s: ${matches.map(id).join(", ")}`, "AMBIGUOUS",
        "give more characters of the id");
}
