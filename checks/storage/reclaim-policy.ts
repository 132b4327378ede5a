import type { V1PersistentVolume } from '@kubernetes/client-node';
import type { Check } from '../check.ts';
import { collections } from '../support/collections.ts';
import { informers } from '../support/informers.ts';
import { judge } from '../support/unmet.ts';
import { monitorVerdict } from '../support/verdict-monitor.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  claimFixture,
  clusterScopedName,
  createClaim,
  createStorageClass,
  createVolume,
  deleteStorageFixtures,
  volumeSelector,
} from './storage-fixture.ts';

/** Binding (pre-bound, so no resync wait) and reclaiming are one controller pass each. */
const reclaimBoundMs = 20_000;

/**
 * After its claim is deleted, a Retain volume is Released and keeps its claimRef (the data is the admin's);
 * a Delete volume is handed to its plugin's deleter. Local volumes have no deleter, so the real controller
 * marks it Failed with "error getting deleter volume plugin" rather than pretending it was wiped (observed on
 * v1.36; a cluster that deletes the volume instead also passes). Mirrors "[sig-storage] PersistentVolumes
 * ... should test that deleting a claim before the volume is provisioned deletes the volume" and the Retain
 * assertions of test/e2e/storage/persistent_volumes.go (PV phase Released after the claim is deleted).
 */
export const reclaimPolicy: Check = {
  name: 'reclaim-policy',
  tags: ['Storage'],
  async setup(ctx) {
    const sc = await createStorageClass(ctx, 'reclaim', 'Immediate');
    for (const policy of ['Retain', 'Delete'] as const) {
      const suffix = policy.toLowerCase();
      const volumeName = await createVolume(ctx, {
        suffix,
        storageClassName: sc,
        capacity: '1Gi',
        accessModes: ['ReadWriteOnce'],
        reclaimPolicy: policy,
        claimRef: { namespace: ctx.namespace, name: suffix },
      });
      await createClaim(
        ctx,
        claimFixture(ctx, suffix, {
          storageClassName: sc,
          storage: '1Gi',
          accessModes: ['ReadWriteOnce'],
          volumeName,
        }),
      );
    }
  },
  assess: (ctx, deadline) =>
    judge(async () => {
      const bound = Math.min(deadline.timeoutMs, reclaimBoundMs);
      const volumes = collections.volumes(ctx.kube, volumeSelector(ctx));
      const retain = clusterScopedName(ctx, 'retain');
      const del = clusterScopedName(ctx, 'delete');
      const phases = (pvs: V1PersistentVolume[]) =>
        pvs
          .map(
            (pv) =>
              `${pv.metadata?.name}=${pv.status?.phase}${pv.status?.message ? ` (${pv.status.message})` : ''}`,
          )
          .join(', ') || 'no volumes';
      await waitFor(ctx.kube, volumes, {
        done: (pvs) =>
          pvs.length === 2 && pvs.every((pv) => pv.status?.phase === 'Bound') ? true : undefined,
        what: `PersistentVolumes ${retain} and ${del} to be Bound to their pre-bound claims`,
        progress: phases,
        timeoutMs: bound,
      });
      const started = Date.now();
      await Promise.all(
        ['retain', 'delete'].map((name) =>
          ctx.kube.core.deleteNamespacedPersistentVolumeClaim({ name, namespace: ctx.namespace }),
        ),
      );
      const outcome = await waitFor(ctx.kube, volumes, {
        done: (pvs) => {
          const r = pvs.find((pv) => pv.metadata?.name === retain);
          const d = pvs.find((pv) => pv.metadata?.name === del);
          const retained = r?.status?.phase === 'Released' && r.spec?.claimRef?.name === 'retain';
          const reclaimed = !d || d.status?.phase === 'Failed';
          return retained && reclaimed ? (d ? `Failed: ${d.status?.message}` : 'deleted') : undefined;
        },
        what: `after their claims are deleted, ${retain} (Retain) to be Released with its claimRef kept and ${del} (Delete) to be deleted or Failed by its deleter`,
        progress: phases,
        timeoutMs: bound,
      });
      return `in ${((Date.now() - started) / 1000).toFixed(1)} s: Retain volume Released (claimRef kept); Delete volume ${outcome}`;
    }),
  monitor: (ctx, signal, emit) => {
    const volumes = informers.volumes(ctx.kube, volumeSelector(ctx));
    const retain = clusterScopedName(ctx, 'retain');
    return monitorVerdict({
      informers: [volumes],
      signal,
      emit,
      judge: () => {
        const r = volumes.get(retain);
        return r
          ? { ok: true, detail: `PersistentVolume ${retain} (Retain) still exists (${r.status?.phase})` }
          : { ok: false, detail: `PersistentVolume ${retain} (Retain) expected to be kept; it is gone` };
      },
    });
  },
  teardown: (ctx) => deleteStorageFixtures(ctx),
};
