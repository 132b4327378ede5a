/** What one `gauntlet run` of the suites ended with: counts and every test's state. */
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
