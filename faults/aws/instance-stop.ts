import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { ConfigError } from '../../src/errors.ts';
import type { Fault } from '../fault.ts';
import { awsWhereSchema, clientsOf, dryRun, requireAws, whereOf } from './aws-fault-context.ts';
import { startInstances, stopInstances } from './instance-power.ts';
import {
  heldGroupSchema,
  heldGroups,
  replaceProcesses,
  resumeReplacement,
  suspendReplacement,
} from './replace-processes.ts';

const undo = awsWhereSchema.extend({
  instanceId: z.string().min(1),
  node: z.string().optional(),
  /** The instance's Auto Scaling group, whose replace processes are suspended while it is stopped. */
  groups: z.array(heldGroupSchema),
});
type Undo = z.infer<typeof undo>;

/**
 * A node (or control-plane instance) is powered off: EC2 StopInstances. Its Auto Scaling group's replace
 * processes are suspended first, or the group's health check would terminate and replace the stopped
 * instance, and the revert would find nothing to start. Revert starts it (waiting until it runs), then
 * resumes only what it suspended.
 */
export const instanceStop: Fault<Record<string, never>, Undo> = {
  kind: 'aws-instance-stop',
  undo,
  summary: 'an EC2 instance of the cluster (node or control plane) is stopped; revert starts it',
  spec: z.strictObject({}),
  targets: 'instance',
  backend: 'aws',
  describe: (_spec, target) =>
    target.kind === 'instance'
      ? `suspend ${replaceProcesses.join(', ')} of its Auto Scaling group, stop EC2 instance ${target.name} (${target.role} in ${target.zone}${target.node ? `, node/${target.node}` : ''}); revert starts it and resumes them`
      : '?',
  async capture(ctx, _spec, target) {
    const aws = requireAws(ctx, 'aws-instance-stop');
    if (target.kind !== 'instance') throw new ConfigError('aws-instance-stop acts on instances');
    // Discovery, which selected the target, already knows its group.
    const groups = await heldGroups(
      aws.clients.autoscaling,
      target.autoScalingGroup ? [target.autoScalingGroup] : [],
    );
    return {
      ...whereOf(aws),
      instanceId: target.name,
      ...(target.node ? { node: target.node } : {}),
      groups,
    };
  },
  async apply(ctx, _spec, _target, undo) {
    const { ec2, autoscaling } = clientsOf(ctx, undo);
    await suspendReplacement(autoscaling, undo.groups);
    await stopInstances(ec2, [undo.instanceId]);
  },
  async revert(ctx, undo) {
    const { ec2, autoscaling } = clientsOf(ctx, undo);
    await startInstances(ec2, [undo.instanceId]);
    // Undo data journaled before this field existed has no groups.
    await resumeReplacement(autoscaling, undo.groups ?? []);
  },
  async verify(ctx, _spec, target) {
    const undo = await instanceStop.capture(ctx, _spec, target);
    const { ec2 } = clientsOf(ctx, undo);
    const stop = await dryRun('ec2:StopInstances', () =>
      ec2.send(new StopInstancesCommand({ InstanceIds: [undo.instanceId], DryRun: true })),
    );
    return [
      stop.line,
      'autoscaling:SuspendProcesses/ResumeProcesses: not checked (Auto Scaling has no DryRun)',
      `groups: ${undo.groups.map((g) => g.name).join(', ') || '(none)'}`,
    ];
  },
};
