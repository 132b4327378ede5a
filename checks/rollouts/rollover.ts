import type { Check, CheckContext } from '../check.ts';
import { collections } from '../support/collections.ts';
import { describeRollout, replicaSetsOf, revisionOf } from '../support/deployment-state.ts';
import { unschedulable } from '../support/pause-pod.ts';
import { judge, Unmet } from '../support/unmet.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  createDeployment,
  deploymentFixture,
  rolloutBoundMs,
  setRevision,
  updateDeployment,
  waitRolledOut,
} from './deployment-fixture.ts';
import { monitorDeployments } from './deployment-monitor.ts';

const name = 'rollover';
const replicas = 2;

/**
 * A rollout replaced in its middle by another one moves straight to the newest template.
 * Mirrors "[sig-apps] Deployment deployment should support rollover": a revision that cannot become
 * available (here: pods no node matches) is overtaken by a third revision; the middle ReplicaSet and the
 * original one both end at 0 replicas and the newest owns them all.
 */
export const rollover: Check = {
  name: 'rollover',
  tags: ['Rollout'],
  async setup(ctx) {
    await createDeployment(
      ctx,
      deploymentFixture(ctx, name, {
        replicas,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      }),
    );
  },
  assess: (ctx, deadline) =>
    judge(async () => {
      const bound = Math.min(deadline.timeoutMs, rolloutBoundMs);
      const id = `Deployment ${ctx.namespace}/${name}`;
      await waitRolledOut(ctx, name, bound);
      await updateDeployment(ctx, name, (d) => {
        setRevision(d, 'v2-stuck');
        d.spec!.template.spec!.nodeSelector = unschedulable;
      });
      // The stuck revision is mid-rollout once its ReplicaSet has the surge replica and the old one all.
      await waitFor(ctx.kube, collections.replicaSets(ctx.kube, ctx.namespace), {
        done: (list) =>
          list.some((rs) => revisionOf(rs) === 2 && rs.spec?.replicas === 1) ? true : undefined,
        what: `${id}: revision 2 ReplicaSet to be scaled to 1 (the surge replica)`,
        progress: (list) =>
          list.map((rs) => `${rs.metadata?.name} rev ${revisionOf(rs)}: ${rs.spec?.replicas}`).join(', '),
        timeoutMs: bound,
      });
      const started = Date.now();
      await updateDeployment(ctx, name, (d) => {
        setRevision(d, 'v3');
        delete d.spec!.template.spec!.nodeSelector;
      });
      const done = await waitRolledOut(ctx, name, bound);
      const took = ((Date.now() - started) / 1000).toFixed(1);
      return verifyRolledOver(ctx, done, id, took);
    }),
  monitor: (ctx, signal, emit) => monitorDeployments(ctx, signal, emit, [name]),
  async teardown() {},
};

async function verifyRolledOver(
  ctx: CheckContext,
  d: Awaited<ReturnType<typeof waitRolledOut>>,
  id: string,
  took: string,
): Promise<string> {
  const all = replicaSetsOf(
    d,
    (await ctx.kube.apps.listNamespacedReplicaSet({ namespace: ctx.namespace })).items,
  );
  const summary = all.map((rs) => `rev ${revisionOf(rs)}=${rs.spec?.replicas}`).join(', ');
  const [newest, ...older] = all;
  if (!newest || revisionOf(newest) !== 3 || newest.spec?.replicas !== replicas)
    throw new Unmet(
      `${id}: expected the revision-3 ReplicaSet to own all ${replicas} replicas; ${summary} (${describeRollout(d)})`,
    );
  if (older.length !== 2 || older.some((rs) => (rs.spec?.replicas ?? 0) !== 0))
    throw new Unmet(
      `${id}: expected the stuck revision 2 and the original revision 1 scaled to 0; ${summary}`,
    );
  return `rolled over to revision 3 in ${took} s (${summary})`;
}
