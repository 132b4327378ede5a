import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { toolboxImages } from '../clusters/local/real-nodes/node-images.ts';
import { nodeKindLabel } from '../clusters/local/real-nodes/node-plan.ts';
import type { Kube } from '../src/kube/client.ts';
import { isNodeSchedulable, zoneLabel } from '../src/kube/describe.ts';
import { createPodNamespace } from '../src/kube/pod-namespace.ts';
import type { ProvisionedCluster } from '../src/model/cluster.ts';
import type { ClusterCapabilities } from '../src/model/cluster-capabilities.ts';
import { runLabel } from '../src/model/labels.ts';
import { defaultProbeImage } from './service-discovery/probe-pod.ts';
import { noProvisioner } from './storage/storage-fixture.ts';
import { checkApis } from './support/apis.ts';
import { collections } from './support/collections.ts';
import { waitFor } from './support/wait-for.ts';

/** How long the container probe pod may take to pull its image and run, on a cluster whose nodes look real. */
const containerProbeTimeoutMs = 60_000;
const probeMessage = 'gauntlet-capability-probe';

/** kwok marks the nodes it manages (kwokctl, or a kwok controller beside a real cluster); none runs a container. */
const isKwokNode = (n: V1Node) =>
  n.metadata?.annotations?.['kwok.x-k8s.io/node'] !== undefined ||
  n.status?.nodeInfo?.kubeletVersion === 'fake' ||
  n.status?.nodeInfo?.containerRuntimeVersion === 'gauntlet-simulated';

export interface ProbeOptions {
  runId: string;
  /** checks.probeImage: the image the container probe pod runs on a cluster the harness did not make. */
  probeImage?: string;
}

/**
 * Finds, once per run, what the cluster can do: do pods run containers (and where), which zones have
 * schedulable nodes, is there a default StorageClass with a provisioner, does the harness own the nodes.
 * On the embedded cluster the answers are known; elsewhere they are read from the API, and whether pods run
 * containers is tried with a pod that must write its termination message (kwok can report a pod Succeeded
 * but cannot make a container write).
 */
export async function probeCapabilities(
  kube: Kube,
  cluster: ProvisionedCluster,
  o: ProbeOptions,
): Promise<ClusterCapabilities> {
  const [nodes, classes] = await Promise.all([
    kube.core.listNode(),
    checkApis(kube).storage.listStorageClass(),
  ]);
  const schedulable = nodes.items.filter(isNodeSchedulable);
  const zones = [...new Set(schedulable.flatMap((n) => n.metadata?.labels?.[zoneLabel] ?? []))].sort();
  const defaultClass = classes.items.find(
    (c) =>
      c.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' &&
      c.provisioner !== noProvisioner,
  );
  return {
    containers: cluster.local ? embeddedContainers(cluster) : await triedContainers(kube, schedulable, o),
    zones,
    ...(defaultClass
      ? { provisioner: { storageClass: defaultClass.metadata!.name!, provisioner: defaultClass.provisioner } }
      : {}),
    ownsNodes: cluster.local !== undefined,
  };
}

function embeddedContainers(cluster: ProvisionedCluster): ClusterCapabilities['containers'] {
  const real = cluster.local?.realNodes?.nodes.length ?? 0;
  if (real === 0)
    return {
      available: false,
      reason: 'the embedded cluster has kwok nodes only (`--real-nodes N` adds nodes that run containers)',
    };
  return {
    available: true,
    how: `${real} real node${real === 1 ? '' : 's'} of the embedded cluster`,
    nodes: { matchExpressions: [{ key: nodeKindLabel, operator: 'In', values: ['real'] }] },
    shellImage: toolboxImages[0]!,
  };
}

async function triedContainers(
  kube: Kube,
  schedulable: V1Node[],
  o: ProbeOptions,
): Promise<ClusterCapabilities['containers']> {
  const candidates = schedulable.filter((n) => !isKwokNode(n)).map((n) => n.metadata!.name!);
  if (candidates.length === 0)
    return {
      available: false,
      reason:
        schedulable.length === 0
          ? 'no node is Ready and schedulable'
          : 'every schedulable node is a kwok node, and kwok runs no containers',
    };
  const nodes = { matchFields: [{ key: 'metadata.name', operator: 'In', values: candidates }] };
  const image = o.probeImage ?? defaultProbeImage;
  const namespace = `gauntlet-capabilities-${o.runId}`.slice(0, 63).replace(/-+$/, '');
  const labels = { [runLabel]: o.runId };
  try {
    // Inside the try: a namespace whose account could not be made is removed too.
    await createPodNamespace(kube, namespace, labels);
    const pod: V1Pod = {
      metadata: { name: 'containers', namespace, labels },
      spec: {
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 0,
        automountServiceAccountToken: false,
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [nodes] } },
        },
        containers: [
          {
            name: 'probe',
            image,
            imagePullPolicy: 'IfNotPresent',
            command: ['sh', '-c', `echo ${probeMessage} > /dev/termination-log`],
            resources: { requests: { cpu: '10m', memory: '16Mi' } },
          },
        ],
      },
    };
    const started = Date.now();
    await kube.core.createNamespacedPod({ namespace, body: pod });
    const verdict: { ran: boolean; node?: string; why?: string } = await waitFor(
      kube,
      collections.pods(kube, namespace),
      {
        done: (pods) => {
          const p = pods[0];
          const terminated = p?.status?.containerStatuses?.[0]?.state?.terminated;
          if (terminated?.message?.trim() === probeMessage)
            return { ran: true, node: p?.spec?.nodeName ?? '?' };
          if (p?.status?.phase === 'Succeeded' || p?.status?.phase === 'Failed')
            return {
              ran: false,
              why: `a probe pod ended ${p.status.phase} without writing its message (exit ${terminated?.exitCode ?? '?'}, ${terminated?.reason ?? 'no reason'})`,
            };
          return undefined;
        },
        what: `a probe pod (image ${image}) to run a container`,
        progress: (pods) =>
          pods
            .flatMap((p) => p.status?.containerStatuses ?? [])
            .map((c) => c.state?.waiting?.reason ?? c.state?.waiting?.message ?? 'starting')
            .join(', ') || 'not scheduled',
        timeoutMs: containerProbeTimeoutMs,
      },
    ).catch((error: Error) => ({ ran: false, why: error.message }));
    if (!verdict.ran) return { available: false, reason: verdict.why ?? 'the probe pod did not run' };
    return {
      available: true,
      how: `a probe pod ran on ${verdict.node} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      nodes,
      shellImage: image,
    };
  } finally {
    await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
}
