import { randomUUID } from 'node:crypto';
import {
  CreateNetworkAclCommand,
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclCommand,
  DescribeNetworkAclsCommand,
  type EC2Client,
  ReplaceNetworkAclAssociationCommand,
} from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { discoverCluster } from '../../src/aws/discovery.ts';
import { ConfigError } from '../../src/errors.ts';
import { crashPoint } from '../engine/crash-point.ts';
import type { Fault } from '../fault.ts';
import { awsWhereSchema, clientsOf, dryRun, requireAws, whereOf } from './aws-fault-context.ts';

/** The tag naming the injection that created a deny-all NACL: revert finds the NACL by it, even after a crash. */
export const injectionTag = 'gauntlet.dev/injection';
export const runIdTag = 'gauntlet.dev/run-id';

const undo = awsWhereSchema.extend({
  vpcId: z.string().min(1),
  zone: z.string().min(1),
  /** The value of injectionTag on the deny-all NACL (chosen before it exists, so it is journaled first). */
  token: z.string().min(1),
  /** Each cluster subnet of the zone and the NACL it was associated with before the fault. */
  subnets: z.array(z.object({ subnetId: z.string().min(1), originalAclId: z.string().min(1) })),
});
type Undo = z.infer<typeof undo>;

/** The NACL a subnet is associated with now, and that association's id (which changes on every replace). */
async function currentAssociation(ec2: EC2Client, subnetId: string) {
  const out = await ec2.send(
    new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [subnetId] }] }),
  );
  for (const acl of out.NetworkAcls ?? [])
    for (const a of acl.Associations ?? [])
      if (a.SubnetId === subnetId)
        return { aclId: acl.NetworkAclId!, associationId: a.NetworkAclAssociationId! };
  throw new Error(`subnet ${subnetId}: no network ACL association found`);
}

async function denyAclsOf(ec2: EC2Client, token: string): Promise<string[]> {
  const out = await ec2.send(
    new DescribeNetworkAclsCommand({ Filters: [{ Name: `tag:${injectionTag}`, Values: [token] }] }),
  );
  return (out.NetworkAcls ?? []).map((a) => a.NetworkAclId!);
}

/** The deny-all NACL's tags, set as it is created (so a policy conditioned on them can allow the calls). */
function denyAclTags(undo: Undo, runId: string | undefined) {
  return [
    {
      ResourceType: 'network-acl' as const,
      Tags: [
        { Key: 'Name', Value: `gauntlet-az-outage-${undo.zone}` },
        { Key: injectionTag, Value: undo.token },
        { Key: runIdTag, Value: runId ?? 'unknown' },
      ],
    },
  ];
}

/**
 * An availability zone loses its network: every cluster subnet of the zone is switched to a new network ACL
 * that denies all traffic both ways, as a zone that drops off the network looks to the rest of
 * the cluster. Instances keep running; their kubelets lose the API, the API loses them. The original
 * association of each subnet is journaled before anything changes; revert switches each subnet back and
 * deletes the deny-all NACL, found by its tag.
 */
export const azOutageNacl: Fault<Record<string, never>, Undo> = {
  kind: 'aws-az-outage-nacl',
  undo,
  summary:
    "an AWS availability zone drops off the network: the cluster's subnets there get a deny-all network ACL",
  spec: z.strictObject({}),
  targets: 'zone',
  backend: 'aws',
  describe: (_spec, target) =>
    `create a deny-all network ACL (tagged ${injectionTag}) in the cluster's VPC and associate it with every ` +
    `cluster subnet of zone ${target.kind === 'zone' ? target.name : '?'}; revert restores each subnet's original ACL and deletes it`,
  async capture(ctx, _spec, target) {
    const aws = requireAws(ctx, 'aws-az-outage-nacl');
    if (target.kind !== 'zone') throw new ConfigError('aws-az-outage-nacl acts on zones');
    const map = await discoverCluster(aws.clients, aws.config.clusterName, undefined, aws.config.provisioner);
    const subnetIds = map.zones[target.name]?.subnets ?? [];
    if (subnetIds.length === 0)
      throw new ConfigError(
        `target.zone: cluster ${map.cluster} has no subnet in ${target.name} (zones: ${Object.keys(map.zones).join(', ')})`,
      );
    if (map.vpcId.includes(','))
      throw new ConfigError(`aws.clusterName: cluster ${map.cluster} spans several VPCs (${map.vpcId})`);
    const subnets = [];
    for (const subnetId of subnetIds)
      subnets.push({ subnetId, originalAclId: (await currentAssociation(aws.clients.ec2, subnetId)).aclId });
    return { ...whereOf(aws), vpcId: map.vpcId, zone: target.name, token: randomUUID(), subnets };
  },
  async apply(ctx, _spec, _target, undo) {
    const { ec2 } = clientsOf(ctx, undo);
    const created = await ec2.send(
      new CreateNetworkAclCommand({ VpcId: undo.vpcId, TagSpecifications: denyAclTags(undo, ctx.runId) }),
    );
    const aclId = created.NetworkAcl!.NetworkAclId!;
    crashPoint('aws-az-outage-nacl:acl-created');
    // A new NACL already denies everything (IPv6 too, where the VPC has it) by its final `*` rule; explicit
    // IPv4 rules make the intent visible to whoever looks at it in the console.
    for (const Egress of [false, true])
      await ec2.send(
        new CreateNetworkAclEntryCommand({
          NetworkAclId: aclId,
          RuleNumber: 1,
          Protocol: '-1',
          RuleAction: 'deny',
          Egress,
          CidrBlock: '0.0.0.0/0',
        }),
      );
    for (const { subnetId } of undo.subnets) {
      const { associationId } = await currentAssociation(ec2, subnetId);
      await ec2.send(
        new ReplaceNetworkAclAssociationCommand({ AssociationId: associationId, NetworkAclId: aclId }),
      );
      crashPoint('aws-az-outage-nacl:subnet-moved');
    }
  },
  async revert(ctx, undo) {
    const { ec2 } = clientsOf(ctx, undo);
    // Each subnet goes back only if it is not on its original ACL already: reverting twice changes nothing.
    for (const { subnetId, originalAclId } of undo.subnets) {
      const current = await currentAssociation(ec2, subnetId);
      if (current.aclId !== originalAclId)
        await ec2.send(
          new ReplaceNetworkAclAssociationCommand({
            AssociationId: current.associationId,
            NetworkAclId: originalAclId,
          }),
        );
    }
    crashPoint('aws-az-outage-nacl:subnets-restored');
    for (const aclId of await denyAclsOf(ec2, undo.token))
      await ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: aclId }));
  },
  async verify(ctx, spec, target) {
    const undo = await azOutageNacl.capture(ctx, spec, target);
    const { ec2 } = clientsOf(ctx, undo);
    const create = await dryRun(
      'ec2:CreateNetworkAcl',
      // With the very tags apply sets: that checks ec2:CreateTags and any tag condition on the create too.
      () =>
        ec2.send(
          new CreateNetworkAclCommand({
            VpcId: undo.vpcId,
            TagSpecifications: denyAclTags(undo, ctx.runId),
            DryRun: true,
          }),
        ),
      async (result) => {
        const id = (result as { NetworkAcl?: { NetworkAclId?: string } }).NetworkAcl?.NetworkAclId;
        if (id) await ec2.send(new DeleteNetworkAclCommand({ NetworkAclId: id }));
      },
    );
    const lines = [create.line];
    // Only where DryRun is honoured: an endpoint that ignores it would really re-associate or delete.
    if (create.honoured) {
      const first = undo.subnets[0]!;
      const { associationId } = await currentAssociation(ec2, first.subnetId);
      lines.push(
        (
          await dryRun('ec2:ReplaceNetworkAclAssociation', () =>
            ec2.send(
              new ReplaceNetworkAclAssociationCommand({
                AssociationId: associationId,
                NetworkAclId: first.originalAclId,
                DryRun: true,
              }),
            ),
          )
        ).line,
      );
    } else lines.push('ec2:ReplaceNetworkAclAssociation: not checked (the endpoint ignores DryRun)');
    // Both act on the deny-all NACL itself, which a dry run never creates; checking them against another NACL
    // would misreport a policy scoped to the injection's tag.
    lines.push(
      'ec2:CreateNetworkAclEntry, ec2:DeleteNetworkAcl: not checkable before the deny-all NACL exists (they act only on it)',
    );
    lines.push(
      `subnets of ${undo.zone}: ${undo.subnets.map((s) => `${s.subnetId} (on ${s.originalAclId})`).join(', ')}`,
    );
    return lines;
  },
};
