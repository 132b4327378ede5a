import {
  DescribeAutoScalingGroupsCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { discoverCluster } from '../../src/aws/discovery.ts';
import { ConfigError } from '../../src/errors.ts';
import type { Fault } from '../fault.ts';
import { type AwsWhere, clientsOf, dryRun, requireAws, whereOf } from './aws-fault-context.ts';
import { startInstances, stopInstances } from './instance-power.ts';

/**
 * The Auto Scaling processes that would replace a stopped instance: its failed EC2 health check marks it
 * unhealthy (HealthCheck), the group replaces it (ReplaceUnhealthy), or rebalances the zones (AZRebalance).
 * Launch stays on, so the group can still scale in the surviving zones, as it would in a real outage.
 */
export const replaceProcesses = ['HealthCheck', 'ReplaceUnhealthy', 'AZRebalance'];

interface Undo extends AwsWhere {
  zone: string;
  /** The cluster's instances of the zone that were running: only these are stopped, and started again. */
  instances: string[];
  /** Each Auto Scaling group with an instance there, and which replace processes were suspended already. */
  groups: { name: string; suspendedBefore: string[] }[];
}

/**
 * An availability zone loses power: every running instance of the cluster in the zone is stopped, control
 * plane and workers alike, and the Auto Scaling groups holding them have their replace processes suspended so
 * the stopped instances are neither replaced nor rebalanced away. Revert starts them again (waiting until
 * they run), then resumes only the processes this fault suspended.
 */
export const azOutagePower: Fault<Record<string, never>, Undo> = {
  kind: 'aws-az-outage-power',
  summary: "an AWS availability zone loses power: the cluster's instances there are stopped, not replaced",
  spec: z.strictObject({}),
  targets: 'zone',
  backend: 'aws',
  describe: (_spec, target) =>
    `suspend ${replaceProcesses.join(', ')} of the Auto Scaling groups with instances in ${target.kind === 'zone' ? target.name : '?'}, ` +
    'then stop every running cluster instance there; revert starts them and resumes those processes',
  async capture(ctx, _spec, target) {
    const aws = requireAws(ctx, 'aws-az-outage-power');
    if (target.kind !== 'zone') throw new ConfigError('aws-az-outage-power acts on zones');
    const map = await discoverCluster(aws.clients, aws.config.clusterName, undefined, aws.config.provisioner);
    const here = map.instances.filter((i) => i.zone === target.name && i.state === 'running');
    if (here.length === 0)
      throw new ConfigError(`target.zone: cluster ${map.cluster} has no running instance in ${target.name}`);
    const names = [...new Set(here.map((i) => i.autoScalingGroup).filter((g): g is string => !!g))].sort();
    const groups = [];
    if (names.length > 0) {
      const out = await aws.clients.autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: names }),
      );
      for (const g of out.AutoScalingGroups ?? [])
        groups.push({
          name: g.AutoScalingGroupName!,
          suspendedBefore: (g.SuspendedProcesses ?? [])
            .map((p) => p.ProcessName!)
            .filter((p) => replaceProcesses.includes(p)),
        });
    }
    return { ...whereOf(aws), zone: target.name, instances: here.map((i) => i.id), groups };
  },
  async apply(ctx, _spec, _target, undo) {
    const { ec2, autoscaling } = clientsOf(ctx, undo);
    // Groups first: a stopped instance must never be seen unhealthy by a group still allowed to replace it.
    for (const g of undo.groups)
      await autoscaling.send(
        new SuspendProcessesCommand({ AutoScalingGroupName: g.name, ScalingProcesses: replaceProcesses }),
      );
    await stopInstances(ec2, undo.instances);
  },
  async revert(ctx, undo) {
    const { ec2, autoscaling } = clientsOf(ctx, undo);
    // Instances first, running before the groups judge their health again.
    await startInstances(ec2, undo.instances);
    for (const g of undo.groups) {
      const ours = replaceProcesses.filter((p) => !g.suspendedBefore.includes(p));
      if (ours.length > 0)
        await autoscaling
          .send(new ResumeProcessesCommand({ AutoScalingGroupName: g.name, ScalingProcesses: ours }))
          .catch((error: Error) => {
            // A group deleted meanwhile has nothing left to resume.
            if (!/not found/i.test(error.message)) throw error;
          });
    }
  },
  async verify(ctx, spec, target) {
    const undo = await azOutagePower.capture(ctx, spec, target);
    const { ec2 } = clientsOf(ctx, undo);
    const stop = await dryRun('ec2:StopInstances', () =>
      ec2.send(new StopInstancesCommand({ InstanceIds: undo.instances, DryRun: true })),
    );
    return [
      stop.line,
      'autoscaling:SuspendProcesses/ResumeProcesses: not checked (Auto Scaling has no DryRun)',
      `instances of ${undo.zone}: ${undo.instances.join(', ')}; groups: ${undo.groups.map((g) => g.name).join(', ') || '(none)'}`,
    ];
  },
};
