import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import allureMocha from 'allure-mocha';
import Mocha from 'mocha';
import { allureCategories } from '../../reports/allure-categories.ts';
import { writeJUnit } from '../../reports/junit-report.ts';
import { isClusterVerdict } from '../../src/errors.ts';
import { KubeApiError } from '../../src/kube/readable-api-errors.ts';
import { emitProgress } from '../../src/model/events.ts';
import { causeOf, emptyOutcome, type SuiteOutcome, type TestOutcome } from '../../src/model/outcome.ts';
import { skipReasonOf } from '../../src/model/skip-reason.ts';
import { moduleExtension } from '../../src/repo-root.ts';

/** allure-mocha's types describe its CommonJS build (the class under .default); its ESM build is the class. */
const AllureMochaReporter = (
  'default' in allureMocha ? allureMocha.default : allureMocha
) as typeof allureMocha.default;

// Beside this module: the sources' suites/ under tsx, the compiled ones under dist/ from the build.
const suitesRoot = join(import.meta.dirname, '..', '..', 'suites');
const specSuffix = `.spec${moduleExtension}`;
/** The spec that runs the user's scenario files (`run --scenario`), from the sources or the build alike. */
export const userScenariosSpec = join(suitesRoot, 'scenarios', `user-scenarios${specSuffix}`);

/**
 * mocha takes one reporter: this one is two, the spec output for people and Allure results (allure-mocha) for the
 * HTML report; JUnit XML is written by runSuites from the outcome. Before either sees a failure, a verdict about
 * the cluster loses its stack (it names object, expectation, what was seen: the stack is noise), so Allure shows
 * it as Failed with no trace; anything else keeps its stack and is Broken.
 */
function specAllure(o: { allureResultsDir?: string }) {
  return class SpecAllure extends Mocha.reporters.Base {
    private readonly finishers: Mocha.reporters.Base[] = [];
    constructor(runner: Mocha.Runner, options: Mocha.MochaOptions) {
      super(runner, options);
      runner.on('fail', (_test, error: unknown) => {
        if (isClusterVerdict(error)) {
          const e = error as Error;
          e.stack = `${e.name}: ${e.message}`;
        }
      });
      new Mocha.reporters.Spec(runner, options);
      if (o.allureResultsDir)
        this.finishers.push(
          new AllureMochaReporter(runner, {
            ...options,
            reporterOptions: { resultsDir: o.allureResultsDir, categories: allureCategories },
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

/** Every test under a suite, nested suites included. */
function testsUnder(suite: Mocha.Suite): Mocha.Test[] {
  return [...suite.tests, ...suite.suites.flatMap(testsUnder)];
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
    /** More spec files to run after the suites' (the user's scenario files: suites/scenarios/user-scenarios.spec.ts). */
    specFiles?: string[];
  },
): Promise<SuiteOutcome> {
  const startedAt = new Date();
  const mocha = new Mocha({
    reporter: specAllure(o.allureResultsDir ? { allureResultsDir: o.allureResultsDir } : {}),
    timeout: o.timeoutMs ?? 120_000,
    ...(o.grep ? { grep: o.grep } : {}),
  });
  for (const name of names) {
    const dir = join(suitesRoot, name);
    for (const file of (await readdir(dir)).filter((f) => f.endsWith(specSuffix)).sort())
      mocha.addFile(join(dir, file));
  }
  for (const file of o.specFiles ?? []) mocha.addFile(file);
  await mocha.loadFilesAsync();
  const outcome = emptyOutcome();
  const recorded = new Set<Mocha.Runnable>();
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
    const record = (test: Mocha.Runnable, t: Omit<TestOutcome, 'suite' | 'title' | 'durationMs'>) => {
      if (recorded.has(test)) return;
      recorded.add(test);
      const entry: TestOutcome = {
        suite: test.parent?.fullTitle() ?? '',
        title: test.title,
        durationMs: test.duration ?? 0,
        ...t,
      };
      const { suite, title, state, durationMs } = entry;
      emitProgress({
        event: 'test-end',
        suite,
        title,
        state,
        durationMs,
        ...(entry.error ? { error: entry.hook ? `${entry.hook}: ${entry.error}` : entry.error } : {}),
        ...(entry.reason ? { reason: entry.reason } : {}),
      });
      outcome[state] += 1;
      outcome.tests.push(entry);
    };
    const verdict = (error: unknown): Pick<TestOutcome, 'state' | 'error' | 'stack' | 'cause'> => {
      const e = error as Error | undefined;
      const message = e?.message ?? String(error);
      if (isClusterVerdict(error)) return { state: 'failed', error: message };
      const detail = (error as { detail?: unknown } | undefined)?.detail;
      return {
        state: 'broken',
        error: message,
        stack: e?.stack ?? message,
        ...(error instanceof KubeApiError && typeof detail === 'string' ? { cause: causeOf(detail) } : {}),
      };
    };
    runner.on('pass', (test) => record(test, { state: 'passed' }));
    runner.on('fail', (runnable, error) => {
      if ((runnable as { type?: string }).type !== 'hook') return record(runnable, verdict(error));
      const hook = runnable.title.replace(/ for ".*"$/, '');
      // A failed teardown changes no verdict: it is a warning naming what it left.
      if (/^"after (all|each)" hook/.test(hook)) {
        outcome.warnings.push(
          `${runnable.parent?.fullTitle() ?? ''}: teardown failed: ${(error as Error).message}`,
        );
        return;
      }
      // A failed setup ends the tests it guards without running them: each counts once, with the hook's cause.
      const suite = runnable.parent;
      const pending = suite ? testsUnder(suite).filter((t) => !recorded.has(t)) : [];
      const v = verdict(error);
      if (pending.length === 0) outcome.warnings.push(`${suite?.fullTitle() ?? ''}: ${hook}: ${v.error}`);
      for (const test of pending) record(test, { ...v, hook });
    });
    runner.on('pending', (test) =>
      record(test, { state: 'skipped', reason: skipReasonOf(test) ?? 'skipped without a reason' }),
    );
  });
  mocha.dispose();
  if (o.junitFile)
    await writeJUnit(o.junitFile, outcome, {
      suiteName: [...names, ...(o.specFiles?.length ? ['scenario'] : [])].join('+'),
      startedAt,
    });
  if (o.allureResultsDir) await explainAllureResults(o.allureResultsDir, outcome);
  return outcome;
}

interface AllureResultFile {
  name?: string;
  status?: string;
  titlePath?: string[];
  statusDetails?: { message?: string; trace?: string };
}

/**
 * allure-mocha says "Test skipped" for every skip and knows nothing of tests a failed hook never ran: the results
 * get the skip's reason, and the hook's cause on its tests.
 */
async function explainAllureResults(dir: string, outcome: SuiteOutcome): Promise<void> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('-result.json'));
  const skipped = outcome.tests.filter((t) => t.state === 'skipped');
  const written: AllureResultFile[] = [];
  for (const f of files) {
    const file = join(dir, f);
    const result = JSON.parse(await readFile(file, 'utf8')) as AllureResultFile;
    written.push(result);
    if (result.status !== 'skipped') continue;
    const path = (result.titlePath ?? []).join(' ');
    const match = skipped.find((t) => t.title === result.name && path.endsWith(t.suite));
    if (!match?.reason) continue;
    result.statusDetails = { message: `skipped: ${match.reason}` };
    await writeFile(file, JSON.stringify(result));
  }
  // allure-mocha writes no result for a test its suite's failed setup never ran: without one, the report would
  // show the test nowhere. Each gets its own, Broken (or Failed for a cluster verdict) with the hook's cause.
  for (const t of outcome.tests) {
    if (!t.hook || (t.state !== 'broken' && t.state !== 'failed')) continue;
    const exists = written.some((r) => r.name === t.title && (r.titlePath ?? []).join(' ').endsWith(t.suite));
    if (exists) continue;
    const uuid = randomUUID();
    const fullName = `${t.suite} ${t.title}`;
    const now = Date.now();
    const result = {
      uuid,
      historyId: createHash('md5').update(fullName).digest('hex'),
      name: t.title,
      fullName,
      titlePath: [t.suite],
      status: t.state,
      statusDetails: { message: t.error ?? t.hook, ...(t.stack ? { trace: t.stack } : {}) },
      stage: 'finished',
      start: now,
      stop: now,
      labels: [{ name: 'suite', value: t.suite }],
      steps: [],
      attachments: [],
      parameters: [],
      links: [],
    };
    await writeFile(join(dir, `${uuid}-result.json`), JSON.stringify(result));
  }
}
