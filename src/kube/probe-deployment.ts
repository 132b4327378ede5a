import type { V1Deployment } from '@kubernetes/client-node';
import type { Kube } from './client.ts';
import { watchUntil } from './watch-until.ts';

export const probeNamespace = 'gauntlet-system';
export const probeName = 'gauntlet-probe';

/**
 * A small Deployment whose pods reaching Running proves the whole chain works: API, etcd, controller
 * manager (ReplicaSet), scheduler and the nodes' agent (kwok). Idempotent: an existing one is reused.
 */
export async function ensureProbeDeployment(kube: Kube, replicas: number): Promise<void> {
  await kube.core.createNamespace({ body: { metadata: { name: probeNamespace } } }).catch(ignoreConflict);
  // Created here rather than awaited from the controller manager: pods are refused until their service
  // account exists, and the ReplicaSet controller's retry backoff would add seconds to every `cluster up`.
  await kube.core
    .createNamespacedServiceAccount({ namespace: probeNamespace, body: { metadata: { name: 'default' } } })
    .catch(ignoreConflict);
  const labels = { app: probeName };
  const body: V1Deployment = {
    metadata: { name: probeName, namespace: probeNamespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10' }],
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: labels },
            },
          ],
        },
      },
    },
  };
  await kube.apps.createNamespacedDeployment({ namespace: probeNamespace, body }).catch(ignoreConflict);
}

export async function waitForProbeAvailable(
  kube: Kube,
  replicas: number,
  timeoutMs: number,
  signal?: AbortSignal,
) {
  const fieldSelector = `metadata.name=${probeName}`;
  await watchUntil<V1Deployment, true>(kube, {
    list: () => kube.apps.listNamespacedDeployment({ namespace: probeNamespace, fieldSelector }),
    path: `/apis/apps/v1/namespaces/${probeNamespace}/deployments`,
    query: { fieldSelector },
    done: ([d]) => (d?.status?.availableReplicas ?? 0) >= replicas || undefined,
    what: `Deployment ${probeNamespace}/${probeName} to have ${replicas} available replicas`,
    progress: ([d]) => `${d?.status?.availableReplicas ?? 0} of ${replicas} available`,
    timeoutMs,
    signal,
  });
}

function ignoreConflict(error: unknown): void {
  if ((error as { code?: number }).code !== 409) throw error;
}
