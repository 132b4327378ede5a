import type { V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
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
  createClaim,
  createStorageClass,
  createVolume,
  deleteStorageFixtures,
  schedulableZones,
  volumeSelector,
  volumeZone,
} from './storage-fixture.ts';

const claimName = 'data';
const podName = 'consumer';
/** Scheduling one pod and binding one volume: seconds on any healthy cluster. */
const bindBoundMs = 20_000;

/**
 * A WaitForFirstConsumer claim stays Pending until a pod uses it, then binds the volume whose node affinity
 * matches where the pod was scheduled. Mirrors the delayed-binding assertions of "[sig-storage] PersistentVolumes-local"
 * (test/e2e/storage/persistent_volumes-local.go, volumeBindingMode WaitForFirstConsumer): the claim is Pending
 * with event WaitForFirstConsumer; after the pod, it is Bound to a volume reachable from the pod's node.
 */
export const waitForFirstConsumer: Check = {
  name: 'wait-for-first-consumer',
  tags: ['Storage'],
  async setup(ctx) {
    const sc = await createStorageClass(ctx, 'wffc', 'WaitForFirstConsumer');
    const zones = await schedulableZones(ctx);
    await Promise.all(
      zones.map((zone) =>
        createVolume(ctx, {
          suffix: `in-${zone}`,
          storageClassName: sc,
          capacity: '1Gi',
          accessModes: ['ReadWriteOnce'],
          zone,
        }),
      ),
    );
    await createClaim(
      ctx,
      claimFixture(ctx, claimName, { storageClassName: sc, storage: '1Gi', accessModes: ['ReadWriteOnce'] }),
    );
  },
  assess: async (ctx, deadline) => {
    // The volumes are zonal: without zone labels there is no placement to judge.
    if (ctx.capabilities.zones.length === 0)
      return {
        status: 'skipped',
        reason: `no Ready, schedulable node carries a ${zoneLabel} label, so no volume can be placed by zone`,
      };
    return judge(async () => {
      const bound = Math.min(deadline.timeoutMs, bindBoundMs);
      const claimId = `claim ${ctx.namespace}/${claimName}`;
      // The controller says why it leaves the claim alone: that event, with the claim still Pending, is the proof.
      await waitFor(ctx.kube, collections.eventsOf(ctx.kube, ctx.namespace, claimName), {
        done: (events) => (events.some((e) => e.reason === 'WaitForFirstConsumer') ? true : undefined),
        what: `the PV controller to leave ${claimId} for its first consumer (event WaitForFirstConsumer)`,
        progress: (events) => `events: ${events.map((e) => e.reason).join(', ') || 'none'}`,
        timeoutMs: bound,
      });
      const before = await ctx.kube.core.readNamespacedPersistentVolumeClaim({
        name: claimName,
        namespace: ctx.namespace,
      });
      if (before.status?.phase !== 'Pending' || before.spec?.volumeName)
        throw new Unmet(
          `${claimId} is ${before.status?.phase} on ${before.spec?.volumeName} before any pod uses it; expected Pending (WaitForFirstConsumer)`,
        );
      const started = Date.now();
      await ctx.kube.core.createNamespacedPod({
        namespace: ctx.namespace,
        body: consumerPod(ctx.labels, ctx.namespace),
      });
      const [claim] = await waitFor(ctx.kube, collections.claims(ctx.kube, ctx.namespace), {
        done: (claims) => {
          const c = claims.find((x) => x.metadata?.name === claimName);
          return c?.status?.phase === 'Bound' ? [c] : undefined;
        },
        what: `${claimId} to be Bound once pod ${podName} uses it`,
        progress: (claims) => claims.map((c) => `${c.metadata?.name}=${c.status?.phase}`).join(', '),
        timeoutMs: bound,
      });
      const pod = await waitFor<V1Pod, V1Pod>(ctx.kube, collections.pods(ctx.kube, ctx.namespace), {
        done: (pods) => pods.find((p) => p.metadata?.name === podName && p.spec?.nodeName),
        what: `pod ${ctx.namespace}/${podName} to be scheduled`,
        progress: (pods) =>
          pods.map((p) => `${p.metadata?.name} on ${p.spec?.nodeName ?? 'no node'}`).join(', '),
        timeoutMs: bound,
      });
      const node = await ctx.kube.core.readNode({ name: pod.spec!.nodeName! });
      const podZone = node.metadata?.labels?.[zoneLabel];
      const pv = await ctx.kube.core.readPersistentVolume({ name: claim!.spec!.volumeName! });
      if (volumeZone(pv) !== podZone)
        throw new Unmet(
          `${claimId} bound to ${pv.metadata?.name} in zone ${volumeZone(pv)}, but pod ${podName} runs on ${node.metadata?.name} in ${podZone}; expected the volume of the pod's zone`,
        );
      return `Pending until the pod, then bound to ${pv.metadata?.name} in ${podZone} (pod on ${node.metadata?.name}) in ${((Date.now() - started) / 1000).toFixed(1)} s`;
    });
  },
  monitor: (ctx, signal, emit) => {
    const claims = informers.claims(ctx.kube, ctx.namespace);
    const volumes = informers.volumes(ctx.kube, volumeSelector(ctx));
    const pods = informers.pods(ctx.kube, ctx.namespace);
    return monitorVerdict({
      informers: [claims, volumes, pods],
      signal,
      emit,
      judge: () =>
        judgeZone(
          ctx.namespace,
          claims.get(claimName, ctx.namespace),
          pods.get(podName, ctx.namespace),
          volumes.list(),
        ),
    });
  },
  teardown: (ctx) => deleteStorageFixtures(ctx),
};

function consumerPod(labels: Record<string, string>, namespace: string): V1Pod {
  const template = podTemplate({ ...labels, app: podName });
  template.spec!.volumes = [{ name: 'data', persistentVolumeClaim: { claimName } }];
  template.spec!.containers[0]!.volumeMounts = [{ name: 'data', mountPath: '/data' }];
  return { metadata: { ...template.metadata, name: podName, namespace }, spec: template.spec! };
}

/** Before the pod: claim unbound. After: bound to a volume in the zone label of the pod's volume. */
function judgeZone(
  namespace: string,
  claim: V1PersistentVolumeClaim | undefined,
  pod: V1Pod | undefined,
  volumes: readonly V1PersistentVolume[],
) {
  const id = `claim ${namespace}/${claimName}`;
  if (!pod) {
    return claim?.spec?.volumeName
      ? {
          ok: false,
          detail: `${id}: bound to ${claim.spec.volumeName} before any consumer (expected Pending)`,
        }
      : { ok: true, detail: `${id}: Pending until its first consumer` };
  }
  const volume = volumes.find((v) => v.metadata?.name === claim?.spec?.volumeName);
  return claim?.status?.phase === 'Bound' && volume
    ? {
        ok: true,
        detail: `${id}: Bound to ${volume.metadata?.name} (zone ${volumeZone(volume)}) for pod ${pod.metadata?.name}`,
      }
    : {
        ok: false,
        detail: `${id}: expected Bound for pod ${pod.metadata?.name}; it is ${claim?.status?.phase ?? 'missing'}`,
      };
}
