/**
 * Why a test or a whole suite was skipped, kept on the mocha object itself (a test, or the suite whose before-all
 * hook skipped), so the runner can carry it into the console, JUnit, summary.json and the report.
 */
const key = Symbol.for('gauntlet.skip-reason');

interface Carrier {
  parent?: Carrier | undefined;
}

export function markSkipReason(target: object, reason: string): void {
  (target as Record<symbol, string>)[key] = reason;
}

/** The reason recorded on the test, else on the nearest suite above it. */
export function skipReasonOf(test: Carrier): string | undefined {
  for (let at: Carrier | undefined = test; at; at = at.parent) {
    const reason = (at as Record<symbol, string | undefined>)[key];
    if (reason) return reason;
  }
  return undefined;
}
