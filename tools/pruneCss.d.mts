// Types of tools/pruneCss.mjs, for its unit test.
export function pruneStyleSheet(css: string, pageText: string): { css: string; selectors: number; properties: number };
