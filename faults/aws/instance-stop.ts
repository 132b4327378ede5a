import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { ConfigError } from '../../src/errors.ts';
import type { Fault } from '../fault.ts';
import { type AwsWhere, clientsOf, dryRun, requireAws, whereOf } from './aws-fault-context.ts';
import { startInstances, stopInstances } from './instance-power.ts';

interface Undo extends AwsWhere {
  instanceId: string;
  node?: string;
}

/** A node (or control-plane instance) is powered off: EC2 StopInstances; revert starts it and waits until it runs. */
export const instanceStop: Fault<Record<string, never>, Undo> = {
  kind: 'aws-instance-stop',
  summary: 'an EC2 instance of the cluster (node or control plane) is stopped; revert starts it',
  spec: z.strictObject({}),
  targets: 'instance',
  backend: 'aws',
  describe: (_spec, target) =>
    target.kind === 'instance'
      ? `stop EC2 instance ${target.name} (${target.role} in ${target.zone}${target.node ? `, node/${target.node}` : ''}); revert starts it`
      : '?',
  async capture(ctx, _spec, target) {
    const aws = requireAws(ctx, 'aws-instance-stop');
    if (target.kind !== 'instance') throw new ConfigError('aws-instance-stop acts on instances');
    return { ...whereOf(aws), instanceId: target.name, ...(target.node ? { node: target.node } : {}) };
  },
  async apply(ctx, _spec, _target, undo) {
    await stopInstances(clientsOf(ctx, undo).ec2, [undo.instanceId]);
  },
  async revert(ctx, undo) {
    await startInstances(clientsOf(ctx, undo).ec2, [undo.instanceId]);
  },
  async verify(ctx, _spec, target) {
    const undo = await instanceStop.capture(ctx, _spec, target);
    const { ec2 } = clientsOf(ctx, undo);
    const stop = await dryRun('ec2:StopInstances', () =>
      ec2.send(new StopInstancesCommand({ InstanceIds: [undo.instanceId], DryRun: true })),
    );
    return [stop.line];
  },
};
