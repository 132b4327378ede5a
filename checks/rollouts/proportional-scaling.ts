import type { V1ReplicaSet } from '@kubernetes/client-node';
import type { Check } from '../check.ts';
import { collections } from '../support/collections.ts';
import { replicaSetsOf, revisionOf } from '../support/deployment-state.ts';
import { informers } from '../support/informers.ts';
import { unschedulable } from '../support/pause-pod.ts';
import { judge } from '../support/unmet.ts';
import { monitorVerdict } from '../support/verdict-monitor.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  createDeployment,
  deploymentFixture,
  rolloutBoundMs,
  updateDeployment,
  waitRolledOut,
} from './deployment-fixture.ts';

const name = 'proportional';
const maxSurge = 3;

/**
 * Scaling a Deployment in the middle of a rollout spreads the new replicas over its ReplicaSets in proportion.
 * Mirrors "[sig-apps] Deployment deployment should support proportional scaling" with its numbers:
 * 10 replicas, maxSurge 3, maxUnavailable 2; a stuck rollout leaves 8 old + 5 new; scaling to 30 gives 20 + 13.
 */
export const proportionalScaling: Check = {
  name: 'proportional-scaling',
  tags: ['Rollout'],
  async setup(ctx) {
    await createDeployment(
      ctx,
      deploymentFixture(ctx, name, {
        replicas: 10,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable: 2 } },
      }),
    );
  },
  assess: (ctx, deadline) =>
    judge(async () => {
      const bound = Math.min(deadline.timeoutMs, rolloutBoundMs);
      const id = `Deployment ${ctx.namespace}/${name}`;
      await waitRolledOut(ctx, name, bound);
      await updateDeployment(ctx, name, (d) => {
        d.spec!.template.spec!.nodeSelector = unschedulable;
      });
      await expectSplit(
        ctx,
        id,
        [8, 5],
        'after the stuck rollout starts (maxSurge 3, maxUnavailable 2)',
        bound,
      );
      const started = Date.now();
      await updateDeployment(ctx, name, (d) => {
        d.spec!.replicas = 30;
      });
      await expectSplit(ctx, id, [20, 13], 'after scaling 10 -> 30 mid-rollout', bound);
      return `old/new ReplicaSets went 8/5 -> 20/13 within ${((Date.now() - started) / 1000).toFixed(1)} s of scaling to 30`;
    }),
  // Mid-rollout the Deployment is meant to be short of replicas; what must hold is the surge bound.
  monitor: (ctx, signal, emit) => {
    const deployments = informers.deployments(ctx.kube, ctx.namespace);
    const replicaSets = informers.replicaSets(ctx.kube, ctx.namespace);
    return monitorVerdict({
      informers: [deployments, replicaSets],
      signal,
      emit,
      judge: () => {
        const d = deployments.get(name, ctx.namespace);
        if (!d) return { ok: false, detail: `Deployment ${ctx.namespace}/${name}: expected to exist` };
        const created = replicaSetsOf(d, replicaSets.list()).reduce(
          (n, rs) => n + (rs.spec?.replicas ?? 0),
          0,
        );
        const max = (d.spec?.replicas ?? 0) + maxSurge;
        return {
          ok: created <= max,
          detail: `Deployment ${ctx.namespace}/${name}: ${created} replicas created (maxSurge ${maxSurge} allows ${max})`,
        };
      },
    });
  },
  async teardown() {},
};

async function expectSplit(
  ctx: Parameters<Check['setup']>[0],
  id: string,
  [first, second]: [number, number],
  when: string,
  timeoutMs: number,
): Promise<void> {
  const split = (list: V1ReplicaSet[]) => {
    const spec = (rev: number) => list.find((rs) => revisionOf(rs) === rev)?.spec?.replicas;
    return [spec(1), spec(2)] as const;
  };
  await waitFor(ctx.kube, collections.replicaSets(ctx.kube, ctx.namespace), {
    done: (list) => {
      const [a, b] = split(list);
      return a === first && b === second ? true : undefined;
    },
    what: `${id}: ReplicaSets of revisions 1 and 2 at ${first} and ${second} replicas ${when}`,
    progress: (list) => {
      const [a, b] = split(list);
      return `revision 1 has ${a ?? 'no ReplicaSet'}, revision 2 has ${b ?? 'no ReplicaSet'}`;
    },
    timeoutMs,
  });
}
