// PowerShell syntax without PowerShell: tree-sitter-powershell's grammar under web-tree-sitter.
// V8 must run the grammar's wasm with Liftoff only, or node idles 7-15 s before exiting.
import v8 from "node:v8";
import path from "node:path";
import type { Node as SyntaxNode, Parser as ParserType } from "web-tree-sitter";

v8.setFlagsFromString("--liftoff-only");

let parser: Promise<ParserType> | null = null;

async function load(): Promise<ParserType> {
    const { Parser, Language } = await import("web-tree-sitter");
    await Parser.init();
    const wasm = path.join(path.dirname(require.resolve("tree-sitter-powershell/package.json")), "tree-sitter-powershell.wasm");
    const language = await Language.load(wasm);
    const p = new Parser();
    p.setLanguage(language);
    return p;
}

export interface SyntaxProblem {
    kind: "ERROR" | "MISSING";
    line: number;
    column: number;
    text: string;
}

export interface ParsedPowerShell {
    problems: SyntaxProblem[];
    root: SyntaxNode;
}

export async function parsePowerShell(source: string): Promise<ParsedPowerShell> {
    parser ??= load();
    const tree = (await parser).parse(source);
    if (!tree) throw new Error("tree-sitter returned no tree");
    const problems: SyntaxProblem[] = [];
    const visit = (node: SyntaxNode): void => {
        if (node.isError || node.isMissing) {
            problems.push({
                kind: node.isMissing ? "MISSING" : "ERROR",
                line: node.startPosition.row + 1,
                column: node.startPosition.column + 1,
                text: node.isMissing ? node.type : node.text.slice(0, 80),
            });
        }
        for (const child of node.children) if (child) visit(child);
    };
    visit(tree.rootNode);
    return { problems, root: tree.rootNode };
}

export async function powershellProblems(source: string): Promise<SyntaxProblem[]> {
    return (await parsePowerShell(source)).problems;
}
