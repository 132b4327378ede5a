import type { Kube } from '../src/kube/client.ts';
import { runLabel } from '../src/model/labels.ts';
import { liveRuns, runLeaseNamespace } from './run-lease.ts';

/**
 * Removes what earlier runs left behind (a killed harness never tears down): namespaces and the
 * cluster-scoped objects checks create (PersistentVolumes, StorageClasses, simulated Nodes), found by the run label.
 * Objects of the current run, and of any run whose Lease is still renewed (another CI job against the same
 * cluster right now), are kept.
 */
export async function cleanLeftovers(kube: Kube, currentRunId: string): Promise<{ deleted: string[] }> {
  const keep = new Set([currentRunId, ...(await liveRuns(kube))]);
  const labelSelector = `${runLabel},${runLabel} notin (${[...keep].join(',')})`;
  const deleted: string[] = [];
  const namespaces = await kube.core.listNamespace({ labelSelector });
  for (const ns of namespaces.items) {
    if (ns.status?.phase === 'Terminating') continue;
    await kube.core.deleteNamespace({ name: ns.metadata!.name! }).catch(ignoreNotFound);
    deleted.push(`namespace/${ns.metadata!.name}`);
  }
  const volumes = await kube.core.listPersistentVolume({ labelSelector });
  for (const pv of volumes.items) {
    await kube.core.deletePersistentVolume({ name: pv.metadata!.name! }).catch(ignoreNotFound);
    deleted.push(`persistentvolume/${pv.metadata!.name}`);
  }
  // Nodes a check simulated (node-loss): their pods never finish terminating, so force them first.
  const nodes = await kube.core.listNode({ labelSelector });
  for (const node of nodes.items) {
    const name = node.metadata!.name!;
    const pods = await kube.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` });
    for (const pod of pods.items)
      await kube.core
        .deleteNamespacedPod({
          name: pod.metadata!.name!,
          namespace: pod.metadata!.namespace!,
          gracePeriodSeconds: 0,
        })
        .catch(ignoreNotFound);
    await kube.core.deleteNode({ name }).catch(ignoreNotFound);
    deleted.push(`node/${name}`);
  }
  const { CoordinationV1Api, StorageV1Api } = await import('@kubernetes/client-node');
  const coordination = kube.config.makeApiClient(CoordinationV1Api);
  const leases = await coordination.listNamespacedLease({ namespace: runLeaseNamespace, labelSelector });
  for (const lease of leases.items) {
    await coordination
      .deleteNamespacedLease({ name: lease.metadata!.name!, namespace: runLeaseNamespace })
      .catch(ignoreNotFound);
    deleted.push(`lease/${lease.metadata!.name}`);
  }
  const storage = kube.config.makeApiClient(StorageV1Api);
  const classes = await storage.listStorageClass({ labelSelector });
  for (const sc of classes.items) {
    await storage.deleteStorageClass({ name: sc.metadata!.name! }).catch(ignoreNotFound);
    deleted.push(`storageclass/${sc.metadata!.name}`);
  }
  return { deleted };
}

function ignoreNotFound(error: { code?: number }): void {
  if (error.code !== 404) throw error;
}
