import type { V1Deployment } from '@kubernetes/client-node';
import { ClusterAssertionError, InfrastructureError } from '../errors.ts';
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
  try {
    await waitAvailable(kube, replicas, timeoutMs, fieldSelector, signal);
  } catch (error) {
    if (!(error instanceof ClusterAssertionError)) throw error;
    const why = await whyUnavailable(kube).catch((e: Error) => [`(could not look why: ${e.message})`]);
    throw new InfrastructureError(`${error.message}\n  why:\n${why.map((w) => `  - ${w}`).join('\n')}`, {
      cause: error,
    });
  }
}

async function waitAvailable(
  kube: Kube,
  replicas: number,
  timeoutMs: number,
  fieldSelector: string,
  signal?: AbortSignal,
) {
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

/**
 * Why the probe's pods are not available: no ReplicaSet (the Deployment controller is not running), no pods
 * (the ReplicaSet controller is not running, or pods are refused), pods Pending with the scheduler's reason
 * (or no scheduler at all), and the taints of the nodes.
 */
export async function whyUnavailable(kube: Kube): Promise<string[]> {
  const namespace = probeNamespace;
  const labelSelector = `app=${probeName}`;
  const [sets, pods, nodes] = await Promise.all([
    kube.apps.listNamespacedReplicaSet({ namespace, labelSelector }),
    kube.core.listNamespacedPod({ namespace, labelSelector }),
    kube.core.listNode(),
  ]);
  const why: string[] = [];
  if (sets.items.length === 0)
    why.push(
      `no ReplicaSet for Deployment ${namespace}/${probeName}: the Deployment controller is not running`,
    );
  else if (pods.items.length === 0) {
    const failure = sets.items
      .flatMap((rs) => rs.status?.conditions ?? [])
      .find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
    why.push(
      failure
        ? `ReplicaSet cannot create pods: ${failure.message ?? failure.reason}`
        : 'ReplicaSet has no pods: the ReplicaSet controller is not running',
    );
  }
  for (const p of pods.items.filter((p) => p.status?.phase === 'Pending')) {
    const scheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const reason =
      scheduled?.status === 'False'
        ? `unschedulable: ${scheduled.message ?? scheduled.reason}`
        : p.spec?.nodeName
          ? `bound to ${p.spec.nodeName}, not running`
          : 'not scheduled and no scheduling attempt recorded: is the scheduler running?';
    why.push(`pod ${namespace}/${p.metadata?.name}: Pending, ${reason}`);
  }
  for (const n of nodes.items) {
    const taints = n.spec?.taints ?? [];
    if (taints.length > 0)
      why.push(
        `node ${n.metadata?.name}: taints ${taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(', ')}`,
      );
  }
  if (nodes.items.length === 0) why.push('the cluster has no nodes');
  return why.length > 0 ? why : ['nothing obvious: pods exist and are not Pending'];
}

function ignoreConflict(error: unknown): void {
  if ((error as { code?: number }).code !== 409) throw error;
}
