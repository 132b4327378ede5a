import type { V1Pod } from '@kubernetes/client-node';
import type { Check, CheckContext } from '../check.ts';
import { informers } from '../support/informers.ts';
import { podTemplateHashLabel } from '../support/pod-state.ts';
import { judge, Unmet } from '../support/unmet.ts';
import { monitorVerdict } from '../support/verdict-monitor.ts';
import {
  createDeployment,
  deploymentFixture,
  rolloutBoundMs,
  setRevision,
  updateDeployment,
  waitRolledOut,
} from './deployment-fixture.ts';

const name = 'recreate';
const replicas = 3;

/** Pods of the fixture that still exist and have not finished, grouped by pod-template-hash. */
function podsByRevision(pods: readonly V1Pod[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const pod of pods) {
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    const hash = pod.metadata?.labels?.[podTemplateHashLabel] ?? '?';
    groups.set(hash, [...(groups.get(hash) ?? []), pod.metadata?.name ?? '?']);
  }
  return groups;
}

const describeGroups = (groups: Map<string, string[]>) =>
  [...groups].map(([hash, names]) => `${hash}: ${names.join(' ')}`).join('; ');

/**
 * A Recreate rollout never runs old and new pods at once: every old pod (terminating ones included) is gone
 * before the first new one exists. Mirrors "[sig-apps] Deployment RecreateDeployment should delete old pods
 * and create new ones", judged on every pod watch event instead of upstream's status polling.
 */
export const recreate: Check = {
  name: 'recreate',
  tags: ['Rollout'],
  async setup(ctx) {
    await createDeployment(ctx, deploymentFixture(ctx, name, { replicas, strategy: { type: 'Recreate' } }));
  },
  assess: (ctx, deadline) =>
    judge(async () => {
      const bound = Math.min(deadline.timeoutMs, rolloutBoundMs);
      const id = `Deployment ${ctx.namespace}/${name}`;
      await waitRolledOut(ctx, name, bound);
      const pods = informers.pods(ctx.kube, ctx.namespace, `app=${name}`);
      let overlap: string | undefined;
      let events = 0;
      pods.on('change', () => {
        events += 1;
        const groups = podsByRevision(pods.list());
        if (groups.size > 1 && !overlap) overlap = describeGroups(groups);
      });
      await pods.start();
      const started = Date.now();
      try {
        await updateDeployment(ctx, name, (d) => setRevision(d, 'v2'));
        await waitRolledOut(ctx, name, bound);
      } finally {
        pods.stop();
      }
      if (overlap)
        throw new Unmet(
          `${id}: old and new pods existed at the same time during a Recreate rollout (${overlap})`,
        );
      return `recreated ${replicas} pods in ${((Date.now() - started) / 1000).toFixed(1)} s; never two revisions at once over ${events} pod events`;
    }),
  monitor: (ctx, signal, emit) => monitorRecreate(ctx, signal, emit),
  async teardown() {},
};

function monitorRecreate(ctx: CheckContext, signal: AbortSignal, emit: Parameters<Check['monitor']>[2]) {
  const pods = informers.pods(ctx.kube, ctx.namespace, `app=${name}`);
  return monitorVerdict({
    informers: [pods],
    signal,
    emit,
    judge: () => {
      const groups = podsByRevision(pods.list());
      return groups.size > 1
        ? {
            ok: false,
            detail: `Deployment ${ctx.namespace}/${name}: expected pods of one revision only (Recreate); ${describeGroups(groups)}`,
          }
        : { ok: true, detail: `Deployment ${ctx.namespace}/${name}: pods of one revision only` };
    },
  });
}
