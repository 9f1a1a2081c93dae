// Mocha's spec reporter, plus the pass/fail counts written where test/run.ts reads them.
const fs = require("node:fs");
const Mocha = require("mocha");

class CountingReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const out = process.env.WGHUB_TEST_COUNTS;
            if (out) fs.writeFileSync(out, JSON.stringify({ passes: runner.stats.passes, failures: runner.stats.failures }));
        });
    }
}
module.exports = CountingReporter;
