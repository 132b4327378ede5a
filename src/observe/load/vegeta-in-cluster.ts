import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BatchV1Api, type V1NodeSelectorTerm, type V1Pod } from '@kubernetes/client-node';
import { InfrastructureError } from '../../errors.ts';
import type { Kube } from '../../kube/client.ts';
import { createPodNamespace } from '../../kube/pod-namespace.ts';
import { watchUntil } from '../../kube/watch-until.ts';
import { runLabel } from '../../model/labels.ts';
import { vegetaAttackFlags } from './vegeta.ts';
import { judgeVegetaLines, type VegetaResult, type VegetaThresholds } from './vegeta-verdict.ts';

export interface InClusterAttack extends VegetaThresholds {
  /** Reached from the pod: a Service VIP goes through kube-proxy to the endpoints. */
  url: string;
  perSecond: number;
  durationSeconds: number;
  timeoutSeconds?: number;
  /** An image with vegeta and sh on its PATH (the real nodes' toolbox has both). */
  image: string;
  /** The nodes whose pods run containers. */
  nodes?: V1NodeSelectorTerm;
  runId: string;
  /** The Job's namespace (default gauntlet-load-<run id>): a scenario's load has its own, one per scenario. */
  namespace?: string;
  /** Where vegeta's JSON lines (read from the pod's log) are kept. */
  resultsFile: string;
  signal?: AbortSignal;
  /** Called on each watch event once the vegeta pod has left Pending (the traffic flows): make it idempotent. */
  onRunning?: () => void;
}

/** In-cluster results come back through the pod's log, which the kubelet rotates at 10 MiB (~50k lines). */
export const maxInClusterRequests = 20_000;

/** How long the pod may take to start and to hand over its results, beyond the attack itself. */
const startAndCollectMs = 90_000;

/**
 * Runs vegeta in a Job inside the cluster (client pod -> Service VIP -> kube-proxy -> endpoints), reads its
 * JSON results from the pod's log and judges them as on this host. The Job's namespace carries the run label, so
 * the janitor removes it after a killed harness; it is deleted here in every other case.
 */
export async function runVegetaInCluster(
  kube: Kube,
  a: InClusterAttack,
): Promise<VegetaResult & { node: string }> {
  const namespace = (a.namespace ?? `gauntlet-load-${a.runId}`).slice(0, 63).replace(/-+$/, '');
  const labels = { [runLabel]: a.runId };
  try {
    // Inside the try: a namespace whose account could not be made is removed too.
    await createPodNamespace(kube, namespace, labels);
    const attack = vegetaAttackFlags(a).join(' ');
    await kube.config.makeApiClient(BatchV1Api).createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'vegeta', labels },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: 'Never',
              automountServiceAccountToken: false,
              terminationGracePeriodSeconds: 0,
              ...(a.nodes
                ? {
                    affinity: {
                      nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [a.nodes] },
                      },
                    },
                  }
                : {}),
              containers: [
                {
                  name: 'vegeta',
                  image: a.image,
                  imagePullPolicy: 'IfNotPresent',
                  env: [{ name: 'TARGET', value: a.url }],
                  // The results go to the log as JSON lines; a failed attack fails the pipe (and the Job).
                  command: [
                    'sh',
                    '-c',
                    `set -o pipefail; echo "GET $TARGET" | vegeta attack ${attack} | vegeta encode --to=json`,
                  ],
                  resources: { requests: { cpu: '100m', memory: '32Mi' } },
                },
              ],
            },
          },
        },
      },
    });
    const startedAt = Date.now();
    const pod = await watchUntil<V1Pod, V1Pod>(kube, {
      list: () => kube.core.listNamespacedPod({ namespace }),
      path: `/api/v1/namespaces/${namespace}/pods`,
      done: (pods) => {
        if (pods.some((p) => p.status?.phase !== 'Pending')) a.onRunning?.();
        return pods.find((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
      },
      what: `the vegeta pod of load service (image ${a.image}) to finish its ${a.durationSeconds} s attack`,
      progress: (pods) =>
        pods
          .map((p) => {
            const waiting = p.status?.containerStatuses?.[0]?.state?.waiting;
            return `${p.metadata?.name} ${p.status?.phase}${waiting ? ` (${waiting.reason}: ${waiting.message ?? ''})` : ''}`;
          })
          .join(', ') || 'no pod yet (the Job controller creates it)',
      timeoutMs: a.durationSeconds * 1000 + startAndCollectMs,
      ...(a.signal ? { signal: a.signal } : {}),
    });
    const log = await kube.core.readNamespacedPodLog({
      name: pod.metadata!.name!,
      namespace,
      container: 'vegeta',
    });
    await mkdir(dirname(a.resultsFile), { recursive: true });
    await writeFile(a.resultsFile, log);
    if (pod.status?.phase === 'Failed') {
      const terminated = pod.status.containerStatuses?.[0]?.state?.terminated;
      throw new InfrastructureError(
        `load service: vegeta in pod ${namespace}/${pod.metadata!.name} on ${pod.spec?.nodeName} failed ` +
          `(exit ${terminated?.exitCode ?? '?'}, ${terminated?.reason ?? 'no reason'}): ${log.trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
    const result = await judgeVegetaLines(log.split('\n'), { ...a, target: a.url, startedAt });
    return { ...result, node: pod.spec?.nodeName ?? '?' };
  } finally {
    await kube.core
      .deleteNamespace({ name: namespace, propagationPolicy: 'Background' })
      .catch(() => undefined);
  }
}
