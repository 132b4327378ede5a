import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from '@kubernetes/client-node';
import { zoneLabel } from '../../src/kube/describe.ts';
import type { CheckContext } from '../check.ts';
import { checkApis } from '../support/apis.ts';

/** Static PVs need no provisioner; a class naming this one tells the PV controller not to try. */
export const noProvisioner = 'kubernetes.io/no-provisioner';

/** Cluster-scoped names carry the check's namespace, which is unique per run and check. */
export const clusterScopedName = (ctx: CheckContext, suffix: string) => `${ctx.namespace}-${suffix}`;

/** Selects the PVs a check made (the janitor finds leftovers by the run label alone). */
export const volumeSelector = (ctx: CheckContext) =>
  Object.entries(ctx.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export async function createStorageClass(
  ctx: CheckContext,
  suffix: string,
  volumeBindingMode: 'Immediate' | 'WaitForFirstConsumer',
): Promise<string> {
  const name = clusterScopedName(ctx, suffix);
  const body: V1StorageClass = {
    metadata: { name, labels: ctx.labels },
    provisioner: noProvisioner,
    volumeBindingMode,
    reclaimPolicy: 'Delete',
  };
  await checkApis(ctx.kube).storage.createStorageClass({ body });
  return name;
}

export interface VolumeSpec {
  suffix: string;
  storageClassName: string;
  capacity: string;
  accessModes: string[];
  /** A local volume pinned to this zone by node affinity (how zonal disks look to the scheduler). */
  zone?: string;
  reclaimPolicy?: 'Retain' | 'Delete';
  /** Pre-binds the volume to one claim, as an admin does for a StatefulSet's ordinals. */
  claimRef?: { namespace: string; name: string };
}

export async function createVolume(ctx: CheckContext, v: VolumeSpec): Promise<string> {
  const name = clusterScopedName(ctx, v.suffix);
  const body: V1PersistentVolume = {
    metadata: { name, labels: ctx.labels },
    spec: {
      capacity: { storage: v.capacity },
      accessModes: v.accessModes,
      storageClassName: v.storageClassName,
      persistentVolumeReclaimPolicy: v.reclaimPolicy ?? 'Retain',
      ...(v.claimRef ? { claimRef: { ...v.claimRef, kind: 'PersistentVolumeClaim', apiVersion: 'v1' } } : {}),
      // Kwok pods mount nothing; a local volume is the kind whose placement the scheduler must respect.
      local: { path: `/mnt/gauntlet/${v.suffix}` },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            v.zone
              ? { matchExpressions: [{ key: zoneLabel, operator: 'In', values: [v.zone] }] }
              : { matchExpressions: [{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }] },
          ],
        },
      },
    },
  };
  await ctx.kube.core.createPersistentVolume({ body });
  return name;
}

export function claimFixture(
  ctx: CheckContext,
  name: string,
  o: { storageClassName: string; storage: string; accessModes: string[]; volumeName?: string },
): V1PersistentVolumeClaim {
  return {
    metadata: { name, namespace: ctx.namespace, labels: ctx.labels },
    spec: {
      storageClassName: o.storageClassName,
      accessModes: o.accessModes,
      resources: { requests: { storage: o.storage } },
      ...(o.volumeName ? { volumeName: o.volumeName } : {}),
    },
  };
}

export async function createClaim(ctx: CheckContext, claim: V1PersistentVolumeClaim): Promise<void> {
  await ctx.kube.core.createNamespacedPersistentVolumeClaim({ namespace: ctx.namespace, body: claim });
}

/** The zone a volume is pinned to by its node affinity, if any. */
export function volumeZone(pv: V1PersistentVolume | undefined): string | undefined {
  for (const term of pv?.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [])
    for (const e of term.matchExpressions ?? [])
      if (e.key === zoneLabel || e.key.endsWith('/zone')) return e.values?.[0];
  return undefined;
}

/** Zones that have at least one schedulable node, sorted. */
export async function schedulableZones(ctx: CheckContext): Promise<string[]> {
  const nodes = await ctx.kube.core.listNode();
  const zones = new Set<string>();
  for (const n of nodes.items) {
    const zone = n.metadata?.labels?.[zoneLabel];
    const ready = n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (zone && ready && !n.spec?.unschedulable) zones.add(zone);
  }
  return [...zones].sort();
}

/** Removes the check's cluster-scoped storage objects (its namespace takes the claims with it). */
export async function deleteStorageFixtures(ctx: CheckContext): Promise<void> {
  const ignore = (e: { code?: number }) => {
    if (e.code !== 404) throw e;
  };
  const { storage } = checkApis(ctx.kube);
  const labelSelector = volumeSelector(ctx);
  const pvs = await ctx.kube.core.listPersistentVolume({ labelSelector });
  await Promise.all(
    pvs.items.map((pv) => ctx.kube.core.deletePersistentVolume({ name: pv.metadata!.name! }).catch(ignore)),
  );
  const classes = await storage.listStorageClass({ labelSelector });
  await Promise.all(
    classes.items.map((sc) => storage.deleteStorageClass({ name: sc.metadata!.name! }).catch(ignore)),
  );
}
