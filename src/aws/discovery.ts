import { paginateDescribeAutoScalingInstances } from '@aws-sdk/client-auto-scaling';
import {
  type Instance,
  paginateDescribeInstances,
  paginateDescribeSubnets,
  type Subnet,
} from '@aws-sdk/client-ec2';
import { ConfigError } from '../errors.ts';
import type { Kube } from '../kube/client.ts';
import type { AwsClients } from './clients.ts';
import {
  clusterTagQueries,
  type InstanceRole,
  instanceIdOfProviderId,
  isBastion,
  type Provisioner,
  provisionerOf,
  roleOf,
  tagsOf,
} from './provisioner-tags.ts';

export interface ClusterInstance {
  id: string;
  zone: string;
  subnetId?: string;
  state: string;
  role: InstanceRole;
  provisioner: Provisioner;
  /** The Auto Scaling group that owns it, if any. */
  autoScalingGroup?: string;
  /** The Node whose spec.providerID names it, if any. */
  node?: string;
}

export interface ClusterMap {
  cluster: string;
  region: string;
  vpcId: string;
  provisioner: Provisioner;
  /** EKS: the control plane is not in the account and cannot be touched. */
  managedControlPlane: boolean;
  /** Every zone with cluster subnets or instances, sorted; subnets sorted by id. */
  zones: Record<string, { subnets: string[] }>;
  instances: ClusterInstance[];
  /** Nodes whose providerID names no instance found here (another cluster's tags, or not on AWS). */
  unmatchedNodes: string[];
}

/** Instances that are not gone (terminated instances linger in DescribeInstances for an hour). */
const liveStates = ['pending', 'running', 'stopping', 'stopped'];

/** Page sizes are the API's defaults unless given (tests force small pages to prove every page is read). */
type Paging = { pageSize?: number };

async function taggedInstances(ec2: AwsClients['ec2'], cluster: string, paging: Paging): Promise<Instance[]> {
  const byId = new Map<string, Instance>();
  for (const filters of clusterTagQueries(cluster)) {
    const pages = paginateDescribeInstances(
      { client: ec2, ...paging },
      { Filters: [...filters, { Name: 'instance-state-name', Values: liveStates }] },
    );
    for await (const page of pages)
      for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) byId.set(i.InstanceId!, i);
  }
  return [...byId.values()];
}

async function taggedSubnets(
  ec2: AwsClients['ec2'],
  cluster: string,
  ids: string[],
  paging: Paging,
): Promise<Subnet[]> {
  const byId = new Map<string, Subnet>();
  const queries = [
    ...clusterTagQueries(cluster),
    ...(ids.length ? [[{ Name: 'subnet-id', Values: ids }]] : []),
  ];
  for (const filters of queries)
    for await (const page of paginateDescribeSubnets({ client: ec2, ...paging }, { Filters: filters }))
      for (const s of page.Subnets ?? []) byId.set(s.SubnetId!, s);
  return [...byId.values()];
}

async function autoScalingGroups(
  clients: AwsClients,
  ids: string[],
  paging: Paging,
): Promise<Map<string, string>> {
  const groups = new Map<string, string>();
  // DescribeAutoScalingInstances takes at most 50 ids per call.
  for (let i = 0; i < ids.length; i += 50) {
    const pages = paginateDescribeAutoScalingInstances(
      { client: clients.autoscaling, ...paging },
      { InstanceIds: ids.slice(i, i + 50) },
    );
    for await (const page of pages)
      for (const a of page.AutoScalingInstances ?? []) groups.set(a.InstanceId!, a.AutoScalingGroupName!);
  }
  return groups;
}

/**
 * The cluster as EC2 sees it: its VPC, its subnets by zone, and its instances by role, each matched to its
 * Node through spec.providerID. Found by the tags each provisioner sets (src/aws/provisioner-tags.ts).
 */
export async function discoverCluster(
  clients: AwsClients,
  cluster: string,
  kube?: Kube,
  hint?: Provisioner,
  paging: Paging = {},
): Promise<ClusterMap> {
  const found = (await taggedInstances(clients.ec2, cluster, paging)).filter(
    (i) => !isBastion(tagsOf(i.Tags)),
  );
  const subnets = await taggedSubnets(
    clients.ec2,
    cluster,
    [...new Set(found.map((i) => i.SubnetId).filter((s): s is string => !!s))],
    paging,
  );
  if (found.length === 0 && subnets.length === 0)
    throw new ConfigError(
      `aws.clusterName: no instance or subnet in ${clients.region} is tagged for cluster "${cluster}" ` +
        '(looked for the kops, eksctl, kube-aws and Cluster API tags)',
    );

  const nodes = kube ? (await kube.core.listNode()).items : [];
  const nodeByInstance = new Map<string, { name: string; controlPlane: boolean }>();
  const unmatched: string[] = [];
  const ids = new Set(found.map((i) => i.InstanceId));
  for (const node of nodes) {
    const id = instanceIdOfProviderId(node.spec?.providerID);
    const name = node.metadata!.name!;
    if (id && ids.has(id)) {
      const labels = node.metadata?.labels ?? {};
      const controlPlane =
        'node-role.kubernetes.io/control-plane' in labels || 'node-role.kubernetes.io/master' in labels;
      nodeByInstance.set(id, { name, controlPlane });
    } else unmatched.push(name);
  }

  const groups = await autoScalingGroups(
    clients,
    found.map((i) => i.InstanceId!),
    paging,
  );
  const provisioners = found.map((i) => provisionerOf(tagsOf(i.Tags)));
  const provisioner =
    hint ??
    (provisioners.includes('eksctl') ? 'eksctl' : (provisioners.find((p) => p !== 'kubeadm') ?? 'kubeadm'));
  const instances: ClusterInstance[] = found
    .map((i) => {
      const tags = tagsOf(i.Tags);
      const node = nodeByInstance.get(i.InstanceId!);
      return {
        id: i.InstanceId!,
        zone: i.Placement?.AvailabilityZone ?? '?',
        subnetId: i.SubnetId,
        state: i.State?.Name ?? '?',
        role: roleOf(tags) ?? (node?.controlPlane ? 'control-plane' : 'worker'),
        provisioner: provisionerOf(tags),
        ...(groups.get(i.InstanceId!) ? { autoScalingGroup: groups.get(i.InstanceId!) } : {}),
        ...(node ? { node: node.name } : {}),
      };
    })
    .sort((a, b) => a.zone.localeCompare(b.zone) || a.role.localeCompare(b.role) || a.id.localeCompare(b.id));

  const zones: ClusterMap['zones'] = {};
  for (const zone of [
    ...new Set([...subnets.map((s) => s.AvailabilityZone!), ...instances.map((i) => i.zone)]),
  ].sort())
    zones[zone] = {
      subnets: subnets
        .filter((s) => s.AvailabilityZone === zone)
        .map((s) => s.SubnetId!)
        .sort(),
    };
  const vpcs = [...new Set([...found.map((i) => i.VpcId), ...subnets.map((s) => s.VpcId)].filter(Boolean))];
  return {
    cluster,
    region: clients.region,
    vpcId: vpcs.length === 1 ? vpcs[0]! : vpcs.join(','),
    provisioner,
    managedControlPlane: provisioner === 'eksctl',
    zones,
    instances,
    unmatchedNodes: unmatched.sort(),
  };
}

/** The map as `gauntlet aws describe` prints it: zone -> subnets, control-plane instances, nodes. */
export function formatClusterMap(map: ClusterMap): string {
  const lines = [
    `cluster ${map.cluster} (${map.provisioner}${map.managedControlPlane ? ', managed control plane' : ''}) in ${map.region}, VPC ${map.vpcId}`,
  ];
  for (const [zone, { subnets }] of Object.entries(map.zones)) {
    const here = map.instances.filter((i) => i.zone === zone);
    const show = (i: ClusterInstance) =>
      `${i.id} ${i.state}${i.node ? ` node/${i.node}` : ' (no Node)'}${i.autoScalingGroup ? ` asg/${i.autoScalingGroup}` : ''}`;
    lines.push(`${zone}:`);
    lines.push(`  subnets: ${subnets.join(', ') || '(none)'}`);
    lines.push(
      `  control plane: ${
        here
          .filter((i) => i.role === 'control-plane')
          .map(show)
          .join('; ') || '(none)'
      }`,
    );
    lines.push(
      `  workers: ${
        here
          .filter((i) => i.role === 'worker')
          .map(show)
          .join('; ') || '(none)'
      }`,
    );
  }
  if (map.unmatchedNodes.length) lines.push(`nodes with no instance here: ${map.unmatchedNodes.join(', ')}`);
  return lines.join('\n');
}
