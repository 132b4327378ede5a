import type { Kube } from '../src/kube/client.ts';
import { runLabel } from './check.ts';

/**
 * Removes what earlier runs left behind (a killed harness never tears down): namespaces and the
 * cluster-scoped objects checks create (PersistentVolumes, StorageClasses), found by the run label.
 * The current run's objects are kept.
 */
export async function cleanLeftovers(kube: Kube, currentRunId: string): Promise<{ deleted: string[] }> {
  const labelSelector = `${runLabel},${runLabel}!=${currentRunId}`;
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
  const { StorageV1Api } = await import('@kubernetes/client-node');
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
