import { appendFileSync } from 'node:fs';
import { relative } from 'node:path';
import type Mocha from 'mocha';

/**
 * A mocha root-hook plugin (.mocharc.json `require`): with GAUNTLET_TEST_TIMING=<file>, appends one JSON line
 * per test file, {file, wallMs, tests, failed, pass, worker}, the file's wall time from its first before-all hook to its last
 * after-all hook (cluster start and teardown included). It runs where the file runs, so it holds in mocha's
 * parallel mode too, where the main process only sees a worker's events once its file is done. Without the
 * variable it does nothing. scripts/test-timing.js turns the lines into bench/results/test-suite.json.
 */
const out = process.env.GAUNTLET_TEST_TIMING;

/** When each file's first top-level suite started (a file may have several, run one after the other). */
const startedAt = new Map<string, number>();

function testsOf(suite: Mocha.Suite): Mocha.Test[] {
  return [...suite.tests, ...suite.suites.flatMap(testsOf)];
}

/** Wraps each top-level suite of the root in a first before-all and a last after-all that time it. */
function timeFileSuites(root: Mocha.Suite): void {
  for (const suite of root.suites) {
    const file = suite.file;
    if (!file || (suite as { timed?: boolean }).timed) continue;
    (suite as { timed?: boolean }).timed = true;
    suite.beforeAll('time the file (start)', () => {
      if (!startedAt.has(file)) startedAt.set(file, Date.now());
    });
    // mocha runs before-all hooks in the order added: the file's own were added when it loaded.
    const hooks = (suite as unknown as { _beforeAll: Mocha.Hook[] })._beforeAll;
    hooks.unshift(hooks.pop()!);
    suite.afterAll('time the file (end)', () => {
      const started = startedAt.get(file);
      const ofFile = root.suites.filter((s) => s.file === file && !s.isPending());
      if (started === undefined || ofFile.at(-1) !== suite) return;
      const tests = ofFile.flatMap(testsOf);
      const line = {
        file: relative(process.cwd(), file),
        wallMs: Date.now() - started,
        tests: tests.length,
        failed: tests.filter((t) => t.state === 'failed').length,
        pass: process.env.GAUNTLET_TEST_PASS ?? null,
        worker: process.env.MOCHA_WORKER_ID ?? null,
      };
      appendFileSync(out!, `${JSON.stringify(line)}\n`);
    });
  }
}

export const mochaHooks = out
  ? {
      beforeAll(this: Mocha.Context) {
        const root = this.test?.parent;
        if (root) timeFileSuites(root);
      },
    }
  : {};
