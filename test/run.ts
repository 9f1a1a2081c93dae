// Runs every test layer (or those named: `npm test -- api scripts`), one mocha process each,
// and ends with the line CI reads: "N passed, N failed".
// A layer whose needs are missing is SKIPPED with the reason; under CI=true a skip fails.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { layers } from "./layers";

const root = path.resolve(__dirname, "..");
const args = process.argv.slice(2);
const wanted = args.filter(a => !a.startsWith("-"));
const mochaExtra = args.filter(a => a.startsWith("-"));
const ci = process.env.CI === "true";

function testFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter(f => f.endsWith(".test.ts"))
        .map(f => path.join(dir, f))
        .sort();
}

let passed = 0;
let failed = 0;
const summary: string[] = [];

for (const layer of layers) {
    if (wanted.length && !wanted.includes(layer.name)) continue;
    const files = testFiles(path.join(root, "test", layer.name));
    if (!files.length) {
        summary.push(`${layer.name}: no tests`);
        continue;
    }
    const why = layer.missing();
    if (why) {
        summary.push(`${layer.name}: SKIPPED (${why})`);
        console.log(`\n=== ${layer.name}: SKIPPED: ${why}`);
        if (ci) failed += 1;
        continue;
    }
    console.log(`\n=== ${layer.name} (${files.length} files)`);
    const countsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wghub-counts-")), "counts.json");
    const started = Date.now();
    const result = spawnSync(process.execPath, [
        "--import", "tsx",
        path.join(root, "node_modules", "mocha", "bin", "mocha.js"),
        "--reporter", path.join(root, "test", "support", "countingReporter.cjs"),
        "--timeout", String(layer.timeoutMs),
        "--exit",
        ...mochaExtra,
        ...files,
    ], { cwd: root, stdio: "inherit", env: { ...process.env, WGHUB_TEST_COUNTS: countsFile } });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    let counts = { passes: 0, failures: 0 };
    try {
        counts = JSON.parse(fs.readFileSync(countsFile, "utf8"));
    } catch {
        // mocha died before reporting: count the whole layer as one failure
        counts.failures = 1;
    }
    fs.rmSync(path.dirname(countsFile), { recursive: true, force: true });
    if (result.status !== 0 && counts.failures === 0) counts.failures = 1;
    passed += counts.passes;
    failed += counts.failures;
    summary.push(`${layer.name}: ${counts.passes} passed, ${counts.failures} failed (${seconds} s)`);
}

console.log("\n" + summary.join("\n"));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
