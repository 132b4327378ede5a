import type { V1Node } from '@kubernetes/client-node';
import { findLeader } from '../clusters/local/leader.ts';
import { discoverCluster } from '../src/aws/discovery.ts';
import { ConfigError } from '../src/errors.ts';
import { zoneLabel } from '../src/kube/describe.ts';
import type { FaultContext, FaultTarget } from './fault.ts';

/** How a user picks targets: by name, zone, role, label, and then a count or percentage of those. */
export interface TargetSelector {
  names?: string[];
  zone?: string;
  /** Control-plane role: kube-apiserver, etcd, kube-controller-manager, kube-scheduler. */
  role?: string;
  /** Label selector for nodes, e.g. "node.kubernetes.io/instance-type=m5.large". */
  labels?: string;
  count?: number;
  percent?: number;
  /** Only the current leader of a leader-elected role (kube-controller-manager, kube-scheduler). */
  leader?: boolean;
}

/** Picks nodes; deterministic (sorted by name) so a dry run shows exactly what a real run hits. */
export async function selectNodes(ctx: FaultContext, s: TargetSelector): Promise<FaultTarget[]> {
  const list = await ctx.kube.core.listNode(s.labels ? { labelSelector: s.labels } : {});
  let nodes: V1Node[] = list.items;
  if (s.names) {
    const missing = s.names.filter((n) => !nodes.some((node) => node.metadata?.name === n));
    if (missing.length > 0) throw new ConfigError(`target.names: no such node ${missing.join(', ')}`);
    nodes = nodes.filter((node) => s.names!.includes(node.metadata!.name!));
  }
  if (s.zone) {
    nodes = nodes.filter((node) => node.metadata?.labels?.[zoneLabel] === s.zone);
    if (nodes.length === 0) throw new ConfigError(`target.zone: no nodes in zone ${s.zone}`);
  }
  const targets = nodes
    .map((node) => ({
      kind: 'node' as const,
      name: node.metadata!.name!,
      zone: node.metadata?.labels?.[zoneLabel],
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return limit(targets, s);
}

function limit<T>(items: T[], s: TargetSelector): T[] {
  if (s.count !== undefined) return items.slice(0, s.count);
  if (s.percent !== undefined)
    return items.slice(0, Math.max(1, Math.round((items.length * s.percent) / 100)));
  return items;
}

/** Picks zones: the one named, or every zone of the cluster (the full-disruption case). */
export async function selectZones(ctx: FaultContext, s: TargetSelector): Promise<FaultTarget[]> {
  const nodes = await ctx.kube.core.listNode();
  const zones = [
    ...new Set(nodes.items.map((n) => n.metadata?.labels?.[zoneLabel]).filter((z): z is string => !!z)),
  ].sort();
  if (s.zone && !zones.includes(s.zone))
    throw new ConfigError(`target.zone: no nodes in zone ${s.zone} (zones: ${zones.join(', ')})`);
  return limit(
    zones.filter((z) => !s.zone || z === s.zone).map((name) => ({ kind: 'zone' as const, name })),
    s,
  );
}

/** Picks members of the embedded control plane by role and index/name. */
export async function selectComponents(ctx: FaultContext, s: TargetSelector): Promise<FaultTarget[]> {
  const spec = ctx.cluster.local;
  if (!spec)
    throw new ConfigError(
      'target.role: control-plane processes can only be targeted on the embedded cluster',
    );
  const roles = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
  if (!s.role || !roles.includes(s.role))
    throw new ConfigError(`target.role: expected one of ${roles.join(', ')}, got ${s.role ?? 'nothing'}`);
  let members = spec.components.filter((c) => c.kind === s.role);
  if (s.names) {
    const missing = s.names.filter((n) => !members.some((m) => m.id === n));
    if (missing.length > 0)
      throw new ConfigError(
        `target.names: no ${s.role} member ${missing.join(', ')} (have ${members.map((m) => m.id).join(', ')})`,
      );
    members = members.filter((m) => s.names!.includes(m.id));
  }
  if (s.leader) {
    if (s.role !== 'kube-controller-manager' && s.role !== 'kube-scheduler') {
      throw new ConfigError(
        `target.leader: only kube-controller-manager and kube-scheduler elect a leader, not ${s.role}`,
      );
    }
    const leader = await findLeader(spec, s.role);
    members = members.filter((m) => m.id === leader);
  }
  return limit(
    members.map((m) => ({ kind: 'component' as const, id: m.id, role: m.kind })),
    s,
  );
}

/** The cluster itself, for faults that act on all of it (etcd pressure): one target, named after the cluster. */
export function selectCluster(ctx: FaultContext): FaultTarget[] {
  return [{ kind: 'cluster', name: ctx.cluster.name }];
}

/** Zones of the cluster as EC2 sees them (from discovery): the one named, or all of them with --all. */
export async function selectAwsZones(ctx: FaultContext, s: TargetSelector): Promise<FaultTarget[]> {
  const map = await awsMap(ctx);
  const zones = Object.keys(map.zones);
  if (s.zone && !zones.includes(s.zone))
    throw new ConfigError(
      `target.zone: cluster ${map.cluster} has nothing in ${s.zone} (zones: ${zones.join(', ')})`,
    );
  return limit(
    zones.filter((z) => !s.zone || z === s.zone).map((name) => ({ kind: 'zone' as const, name })),
    s,
  );
}

/**
 * Picks running EC2 instances of the cluster by role (control-plane or worker), zone, and names (instance ids
 * or the Node names they back). A managed control plane (EKS) has no instance to pick, and says so.
 */
export async function selectInstances(ctx: FaultContext, s: TargetSelector): Promise<FaultTarget[]> {
  const map = await awsMap(ctx);
  const roles = ['control-plane', 'worker'];
  if (s.role && !roles.includes(s.role))
    throw new ConfigError(`target.role: expected one of ${roles.join(', ')} for instances, got ${s.role}`);
  if (s.role === 'control-plane' && map.managedControlPlane)
    throw new ConfigError(
      `target.role: cluster ${map.cluster} has a managed control plane (EKS): AWS runs it outside the account, there is no instance to act on`,
    );
  let instances = map.instances.filter((i) => i.state === 'running');
  if (s.role) instances = instances.filter((i) => i.role === s.role);
  if (s.zone) instances = instances.filter((i) => i.zone === s.zone);
  if (s.names) {
    const missing = s.names.filter((n) => !instances.some((i) => i.id === n || i.node === n));
    if (missing.length > 0)
      throw new ConfigError(
        `target.names: no running instance or node ${missing.join(', ')} selected in ${map.cluster}`,
      );
    instances = instances.filter((i) => s.names!.includes(i.id) || (!!i.node && s.names!.includes(i.node)));
  }
  return limit(
    instances.map((i) => ({
      kind: 'instance' as const,
      name: i.id,
      zone: i.zone,
      role: i.role,
      ...(i.node ? { node: i.node } : {}),
      ...(i.autoScalingGroup ? { autoScalingGroup: i.autoScalingGroup } : {}),
    })),
    s,
  );
}

async function awsMap(ctx: FaultContext) {
  if (!ctx.aws)
    throw new ConfigError('aws: the config has no aws section (aws.region, aws.accountId, aws.clusterName)');
  return discoverCluster(ctx.aws.clients, ctx.aws.config.clusterName, ctx.kube, ctx.aws.config.provisioner);
}
