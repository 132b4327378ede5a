import type { Check } from '../check.ts';
import { replicaSetsOf } from '../support/deployment-state.ts';
import { judge, Unmet } from '../support/unmet.ts';
import {
  createDeployment,
  deploymentFixture,
  rolloutBoundMs,
  setRevision,
  updateDeployment,
  waitRolledOut,
} from './deployment-fixture.ts';
import { monitorDeployments } from './deployment-monitor.ts';
import { RolloutBounds } from './rollout-bounds.ts';

const name = 'rolling';
const replicas = 4;
const maxSurge = 1;
const maxUnavailable = 1;

/**
 * A RollingUpdate completes and stays within maxSurge/maxUnavailable at every observed moment.
 * Mirrors "[sig-apps] Deployment RollingUpdateDeployment should delete old pods and create new ones"
 * (new ReplicaSet owns every replica, old one scaled to 0, revision 2) and the rolling-update bounds that
 * upstream's WaitForDeploymentCompleteAndCheckRolling asserts while waiting.
 */
export const rollingUpdate: Check = {
  name: 'rolling-update',
  tags: ['Rollout'],
  async setup(ctx) {
    await createDeployment(
      ctx,
      deploymentFixture(ctx, name, {
        replicas,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
      }),
    );
  },
  assess: (ctx, deadline) =>
    judge(async () => {
      const bound = Math.min(deadline.timeoutMs, rolloutBoundMs);
      await waitRolledOut(ctx, name, bound);
      const bounds = new RolloutBounds(ctx.kube, ctx.namespace, name);
      await bounds.start();
      const started = Date.now();
      let done: Awaited<ReturnType<typeof waitRolledOut>>;
      try {
        await updateDeployment(ctx, name, (d) => setRevision(d, 'v2'));
        done = await waitRolledOut(ctx, name, bound);
      } finally {
        bounds.stop();
      }
      const took = ((Date.now() - started) / 1000).toFixed(1);
      const id = `Deployment ${ctx.namespace}/${name}`;
      const rsList = replicaSetsOf(
        done,
        (await ctx.kube.apps.listNamespacedReplicaSet({ namespace: ctx.namespace })).items,
      );
      const [newest, ...old] = rsList;
      if (
        newest?.metadata?.annotations?.['deployment.kubernetes.io/revision'] !== '2' ||
        newest.spec?.replicas !== replicas
      )
        throw new Unmet(
          `${id}: expected the revision-2 ReplicaSet to own all ${replicas} replicas; newest is ${newest?.metadata?.name} with ${newest?.spec?.replicas}`,
        );
      const leftover = old.filter((rs) => (rs.spec?.replicas ?? 0) > 0);
      if (leftover.length > 0)
        throw new Unmet(
          `${id}: expected old ReplicaSets scaled to 0; ${leftover.map((rs) => `${rs.metadata?.name}=${rs.spec?.replicas}`).join(', ')}`,
        );
      const maxCreated = replicas + maxSurge;
      const minAvailable = replicas - maxUnavailable;
      const worstCreated = bounds.worstCreated?.created ?? 0;
      const worstAvailable = bounds.worstAvailable?.available ?? 0;
      if (worstCreated > maxCreated)
        throw new Unmet(
          `${id}: ${worstCreated} replicas created at one moment of the rollout (maxSurge=${maxSurge} allows ${maxCreated})`,
        );
      if (worstAvailable < minAvailable)
        throw new Unmet(
          `${id}: only ${worstAvailable} replicas available at one moment of the rollout (maxUnavailable=${maxUnavailable} requires ${minAvailable})`,
        );
      return `rolled out in ${took} s; worst moments over ${bounds.events} events: ${worstCreated} created (max ${maxCreated}), ${worstAvailable} available (min ${minAvailable})`;
    }),
  monitor: (ctx, signal, emit) => monitorDeployments(ctx, signal, emit, [name]),
  async teardown() {},
};
