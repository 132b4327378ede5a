import type { Check, CheckContext } from '../../checks/check.ts';
import { closeCheckContext, openCheckContext } from '../../checks/check-context.ts';
import { runContext } from '../../src/model/run-context.ts';

/**
 * Runs one check as a mocha suite: "[Tag] name" with setup before, an assess test, teardown after.
 * A "skipped" result marks the test pending with its reason; a failure fails with the check's message.
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
      await check.teardown(ctx);
      await closeCheckContext(ctx);
    });
    it('assess', async function () {
      const result = await check.assess(ctx!, { timeoutMs: o.assessTimeoutMs ?? 60_000 });
      if (result.status === 'skipped') {
        this.test!.title = `assess (skipped: ${result.reason})`;
        this.skip();
      }
      if (result.status === 'failed') throw new Error(`${check.name}: ${result.message}`);
    });
  });
}
