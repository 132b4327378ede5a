import type { V1Pod } from '@kubernetes/client-node';
import { zoneLabel } from '../../src/kube/describe.ts';
import type { Check } from '../check.ts';
import { collections } from '../support/collections.ts';
import { informers } from '../support/informers.ts';
import { podTemplate } from '../support/pause-pod.ts';
import { judge, Unmet } from '../support/unmet.ts';
import { monitorVerdict } from '../support/verdict-monitor.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  claimFixture,
  clusterScopedName,
  createClaim,
  createStorageClass,
  createVolume,
  deleteStorageFixtures,
  schedulableZones,
} from './storage-fixture.ts';

const claimName = 'data';
const podName = 'stranded';
/** The scheduler tries a new pod at once; its verdict is written within a second on a healthy cluster. */
const verdictBoundMs = 15_000;
/** What the scheduler's VolumeBinding plugin says when the only volume is out of the pod's reach. */
const volumeConflict = /volume node affinity conflict|didn't find available persistent volumes to bind/;

const unschedulableCondition = (pod: V1Pod | undefined) =>
  pod?.status?.conditions?.find(
    (c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable',
  );

/**
 * A pod whose claim's only volume lives in another zone stays unschedulable, and the scheduler says why.
 * Mirrors "[sig-storage] PersistentVolumes-local Pod with node different from PV's NodeAffinity should fail
 * scheduling due to different NodeAffinity" (pod Pending, PodScheduled=False, volume node affinity conflict).
 */
export const zoneConflict: Check = {
  name: 'zone-conflict',
  tags: ['Storage'],
  async setup(ctx) {
    const zones = await schedulableZones(ctx);
    if (zones.length < 2) return;
    const sc = await createStorageClass(ctx, 'zonal', 'WaitForFirstConsumer');
    await createVolume(ctx, {
      suffix: `only-in-${zones[0]}`,
      storageClassName: sc,
      capacity: '1Gi',
      accessModes: ['ReadWriteOnce'],
      zone: zones[0]!,
    });
    await createClaim(
      ctx,
      claimFixture(ctx, claimName, { storageClassName: sc, storage: '1Gi', accessModes: ['ReadWriteOnce'] }),
    );
    const template = podTemplate(
      { ...ctx.labels, app: podName },
      { nodeSelector: { [zoneLabel]: zones[1]! } },
    );
    template.spec!.volumes = [{ name: 'data', persistentVolumeClaim: { claimName } }];
    await ctx.kube.core.createNamespacedPod({
      namespace: ctx.namespace,
      body: {
        metadata: { ...template.metadata, name: podName, namespace: ctx.namespace },
        spec: template.spec!,
      },
    });
  },
  async assess(ctx, deadline) {
    const zones = await schedulableZones(ctx);
    if (zones.length < 2)
      return { status: 'skipped', reason: 'the cluster has fewer than 2 zones with schedulable nodes' };
    return judge(async () => {
      const id = `pod ${ctx.namespace}/${podName} (zone ${zones[1]}, its claim's only volume in ${zones[0]})`;
      const pod = await waitFor<V1Pod, V1Pod>(ctx.kube, collections.pods(ctx.kube, ctx.namespace), {
        done: (pods) => {
          const p = pods.find((x) => x.metadata?.name === podName);
          if (p?.spec?.nodeName)
            throw new Unmet(`${id}: scheduled to ${p.spec.nodeName}; expected it to stay unschedulable`);
          return unschedulableCondition(p) ? p : undefined;
        },
        what: `${id} to be reported unschedulable by the scheduler (PodScheduled=False, reason Unschedulable)`,
        progress: (pods) => {
          const c = pods
            .find((x) => x.metadata?.name === podName)
            ?.status?.conditions?.find((c) => c.type === 'PodScheduled');
          return c
            ? `PodScheduled=${c.status} ${c.reason ?? ''} ${c.message ?? ''}`
            : 'no PodScheduled condition (no scheduler verdict)';
        },
        timeoutMs: Math.min(deadline.timeoutMs, verdictBoundMs),
      });
      const message = unschedulableCondition(pod)?.message ?? '';
      if (!volumeConflict.test(message))
        throw new Unmet(
          `${id}: unschedulable, but the scheduler's reason does not name the volume's node affinity: "${message}"`,
        );
      const pv = await ctx.kube.core.readPersistentVolume({
        name: clusterScopedName(ctx, `only-in-${zones[0]}`),
      });
      // Unbound is what matters (a volume the binder never saw is Pending rather than Available).
      if (pv.spec?.claimRef || pv.status?.phase === 'Bound')
        throw new Unmet(
          `PersistentVolume ${pv.metadata?.name} is ${pv.status?.phase} to ${pv.spec?.claimRef?.name}; expected it to stay unbound (no consumer can reach its zone)`,
        );
      return `unschedulable as expected; scheduler: "${message}"`;
    });
  },
  monitor: (ctx, signal, emit) => {
    const pods = informers.pods(ctx.kube, ctx.namespace);
    return monitorVerdict({
      informers: [pods],
      signal,
      emit,
      judge: () => {
        const pod = pods.get(podName, ctx.namespace);
        if (pod?.spec?.nodeName)
          return {
            ok: false,
            detail: `pod ${ctx.namespace}/${podName}: scheduled to ${pod.spec.nodeName} away from its only volume's zone`,
          };
        return {
          ok: true,
          detail: `pod ${ctx.namespace}/${podName}: not scheduled away from its volume's zone`,
        };
      },
    });
  },
  teardown: (ctx) => deleteStorageFixtures(ctx),
};
