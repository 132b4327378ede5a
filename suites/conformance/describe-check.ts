import type { Check, CheckContext } from '../../checks/check.ts';
import { closeCheckContext, openCheckContext } from '../../checks/check-context.ts';
import { ClusterAssertionError } from '../../src/errors.ts';
import { runContext } from '../../src/model/run-context.ts';
import { skipBecause } from '../skip.ts';

/**
 * Runs one check as a mocha suite: "[Tag] name" with setup before, an assess test, teardown after.
 * A "skipped" result skips the test with its reason; a failure is a ClusterAssertionError with the check's message.
 */
export function describeCheck(check: Check, o: { assessTimeoutMs?: number } = {}): void {
  const title = `${check.tags.map((t) => `[${t}]`).join(' ')} ${check.name}`;
  describe(title, () => {
    let ctx: CheckContext | undefined;
    before(async () => {
      ctx = await openCheckContext(runContext(), check.name);
      await check.setup(ctx);
    });
    after(async () => {
      if (!ctx) return;
      // The namespace goes even when the check's own teardown fails (that failure is reported as a warning).
      try {
        await check.teardown(ctx);
      } finally {
        await closeCheckContext(ctx);
      }
    });
    it('assess', async function () {
      const result = await check.assess(ctx!, { timeoutMs: o.assessTimeoutMs ?? 60_000 });
      if (result.status === 'skipped') skipBecause(this, result.reason);
      if (result.status === 'failed')
        throw new ClusterAssertionError({
          object: check.name,
          expected: 'the behaviour to hold',
          message: `${check.name}: ${result.message}`,
        });
    });
  });
}
