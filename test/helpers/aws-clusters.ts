import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from '../../src/aws/clients.ts';

export const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

export interface BuiltInstance {
  id: string;
  zone: string;
  group: string;
}

export interface BuiltCluster {
  name: string;
  vpcId: string;
  /** One subnet per zone. */
  subnets: Record<string, string>;
  controlPlane: BuiltInstance[];
  workers: BuiltInstance[];
  groups: string[];
}

const tagList = (tags: Record<string, string>): Tag[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** A VPC with one subnet per zone, each tagged as the provisioner tags them. */
async function network(c: AwsClients, name: string, cidr: number, tags: Record<string, string>) {
  const vpc = await c.ec2.send(
    new CreateVpcCommand({
      CidrBlock: `10.${cidr}.0.0/16`,
      TagSpecifications: [{ ResourceType: 'vpc', Tags: tagList({ ...tags, Name: name }) }],
    }),
  );
  const vpcId = vpc.Vpc!.VpcId!;
  const subnets: Record<string, string> = {};
  for (const [i, zone] of zones.entries()) {
    const subnet = await c.ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: `10.${cidr}.${i}.0/24`,
        AvailabilityZone: zone,
        TagSpecifications: [{ ResourceType: 'subnet', Tags: tagList({ ...tags, Name: `${zone}.${name}` }) }],
      }),
    );
    subnets[zone] = subnet.Subnet!.SubnetId!;
  }
  const image = await c.ec2.send(new DescribeImagesCommand({}));
  const template = await c.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `${name}-nodes`,
      LaunchTemplateData: { ImageId: image.Images![0]!.ImageId!, InstanceType: 't3.medium' },
    }),
  );
  const built: BuiltCluster = { name, vpcId, subnets, controlPlane: [], workers: [], groups: [] };
  return { built, templateId: template.LaunchTemplate!.LaunchTemplateId! };
}

/** An Auto Scaling group of `size` instances in one subnet, its tags propagated to them; returns them. */
async function group(
  c: AwsClients,
  name: string,
  templateId: string,
  subnet: string,
  zone: string,
  size: number,
  tags: Record<string, string>,
): Promise<BuiltInstance[]> {
  await c.autoscaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      LaunchTemplate: { LaunchTemplateId: templateId, Version: '$Latest' },
      MinSize: size,
      MaxSize: size,
      DesiredCapacity: size,
      VPCZoneIdentifier: subnet,
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value, PropagateAtLaunch: true })),
    }),
  );
  const out = await c.autoscaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
  );
  return (out.AutoScalingGroups![0]!.Instances ?? []).map((i) => ({ id: i.InstanceId!, zone, group: name }));
}

/**
 * A kops-like HA cluster, tagged as kops tags it: a VPC, one subnet per zone, one control-plane Auto Scaling
 * group per zone (kops's masters instance groups) and one worker group of two per zone.
 */
export async function buildKopsCluster(c: AwsClients, name: string): Promise<BuiltCluster> {
  const clusterTags = { KubernetesCluster: name, [`kubernetes.io/cluster/${name}`]: 'owned' };
  const { built, templateId } = await network(c, name, 20, clusterTags);
  for (const zone of zones) {
    const cp = `control-plane-${zone}.masters.${name}`;
    built.controlPlane.push(
      ...(await group(c, cp, templateId, built.subnets[zone]!, zone, 1, {
        ...clusterTags,
        'k8s.io/role/control-plane': '1',
        'k8s.io/role/master': '1',
        'kops.k8s.io/instancegroup': `control-plane-${zone}`,
      })),
    );
    const nodes = `nodes-${zone}.${name}`;
    built.workers.push(
      ...(await group(c, nodes, templateId, built.subnets[zone]!, zone, 2, {
        ...clusterTags,
        'k8s.io/role/node': '1',
        'kops.k8s.io/instancegroup': `nodes-${zone}`,
      })),
    );
    built.groups.push(cp, nodes);
  }
  return built;
}

/** An eksctl-like cluster: a managed control plane (no instance in the account) and one node group per zone. */
export async function buildEksctlCluster(c: AwsClients, name: string): Promise<BuiltCluster> {
  const clusterTags = { 'alpha.eksctl.io/cluster-name': name, [`kubernetes.io/cluster/${name}`]: 'shared' };
  const { built, templateId } = await network(c, name, 30, clusterTags);
  for (const zone of zones) {
    const ng = `eks-ng-${zone}-${name}`;
    built.workers.push(
      ...(await group(c, ng, templateId, built.subnets[zone]!, zone, 1, {
        ...clusterTags,
        'eks:cluster-name': name,
        'eks:nodegroup-name': `ng-${zone}`,
        'alpha.eksctl.io/nodegroup-name': `ng-${zone}`,
      })),
    );
    built.groups.push(ng);
  }
  return built;
}
