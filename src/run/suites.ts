import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import Mocha from 'mocha';
import { emitProgress } from './progress.ts';

const suitesRoot = join(import.meta.dirname, '..', '..', 'suites');

export interface SuiteOutcome {
  passed: number;
  failed: number;
  pending: number;
  tests: {
    suite: string;
    title: string;
    state: 'passed' | 'failed' | 'pending';
    durationMs: number;
    error?: string;
  }[];
}

/** mocha takes one reporter: this one is two, the spec output for people and JUnit XML (mocha's xunit) for CI. */
function specAndJUnit(file: string, suiteName: string) {
  return class SpecAndJUnit extends Mocha.reporters.Base {
    constructor(runner: Mocha.Runner, options: Mocha.MochaOptions) {
      super(runner, options);
      new Mocha.reporters.Spec(runner, options);
      new Mocha.reporters.XUnit(runner, { ...options, reporterOptions: { output: file, suiteName } });
    }
  };
}

/** Runs the named suites (directories under suites/) in this process with mocha, reporting to stderr. */
export async function runSuites(
  names: string[],
  o: { grep?: string; timeoutMs?: number; junitFile?: string; signal?: AbortSignal },
): Promise<SuiteOutcome> {
  const mocha = new Mocha({
    reporter: o.junitFile ? specAndJUnit(o.junitFile, names.join('+')) : 'spec',
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
