import { DescribeNetworkAclsCommand } from '@aws-sdk/client-ec2';
import { injectionTag } from '../../faults/aws/az-outage-nacl.ts';
import { awsContext } from '../../src/aws/clients.ts';
import { discoverCluster } from '../../src/aws/discovery.ts';
import type { RunContext } from '../../src/model/run-context.ts';

/** The cluster's network as EC2 sees it: which ACL each subnet is on, and the harness's deny-all ACLs. */
export interface AwsNetworkView {
  /** Cluster subnets by zone. */
  subnetsByZone: Record<string, string[]>;
  /** Every subnet of the VPC and the network ACL it is associated with. */
  aclBySubnet: Record<string, string>;
  /** Network ACLs the harness created (tagged gauntlet.dev/injection): a zone outage's, while it lasts. */
  harnessAcls: string[];
  /** The Nodes backed by the cluster's instances (spec.providerID), by the instances' zone. */
  nodesByZone: Record<string, string[]>;
}

export async function readAwsNetwork(run: RunContext): Promise<AwsNetworkView> {
  const aws = run.config.aws;
  if (!aws) throw new Error('the config has no aws section: EC2 cannot be read (requires: [aws])');
  const { clients } = awsContext(aws);
  const map = await discoverCluster(clients, aws.clusterName, run.kube, aws.provisioner);
  const acls = await clients.ec2.send(
    new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: map.vpcId.split(',') }] }),
  );
  const aclBySubnet: Record<string, string> = {};
  const harnessAcls: string[] = [];
  for (const acl of acls.NetworkAcls ?? []) {
    for (const a of acl.Associations ?? []) aclBySubnet[a.SubnetId!] = acl.NetworkAclId!;
    if (acl.Tags?.some((t) => t.Key === injectionTag)) harnessAcls.push(acl.NetworkAclId!);
  }
  const nodesByZone: Record<string, string[]> = {};
  for (const zone of new Set(map.instances.map((i) => i.zone)))
    nodesByZone[zone] = map.instances
      .filter((i) => i.zone === zone && i.node)
      .map((i) => i.node!)
      .sort();
  return {
    subnetsByZone: Object.fromEntries(Object.entries(map.zones).map(([z, { subnets }]) => [z, subnets])),
    aclBySubnet,
    harnessAcls: harnessAcls.sort(),
    nodesByZone,
  };
}
