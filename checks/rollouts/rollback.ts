import type { Check } from '../check.ts';
import { hashOf, replicaSetsOf, revisionAnnotation, revisionOf } from '../support/deployment-state.ts';
import { podTemplateHashLabel } from '../support/pod-state.ts';
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

const name = 'rollback';
const replicas = 2;
const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';

/**
 * Rolling back to the previous revision reuses its ReplicaSet: the Deployment's template is set back to that
 * ReplicaSet's (what `kubectl rollout undo` does, apps/v1 has no rollback call), and the controller gives the
 * old ReplicaSet the next revision number (3), records 1 in its revision-history, and its pods keep their
 * pod-template-hash. Mirrors the revision bookkeeping upstream's deployment rollback tests assert
 * (test/integration/deployment, kubectl rollout undo in test/cmd/apps.sh).
 */
export const rollback: Check = {
  name: 'rollback',
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
      const listRs = async () =>
        (await ctx.kube.apps.listNamespacedReplicaSet({ namespace: ctx.namespace })).items;
      const first = await waitRolledOut(ctx, name, bound);
      const original = replicaSetsOf(first, await listRs())[0];
      if (!original) throw new Unmet(`${id}: expected a ReplicaSet after the first rollout`);
      const originalHash = hashOf(original);
      await updateDeployment(ctx, name, (d) => setRevision(d, 'v2'));
      await waitRolledOut(ctx, name, bound);
      const started = Date.now();
      // The undo: the previous revision's template, without the hash label the controller adds.
      await updateDeployment(ctx, name, (d) => {
        const template = structuredClone(original.spec!.template!);
        delete template.metadata?.labels?.[podTemplateHashLabel];
        d.spec!.template = template;
      });
      const done = await waitRolledOut(ctx, name, bound);
      const all = replicaSetsOf(done, await listRs());
      const summary = all.map((rs) => `${hashOf(rs)} rev ${revisionOf(rs)}=${rs.spec?.replicas}`).join(', ');
      const [newest] = all;
      if (done.metadata?.annotations?.[revisionAnnotation] !== '3')
        throw new Unmet(
          `${id}: expected revision annotation 3 after the rollback; it is ${done.metadata?.annotations?.[revisionAnnotation]}`,
        );
      if (
        all.length !== 2 ||
        !newest ||
        hashOf(newest) !== originalHash ||
        newest.spec?.replicas !== replicas
      )
        throw new Unmet(
          `${id}: expected the original ReplicaSet (${originalHash}) reused as revision 3 with all ${replicas} replicas, and no third ReplicaSet; ${summary}`,
        );
      const history = newest.metadata?.annotations?.[revisionHistoryAnnotation] ?? '';
      if (!history.split(',').includes('1'))
        throw new Unmet(
          `${id}: expected ReplicaSet ${newest.metadata?.name} to record revision 1 in ${revisionHistoryAnnotation}; it has "${history}"`,
        );
      const pods = (
        await ctx.kube.core.listNamespacedPod({ namespace: ctx.namespace, labelSelector: `app=${name}` })
      ).items;
      const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
      const wrong = live.filter((p) => p.metadata?.labels?.[podTemplateHashLabel] !== originalHash);
      if (wrong.length > 0)
        throw new Unmet(
          `${id}: expected every pod to carry pod-template-hash ${originalHash} after the rollback; ${wrong.map((p) => `${p.metadata?.name}=${p.metadata?.labels?.[podTemplateHashLabel]}`).join(', ')}`,
        );
      return `rolled back to ${originalHash} as revision 3 (history ${history}) in ${((Date.now() - started) / 1000).toFixed(1)} s`;
    }),
  monitor: (ctx, signal, emit) => monitorDeployments(ctx, signal, emit, [name]),
  async teardown() {},
};
