import { progressDeadline } from '../../checks/rollouts/progress-deadline.ts';
import { proportionalScaling } from '../../checks/rollouts/proportional-scaling.ts';
import { recreate } from '../../checks/rollouts/recreate.ts';
import { rollback } from '../../checks/rollouts/rollback.ts';
import { rollingUpdate } from '../../checks/rollouts/rolling-update.ts';
import { rollover } from '../../checks/rollouts/rollover.ts';
import { describeCheck } from './describe-check.ts';

/** [Rollout]: Deployments roll, roll over, scale mid-rollout, recreate, roll back, and report being stuck. */
for (const check of [rollingUpdate, rollover, proportionalScaling, recreate, rollback, progressDeadline]) {
  describeCheck(check, { assessTimeoutMs: 30_000 });
}
