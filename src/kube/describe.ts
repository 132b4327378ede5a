import type { V1Node } from '@kubernetes/client-node';
import type { Kube } from './client.ts';

export const zoneLabel = 'topology.kubernetes.io/zone';
export const regionLabel = 'topology.kubernetes.io/region';

export interface ClusterDescription {
  serverVersion: string;
  nodes: number;
  readyNodes: number;
  /** zone -> { total, ready }; nodes without a zone label are under "(none)". */
  zones: Record<string, { total: number; ready: number }>;
}

export const isNodeReady = (node: V1Node) =>
  node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** Ready, not cordoned, and without a taint that keeps new pods off (a node just turned Ready keeps not-ready a moment). */
export const isNodeSchedulable = (node: V1Node) =>
  isNodeReady(node) &&
  !node.spec?.unschedulable &&
  !(node.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');

/** The node's Ready condition, and its status ('True', 'False', 'Unknown', or undefined before the first report). */
export const nodeReadyCondition = (node: V1Node) => node.status?.conditions?.find((c) => c.type === 'Ready');
export const nodeReadyStatus = (node: V1Node) => nodeReadyCondition(node)?.status;

export async function describeCluster(kube: Kube): Promise<ClusterDescription> {
  const [version, nodes] = await Promise.all([kube.version.getCode(), kube.core.listNode()]);
  const zones: ClusterDescription['zones'] = {};
  for (const node of nodes.items) {
    const zone = node.metadata?.labels?.[zoneLabel] ?? '(none)';
    zones[zone] ??= { total: 0, ready: 0 };
    zones[zone].total += 1;
    if (isNodeReady(node)) zones[zone].ready += 1;
  }
  return {
    serverVersion: version.gitVersion,
    nodes: nodes.items.length,
    readyNodes: nodes.items.filter(isNodeReady).length,
    zones,
  };
}

export function formatDescription(d: ClusterDescription): string {
  const zones = Object.entries(d.zones)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([zone, z]) => `  ${zone}: ${z.ready}/${z.total} nodes Ready`)
    .join('\n');
  return `server ${d.serverVersion}, ${d.readyNodes}/${d.nodes} nodes Ready\n${zones}`;
}
