import type { V1Pod } from '@kubernetes/client-node';
import type { Check } from '../check.ts';
import {
  clusterScopedName,
  createStorageClass,
  createVolume,
  deleteStorageFixtures,
} from '../storage/storage-fixture.ts';
import { collections } from '../support/collections.ts';
import { informers } from '../support/informers.ts';
import { podTemplate } from '../support/pause-pod.ts';
import { isActive, isPodReady } from '../support/pod-state.ts';
import { judge, Unmet } from '../support/unmet.ts';
import { monitorVerdict } from '../support/verdict-monitor.ts';
import { waitFor } from '../support/wait-for.ts';

const name = 'ordinal';
const replicas = 3;
const victim = 1;
/** OrderedReady start of 3 pods (each waits for the previous one to be Ready) plus volume binding. */
const boundMs = 30_000;

const podName = (i: number) => `${name}-${i}`;
const claimName = (i: number) => `data-${name}-${i}`;

/**
 * A StatefulSet creates its pods in order (ordinal n+1 only once n is Running and Ready) and a deleted pod
 * comes back with the same name, ordinal, hostname and its own claim, still bound to the same volume.
 * Mirrors "[sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic] should provide basic
 * identity" and "... should perform canary updates and phased rolling updates of template modifications"'s
 * ordering assertions. Its claims bind to static volumes pre-bound per ordinal (no provisioner needed).
 */
export const statefulSetIdentity: Check = {
  name: 'statefulset-identity',
  tags: ['SelfHealing'],
  async setup(ctx) {
    const sc = await createStorageClass(ctx, 'ordinals', 'Immediate');
    for (let i = 0; i < replicas; i++)
      await createVolume(ctx, {
        suffix: `ordinal-${i}`,
        storageClassName: sc,
        capacity: '1Gi',
        accessModes: ['ReadWriteOnce'],
        claimRef: { namespace: ctx.namespace, name: claimName(i) },
      });
    const labels = { ...ctx.labels, app: name };
    await ctx.kube.core.createNamespacedService({
      namespace: ctx.namespace,
      body: {
        metadata: { name, namespace: ctx.namespace, labels: ctx.labels },
        spec: { clusterIP: 'None', selector: labels, ports: [{ port: 80 }] },
      },
    });
    const template = podTemplate(labels);
    template.spec!.containers[0]!.volumeMounts = [{ name: 'data', mountPath: '/data' }];
    await ctx.kube.apps.createNamespacedStatefulSet({
      namespace: ctx.namespace,
      body: {
        metadata: { name, namespace: ctx.namespace, labels: ctx.labels },
        spec: {
          replicas,
          serviceName: name,
          podManagementPolicy: 'OrderedReady',
          selector: { matchLabels: labels },
          template,
          volumeClaimTemplates: [
            {
              metadata: { name: 'data', labels: ctx.labels },
              spec: {
                storageClassName: sc,
                accessModes: ['ReadWriteOnce'],
                resources: { requests: { storage: '1Gi' } },
              },
            },
          ],
        },
      },
    });
  },
  assess: (ctx, deadline) =>
    judge(async () => {
      const bound = Math.min(deadline.timeoutMs, boundMs);
      const id = `StatefulSet ${ctx.namespace}/${name}`;
      // Order: when each pod first appeared and first became Ready, as the watch saw them.
      const firstSeen = new Map<string, number>();
      const firstReady = new Map<string, number>();
      const pods = informers.pods(ctx.kube, ctx.namespace, `app=${name}`);
      const note = (p: V1Pod) => {
        const n = p.metadata!.name!;
        if (!firstSeen.has(n)) firstSeen.set(n, Date.now());
        if (isPodReady(p) && !firstReady.has(n)) firstReady.set(n, Date.now());
      };
      pods.on('change', note);
      await pods.start();
      // Pods that existed before the watch: their API timestamps (second resolution) stand in for our clock.
      for (const p of pods.list()) {
        const n = p.metadata!.name!;
        const created = p.metadata?.creationTimestamp;
        const ready = p.status?.conditions?.find(
          (c) => c.type === 'Ready' && c.status === 'True',
        )?.lastTransitionTime;
        if (created) firstSeen.set(n, Math.floor(new Date(created).getTime() / 1000) * 1000);
        if (ready) firstReady.set(n, Math.floor(new Date(ready).getTime() / 1000) * 1000);
      }
      const allReady = (list: V1Pod[]) =>
        list.filter((p) => isActive(p) && isPodReady(p)).length === replicas;
      const describe = (list: V1Pod[]) =>
        list
          .map((p) => `${p.metadata?.name}=${p.status?.phase}${isPodReady(p) ? '/Ready' : ''}`)
          .join(', ') || 'no pods';
      try {
        await waitFor(ctx.kube, collections.pods(ctx.kube, ctx.namespace, `app=${name}`), {
          done: (list) => (allReady(list) ? true : undefined),
          what: `${id}: ${replicas} pods Running and Ready, created in ordinal order`,
          progress: describe,
          timeoutMs: bound,
        });
      } finally {
        pods.stop();
      }
      for (let i = 1; i < replicas; i++) {
        const created = firstSeen.get(podName(i));
        const previousReady = firstReady.get(podName(i - 1));
        if (created !== undefined && previousReady !== undefined && created < previousReady)
          throw new Unmet(
            `${id}: pod ${podName(i)} created ${previousReady - created} ms before ${podName(i - 1)} was Ready; expected OrderedReady creation`,
          );
      }
      const before = await ctx.kube.core.readNamespacedPod({
        name: podName(victim),
        namespace: ctx.namespace,
      });
      const started = Date.now();
      await ctx.kube.core.deleteNamespacedPod({ name: podName(victim), namespace: ctx.namespace });
      const after = await waitFor<V1Pod, V1Pod>(
        ctx.kube,
        collections.pods(ctx.kube, ctx.namespace, `app=${name}`),
        {
          done: (list) =>
            list.find(
              (p) =>
                p.metadata?.name === podName(victim) &&
                p.metadata.uid !== before.metadata?.uid &&
                isActive(p) &&
                isPodReady(p),
            ),
          what: `${id}: pod ${podName(victim)} recreated under the same name after deletion`,
          progress: describe,
          timeoutMs: bound,
        },
      );
      const claimOf = (p: V1Pod) =>
        p.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName;
      const identity = {
        hostname: after.spec?.hostname,
        subdomain: after.spec?.subdomain,
        index: after.metadata?.labels?.['apps.kubernetes.io/pod-index'],
        claim: claimOf(after),
      };
      const expected = {
        hostname: podName(victim),
        subdomain: name,
        index: String(victim),
        claim: claimName(victim),
      };
      if (JSON.stringify(identity) !== JSON.stringify(expected))
        throw new Unmet(
          `${id}: recreated ${podName(victim)} has identity ${JSON.stringify(identity)}; expected ${JSON.stringify(expected)}`,
        );
      const claim = await ctx.kube.core.readNamespacedPersistentVolumeClaim({
        name: claimName(victim),
        namespace: ctx.namespace,
      });
      const volume = clusterScopedName(ctx, `ordinal-${victim}`);
      if (claim.status?.phase !== 'Bound' || claim.spec?.volumeName !== volume)
        throw new Unmet(
          `${id}: claim ${claimName(victim)} is ${claim.status?.phase} on ${claim.spec?.volumeName}; expected Bound to ${volume} as before`,
        );
      return `created in order; ${podName(victim)} back with the same hostname, index and claim (${volume}) in ${((Date.now() - started) / 1000).toFixed(1)} s`;
    }),
  monitor: (ctx, signal, emit) => {
    const sets = informers.statefulSets(ctx.kube, ctx.namespace);
    return monitorVerdict({
      informers: [sets],
      signal,
      emit,
      judge: () => {
        const ready = sets.get(name, ctx.namespace)?.status?.readyReplicas ?? 0;
        return {
          ok: ready >= replicas,
          detail: `StatefulSet ${ctx.namespace}/${name}: ${ready} of ${replicas} replicas Ready`,
        };
      },
    });
  },
  teardown: (ctx) => deleteStorageFixtures(ctx),
};
