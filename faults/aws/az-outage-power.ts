import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { discoverCluster } from '../../src/aws/discovery.ts';
import { ConfigError } from '../../src/errors.ts';
import { crashPoint } from '../engine/crash-point.ts';
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
  zone: z.string().min(1),
  /** The cluster's instances of the zone that were running: only these are stopped, and started again. */
  instances: z.array(z.string().min(1)),
  /** Each Auto Scaling group with an instance there, and which replace processes were suspended already. */
  groups: z.array(heldGroupSchema),
});
type Undo = z.infer<typeof undo>;

/**
 * An availability zone loses power: every running instance of the cluster in the zone is stopped, control
 * plane and workers alike, and the Auto Scaling groups holding them have their replace processes suspended so
 * the stopped instances are neither replaced nor rebalanced away. Revert starts them again (waiting until
 * they run), then resumes only the processes this fault suspended.
 */
export const azOutagePower: Fault<Record<string, never>, Undo> = {
  kind: 'aws-az-outage-power',
  undo,
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
    const groups = await heldGroups(aws.clients.autoscaling, names);
    return { ...whereOf(aws), zone: target.name, instances: here.map((i) => i.id), groups };
  },
  async apply(ctx, _spec, _target, undo) {
    const { ec2, autoscaling } = clientsOf(ctx, undo);
    // Groups first: a stopped instance must never be seen unhealthy by a group still allowed to replace it.
    await suspendReplacement(autoscaling, undo.groups);
    crashPoint('aws-az-outage-power:groups-suspended');
    await stopInstances(ec2, undo.instances);
  },
  async revert(ctx, undo) {
    const { ec2, autoscaling } = clientsOf(ctx, undo);
    // Instances first, running before the groups judge their health again.
    await startInstances(ec2, undo.instances);
    crashPoint('aws-az-outage-power:instances-started');
    await resumeReplacement(autoscaling, undo.groups);
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
