import type { Kube } from '../../../src/kube/client.ts';
import { isNodeReady, zoneLabel } from '../../../src/kube/describe.ts';
import { nodeKindLabel } from './node-plan.ts';

export interface NodeKind {
  name: string;
  kind: 'real' | 'simulated';
  zone: string;
  ready: boolean;
  ip: string;
}

/** Every node with its kind: real (a kubelet in a sandbox, labelled gauntlet.dev/node-kind=real) or simulated. */
export async function nodeKinds(kube: Kube): Promise<NodeKind[]> {
  const nodes = (await kube.core.listNode()).items;
  return nodes.map((n) => ({
    name: n.metadata?.name ?? '',
    kind: n.metadata?.labels?.[nodeKindLabel] === 'real' ? 'real' : 'simulated',
    zone: n.metadata?.labels?.[zoneLabel] ?? '-',
    ready: isNodeReady(n),
    ip: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '-',
  }));
}
