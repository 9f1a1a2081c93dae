// What the bash macOS ships (3.2) lacks, as text patterns: the macOS install script and the
// agent it carries are checked against them (no bash 3.2 runs here unless WGHUB_TEST_BASH names one).
const bash4: readonly (readonly [RegExp, string])[] = [
    [/\+=\(/, "array append +=("], [/declare -[Aln]|local -n/, "associative arrays or namerefs"],
    [/\bmapfile\b|\breadarray\b/, "mapfile"], [/\$\{[A-Za-z_]+(,,|\^\^|@[QEPAa]|[,^]\})/, "case or @ expansions"],
    [/\|&/, "|&"], [/;;&|;&/, "case fall-through"], [/\bcoproc\b/, "coproc"], [/<<</, "here-strings are fine, but kept out"],
    [/\$\{[A-Za-z_]+\[-1\]\}/, "negative subscripts"], [/\bwait -n\b/, "wait -n"], [/printf '%\(/, "printf %(…)T"],
];

/** What in BODY bash 3.2 would not run: one line per problem, none when it is fine. */
export function bash32Problems(body: string): string[] {
    const problems: string[] = [];
    const code = body.split("\n").filter(line => !/^\s*#/.test(line)).join("\n");
    for (const [pattern, what] of bash4) {
        const m = pattern.exec(code);
        if (m) problems.push(`${what}: ${JSON.stringify(m[0])}`);
    }
    // Under set -u, bash before 4.4 calls an empty array unbound: every array use is guarded.
    for (const m of code.matchAll(/"\$\{([A-Z_]+)\[[@*]\]\}"/g)) {
        const at = m.index;
        if (!code.slice(at - 30, at).includes(`\${${m[1]}[@]+`)) problems.push(`unguarded ${m[0]}`);
    }
    return problems;
}
