import type { V1Node } from '@kubernetes/client-node';
import type { LocalClusterConfig } from '../../src/config/schema.ts';
import type { Kube } from '../../src/kube/client.ts';
import { isNodeReady, regionLabel, zoneLabel } from '../../src/kube/describe.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import { kwokNodeAnnotation } from './components/kwok-zones.ts';

/** Label on every simulated node, naming the cluster that made it. */
export const clusterLabel = 'gauntlet.dev/cluster';

/** Nodes spread round the zones: zone z gets nodesPerZone nodes named kwok-<zone>-<n>. */
export function simulatedNodes(clusterName: string, config: LocalClusterConfig): V1Node[] {
  return config.zones.flatMap((zone) =>
    Array.from({ length: config.nodesPerZone }, (_, n) => {
      const name = `kwok-${zone}-${n}`.toLowerCase();
      return {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          labels: {
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
            'node.kubernetes.io/instance-type': 'kwok.simulated',
            [zoneLabel]: zone,
            [regionLabel]: config.region,
            [clusterLabel]: clusterName,
            type: 'kwok',
          },
          annotations: { [kwokNodeAnnotation]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        },
        spec: {},
      } satisfies V1Node;
    }),
  );
}

/** Creates the nodes with bounded concurrency (1000 nodes must not open 1000 requests at once). */
export async function createNodes(kube: Kube, nodes: V1Node[], concurrency = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < nodes.length) {
      const node = nodes[next++]!;
      await kube.core.createNode({ body: node });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, nodes.length) }, worker));
}

export async function waitForNodesReady(
  kube: Kube,
  clusterName: string,
  expected: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const labelSelector = `${clusterLabel}=${clusterName}`;
  await watchUntil<V1Node, true>(kube, {
    list: () => kube.core.listNode({ labelSelector }),
    path: '/api/v1/nodes',
    query: { labelSelector },
    done: (nodes) => nodes.filter(isNodeReady).length >= expected || undefined,
    what: `${expected} nodes to be Ready`,
    progress: (nodes) => `${nodes.filter(isNodeReady).length} of ${expected} Ready`,
    timeoutMs,
    signal,
  });
}
