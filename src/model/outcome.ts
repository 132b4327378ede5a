/**
 * How one test ended. failed: the cluster did not do what was expected (a verdict). broken: the harness, or its
 * access to the cluster, failed (an error, with its stack). skipped: not run, always with the reason.
 */
export type TestState = 'passed' | 'failed' | 'broken' | 'skipped';

export interface TestOutcome {
  suite: string;
  title: string;
  state: TestState;
  durationMs: number;
  /** failed and broken: the message. */
  error?: string;
  /** broken only: the stack, for the JUnit <error> body and the report's attachment. */
  stack?: string;
  /** skipped: why. */
  reason?: string;
  /** broken by an API refusal: the server's own words, to tell a cluster-wide cause shared by many tests. */
  cause?: string;
  /** The hook ("before all" hook) whose failure ended this test without running it. */
  hook?: string;
}

/** What one `gauntlet run` of the suites ended with: counts, every test's state, warnings (failed teardowns). */
export interface SuiteOutcome {
  passed: number;
  failed: number;
  broken: number;
  skipped: number;
  tests: TestOutcome[];
  /** Things that did not change a verdict but leave something behind: an after-all hook (teardown) that failed. */
  warnings: string[];
}

export const emptyOutcome = (): SuiteOutcome => ({
  passed: 0,
  failed: 0,
  broken: 0,
  skipped: 0,
  tests: [],
  warnings: [],
});

/** Nothing was tested: no test ran, or every selected one was skipped. */
export const nothingTested = (o: SuiteOutcome) => o.passed + o.failed + o.broken === 0;

/** Causes that broke two tests or more ("etcdserver: mvcc: database space exceeded"), said once, most frequent first. */
/**
 * The server's words with the object they were about left out ('services "web" is forbidden: ...' ->
 * 'services "…" is forbidden: ...'): the same refusal of two checks' objects is one cause.
 */
export function causeOf(serverMessage: string): string {
  return serverMessage.replace(/"[^"]*"/g, '"…"');
}

export function sharedCauses(o: SuiteOutcome): { cause: string; tests: number }[] {
  const counts = new Map<string, number>();
  for (const t of o.tests) if (t.cause) counts.set(t.cause, (counts.get(t.cause) ?? 0) + 1);
  return [...counts]
    .filter(([, n]) => n >= 2)
    .sort((a, b) => b[1] - a[1])
    .map(([cause, tests]) => ({ cause, tests }));
}
