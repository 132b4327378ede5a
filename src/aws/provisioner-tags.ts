import type { Filter } from '@aws-sdk/client-ec2';

export type Provisioner = 'kops' | 'eksctl' | 'kube-aws' | 'capi' | 'kubeadm';
export type InstanceRole = 'control-plane' | 'worker';

/**
 * One DescribeInstances/DescribeSubnets query per tagging convention (EC2 ANDs the filters of one query, so the
 * conventions cannot share one): the union is the cluster's resources.
 */
export function clusterTagQueries(cluster: string): Filter[][] {
  return [
    // kops (legacy and current), kube-aws, kubeadm with the AWS cloud provider, and eksctl's nodes.
    [{ Name: 'tag:KubernetesCluster', Values: [cluster] }],
    [{ Name: 'tag-key', Values: [`kubernetes.io/cluster/${cluster}`] }],
    // eksctl, and EKS managed node groups.
    [{ Name: 'tag:alpha.eksctl.io/cluster-name', Values: [cluster] }],
    [{ Name: 'tag:eks:cluster-name', Values: [cluster] }],
    // Cluster API provider AWS.
    [{ Name: 'tag-key', Values: [`sigs.k8s.io/cluster-api-provider-aws/cluster/${cluster}`] }],
  ];
}

export type Tags = Record<string, string>;

export const tagsOf = (list?: { Key?: string; Value?: string }[]): Tags =>
  Object.fromEntries((list ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));

/** Which provisioner tagged a resource, from the tags only that provisioner sets. */
export function provisionerOf(tags: Tags): Provisioner {
  if ('alpha.eksctl.io/cluster-name' in tags || 'eks:cluster-name' in tags || 'eks:nodegroup-name' in tags)
    return 'eksctl';
  if (Object.keys(tags).some((k) => k.startsWith('sigs.k8s.io/cluster-api-provider-aws/'))) return 'capi';
  if (Object.keys(tags).some((k) => k.startsWith('k8s.io/role/') || k.startsWith('kops.k8s.io/')))
    return 'kops';
  if (Object.keys(tags).some((k) => k.startsWith('kube-aws:'))) return 'kube-aws';
  return 'kubeadm';
}

/**
 * The instance's role from its tags, or undefined when its tags do not say (kubeadm: the Node's
 * node-role.kubernetes.io/control-plane label decides). eksctl instances are always workers: EKS runs the
 * control plane out of the account.
 */
export function roleOf(tags: Tags): InstanceRole | undefined {
  if ('k8s.io/role/master' in tags || 'k8s.io/role/control-plane' in tags) return 'control-plane';
  if ('k8s.io/role/node' in tags) return 'worker';
  const capa = tags['sigs.k8s.io/cluster-api-provider-aws/role'];
  if (capa === 'control-plane') return 'control-plane';
  if (capa === 'node') return 'worker';
  const kubeAws = tags['kube-aws:role'];
  if (kubeAws === 'controller') return 'control-plane';
  if (kubeAws === 'worker') return 'worker';
  if (provisionerOf(tags) === 'eksctl') return 'worker';
  return undefined;
}

/** CAPA tags its bastion like a cluster member; it is not part of Kubernetes. */
export const isBastion = (tags: Tags) => tags['sigs.k8s.io/cluster-api-provider-aws/role'] === 'bastion';

/** `aws:///us-east-1a/i-0123456789abcdef0` (or `aws:///i-...`) -> the instance id. */
export function instanceIdOfProviderId(providerId: string | undefined): string | undefined {
  const m = /^aws:\/\/\/(?:[^/]+\/)?(i-[0-9a-f]+)$/.exec(providerId ?? '');
  return m?.[1];
}
