import { markSkipReason } from '../src/model/skip-reason.ts';

/**
 * Skips with a reason, the only way a spec skips: in a test it skips that test, in a before-all hook the whole
 * describe. The reason reaches the console, JUnit (<skipped message=...>), summary.json and the report.
 */
export function skipBecause(ctx: Mocha.Context, reason: string): never {
  const runnable = ctx.test;
  if ((runnable as { type?: string } | undefined)?.type === 'hook' && runnable?.parent)
    markSkipReason(runnable.parent, reason);
  else if (runnable) markSkipReason(runnable, reason);
  ctx.skip();
}
