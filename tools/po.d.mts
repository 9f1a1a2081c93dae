// Types of tools/po.mjs, for the tests that read the translations.
export interface PoEntry {
    context?: string;
    id: string;
    plural?: string;
    strings: string[];
    flags: string[];
    references: string[];
    comments: string[];
}
export interface Message {
    context?: string;
    id: string;
    plural?: string;
    references: string[];
}
export const poDir: string;
export const potFile: string;
export function extractMessages(dir?: string): Message[];
export function messageKey(m: { context?: string; id: string }): string;
export function parsePo(text: string, name?: string): PoEntry[];
export function formatPo(entries: PoEntry[]): string;
export function headerOf(entries: PoEntry[]): Record<string, string>;
export function pluralFunction(pluralForms: string | undefined): string;
export function compileLocale(entries: PoEntry[], language: string): string;
export function languages(): string[];
export function compileLocales(outDir: string): string[];
export function mergePo(translation: PoEntry[], template: PoEntry[]): PoEntry[];
