import type { V1Deployment } from '@kubernetes/client-node';
import type { Check } from '../check.ts';
import { collections } from '../support/collections.ts';
import { describeRollout, progressing } from '../support/deployment-state.ts';
import { informers } from '../support/informers.ts';
import { podTemplate, unschedulable } from '../support/pause-pod.ts';
import { judge, Unmet } from '../support/unmet.ts';
import { monitorVerdict } from '../support/verdict-monitor.ts';
import { waitFor } from '../support/wait-for.ts';

const name = 'stuck';
/** Small so the check takes seconds; the controller re-checks progress exactly when it runs out. */
const progressDeadlineSeconds = 3;
/** What the controller may take beyond the deadline: its re-queue, a status write, our watch. */
const reportSlackMs = 5_000;

const exceeded = (d: V1Deployment | undefined) => {
  const c = d && progressing(d);
  return c?.status === 'False' && c.reason === 'ProgressDeadlineExceeded' ? c : undefined;
};

/**
 * A rollout that cannot progress (its pods match no node) is reported as Progressing=False,
 * reason ProgressDeadlineExceeded, within progressDeadlineSeconds. Mirrors upstream's
 * "test/integration/deployment TestFailedDeployment" and the e2e progress-deadline assertions
 * (WaitForDeploymentWithCondition(..., ProgressDeadlineExceeded)).
 */
export const progressDeadline: Check = {
  name: 'progress-deadline',
  tags: ['Rollout'],
  async setup(ctx) {
    await ctx.kube.apps.createNamespacedDeployment({
      namespace: ctx.namespace,
      body: {
        metadata: { name, namespace: ctx.namespace, labels: ctx.labels },
        spec: {
          replicas: 1,
          progressDeadlineSeconds,
          selector: { matchLabels: { app: name, ...ctx.labels } },
          template: podTemplate({ ...ctx.labels, app: name }, { nodeSelector: unschedulable }),
        },
      },
    });
  },
  assess: (ctx, deadline) =>
    judge(async () => {
      const id = `Deployment ${ctx.namespace}/${name}`;
      const bound = Math.min(deadline.timeoutMs, progressDeadlineSeconds * 1000 + reportSlackMs);
      const created = Date.now();
      const d = await waitFor(ctx.kube, collections.deployment(ctx.kube, ctx.namespace, name), {
        done: ([d]) => (exceeded(d) ? d : undefined),
        what: `${id} (pods unschedulable) to report Progressing=False reason ProgressDeadlineExceeded (progressDeadlineSeconds=${progressDeadlineSeconds})`,
        progress: ([d]) =>
          `${describeRollout(d)} (${progressing(d ?? {})?.message ?? 'no Progressing message'})`,
        timeoutMs: bound,
      });
      const condition = exceeded(d)!;
      // The controller's clock starts at the Progressing condition's last update before it gave up;
      // second-resolution timestamps, so compare against the deadline plus our slack.
      const startedAt = d.metadata?.creationTimestamp
        ? new Date(d.metadata.creationTimestamp).getTime()
        : created;
      const reportedAt = condition.lastTransitionTime
        ? new Date(condition.lastTransitionTime).getTime()
        : Date.now();
      const afterMs = reportedAt - startedAt;
      if (afterMs > progressDeadlineSeconds * 1000 + reportSlackMs)
        throw new Unmet(
          `${id}: ProgressDeadlineExceeded reported ${(afterMs / 1000).toFixed(0)} s after creation (deadline ${progressDeadlineSeconds} s)`,
        );
      return `ProgressDeadlineExceeded ${(afterMs / 1000).toFixed(0)} s after creation (deadline ${progressDeadlineSeconds} s): ${condition.message}`;
    }),
  monitor: (ctx, signal, emit) => {
    const deployments = informers.deployments(ctx.kube, ctx.namespace);
    return monitorVerdict({
      informers: [deployments],
      signal,
      emit,
      judge: () => {
        const d = deployments.get(name, ctx.namespace);
        return exceeded(d)
          ? {
              ok: true,
              detail: `Deployment ${ctx.namespace}/${name}: stuck rollout reported as ProgressDeadlineExceeded`,
            }
          : {
              ok: false,
              detail: `Deployment ${ctx.namespace}/${name}: stuck rollout not (yet) reported as ProgressDeadlineExceeded; ${describeRollout(d)}`,
            };
      },
    });
  },
  async teardown() {},
};
