import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import allureMocha from 'allure-mocha';
import Mocha from 'mocha';
import { emitProgress } from '../../src/model/events.ts';
import type { SuiteOutcome } from '../../src/model/outcome.ts';

/** allure-mocha's types describe its CommonJS build (the class under .default); its ESM build is the class. */
const AllureMochaReporter = (
  'default' in allureMocha ? allureMocha.default : allureMocha
) as typeof allureMocha.default;

const suitesRoot = join(import.meta.dirname, '..', '..', 'suites');

/**
 * mocha takes one reporter: this one is three, the spec output for people, JUnit XML (mocha's xunit) for CI and
 * Allure results (allure-mocha) for the HTML report. done() lets xunit close its file and allure write its
 * environment before mocha's run callback fires.
 */
function specJUnitAllure(o: { junitFile: string; suiteName: string; allureResultsDir?: string }) {
  return class SpecJUnitAllure extends Mocha.reporters.Base {
    private readonly finishers: Mocha.reporters.Base[] = [];
    constructor(runner: Mocha.Runner, options: Mocha.MochaOptions) {
      super(runner, options);
      new Mocha.reporters.Spec(runner, options);
      this.finishers.push(
        new Mocha.reporters.XUnit(runner, {
          ...options,
          reporterOptions: { output: o.junitFile, suiteName: o.suiteName },
        }),
      );
      if (o.allureResultsDir)
        this.finishers.push(
          new AllureMochaReporter(runner, {
            ...options,
            reporterOptions: { resultsDir: o.allureResultsDir },
          }),
        );
    }
    override done(failures: number, fn?: (failures: number) => void): void {
      const next = (i: number): void => {
        const reporter = this.finishers[i] as
          | { done?: (f: number, cb: (f: number) => void) => void }
          | undefined;
        if (!reporter) fn?.(failures);
        else if (reporter.done) reporter.done(failures, () => next(i + 1));
        else next(i + 1);
      };
      next(0);
    }
  };
}

/** Runs the named suites (directories under suites/) in this process with mocha, reporting to stderr. */
export async function runSuites(
  names: string[],
  o: {
    grep?: string;
    timeoutMs?: number;
    junitFile?: string;
    allureResultsDir?: string;
    signal?: AbortSignal;
  },
): Promise<SuiteOutcome> {
  const mocha = new Mocha({
    reporter: o.junitFile
      ? specJUnitAllure({
          junitFile: o.junitFile,
          suiteName: names.join('+'),
          ...(o.allureResultsDir ? { allureResultsDir: o.allureResultsDir } : {}),
        })
      : 'spec',
    timeout: o.timeoutMs ?? 120_000,
    ...(o.grep ? { grep: o.grep } : {}),
  });
  for (const name of names) {
    const dir = join(suitesRoot, name);
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.spec.ts')).sort())
      mocha.addFile(join(dir, file));
  }
  await mocha.loadFilesAsync();
  const outcome: SuiteOutcome = { passed: 0, failed: 0, pending: 0, tests: [] };
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    // Ctrl-C: stop after the current test; its after() hooks still revert what it injected.
    o.signal?.addEventListener('abort', () => runner.abort(), { once: true });
    let started = 0;
    runner.on('test', (test) => {
      started += 1;
      const suite = test.parent?.fullTitle() ?? '';
      emitProgress({ event: 'test-start', suite, title: test.title, index: started, total: runner.total });
    });
    const record = (test: Mocha.Test, state: 'passed' | 'failed' | 'pending', error?: Error) => {
      const [suite, title, durationMs] = [test.parent?.fullTitle() ?? '', test.title, test.duration ?? 0];
      emitProgress({
        event: 'test-end',
        suite,
        title,
        state,
        durationMs,
        ...(error ? { error: error.message } : {}),
      });
      outcome[state] += 1;
      outcome.tests.push({
        suite: test.parent?.fullTitle() ?? '',
        title: test.title,
        state,
        durationMs: test.duration ?? 0,
        ...(error ? { error: error.message } : {}),
      });
    };
    runner.on('pass', (test) => record(test, 'passed'));
    runner.on('fail', (test, error) => record(test as Mocha.Test, 'failed', error));
    runner.on('pending', (test) => record(test, 'pending'));
  });
  mocha.dispose();
  return outcome;
}
