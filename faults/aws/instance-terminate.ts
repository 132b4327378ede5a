import {
  DescribeAutoScalingGroupsCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { discoverCluster } from '../../src/aws/discovery.ts';
import { ConfigError, InfrastructureError } from '../../src/errors.ts';
import type { Fault } from '../fault.ts';
import { awsWhereSchema, clientsOf, dryRun, requireAws, whereOf } from './aws-fault-context.ts';

const spec = z.strictObject({
  /**
   * ec2: TerminateInstances, as a lost machine looks (the group notices at its next health check);
   * autoscaling: TerminateInstanceInAutoScalingGroup without decrementing, so the group replaces it at once.
   */
  via: z.enum(['ec2', 'autoscaling']).default('ec2'),
  /** How long to wait for the group's replacement (and, for the control plane, a healthy API); 0: do not wait. */
  waitForReplacementSeconds: z.number().int().min(0).max(3600).default(900),
});

const undo = awsWhereSchema.extend({
  instanceId: z.string().min(1),
  role: z.string(),
  node: z.string().optional(),
  group: z.string().optional(),
  /** The group's instances before: a replacement is one not among them. */
  groupBefore: z.array(z.string()),
});
type Undo = z.infer<typeof undo>;

/** Named polling interval: Auto Scaling has no event to watch from outside the account. */
const pollMs = 2000;

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new InfrastructureError(`${what}: not seen after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Terminates one instance of the cluster: a control-plane member (refused on a managed control plane, where
 * there is none to terminate) or a node. Then, bounded by waitForReplacementSeconds, waits for its Auto Scaling
 * group to bring a replacement InService and, for the control plane, for the API to answer, and measures both
 * times. Termination cannot be undone: revert changes nothing; the group's replacement is the recovery.
 */
export const instanceTerminate: Fault<z.infer<typeof spec>, Undo> = {
  kind: 'aws-instance-terminate',
  undo,
  summary: 'an EC2 instance of the cluster (control plane or node) is terminated; measures its replacement',
  spec,
  targets: 'instance',
  backend: 'aws',
  describe: (s, target) =>
    target.kind === 'instance'
      ? `terminate EC2 instance ${target.name} (${target.role} in ${target.zone}${target.node ? `, node/${target.node}` : ''}) via ${s.via}` +
        (s.waitForReplacementSeconds > 0
          ? `, then wait up to ${s.waitForReplacementSeconds} s for its group's replacement${target.role === 'control-plane' ? ' and a healthy API' : ''}`
          : '') +
        '; irreversible (revert changes nothing)'
      : '?',
  async capture(ctx, _spec, target) {
    const aws = requireAws(ctx, 'aws-instance-terminate');
    if (target.kind !== 'instance') throw new ConfigError('aws-instance-terminate acts on instances');
    const map = await discoverCluster(aws.clients, aws.config.clusterName, undefined, aws.config.provisioner);
    if (target.role === 'control-plane' && map.managedControlPlane)
      throw new ConfigError(
        `target: cluster ${map.cluster} has a managed control plane (EKS), which AWS runs outside the account`,
      );
    const group = map.instances.find((i) => i.id === target.name)?.autoScalingGroup;
    let groupBefore: string[] = [];
    if (group) {
      const out = await aws.clients.autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }),
      );
      groupBefore = (out.AutoScalingGroups?.[0]?.Instances ?? []).map((i) => i.InstanceId!);
    }
    return {
      ...whereOf(aws),
      instanceId: target.name,
      role: target.role,
      ...(target.node ? { node: target.node } : {}),
      ...(group ? { group } : {}),
      groupBefore,
    };
  },
  async apply(ctx, s, _target, undo) {
    const { ec2, autoscaling } = clientsOf(ctx, undo);
    if (s.via === 'autoscaling' && !undo.group)
      throw new ConfigError(`spec.via: instance ${undo.instanceId} belongs to no Auto Scaling group`);
    const terminatedAt = Date.now();
    if (s.via === 'autoscaling')
      await autoscaling.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: undo.instanceId,
          ShouldDecrementDesiredCapacity: false,
        }),
      );
    else await ec2.send(new TerminateInstancesCommand({ InstanceIds: [undo.instanceId] }));
    const measured: Record<string, unknown> = { instance: undo.instanceId, role: undo.role, terminatedAt };
    if (s.waitForReplacementSeconds === 0 || !undo.group) return measured;
    const timeoutMs = s.waitForReplacementSeconds * 1000;
    const replacement = await until(
      `a replacement for ${undo.instanceId} InService in group ${undo.group}`,
      async () => {
        const out = await autoscaling.send(
          new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [undo.group!] }),
        );
        return (out.AutoScalingGroups?.[0]?.Instances ?? []).find(
          (i) => !undo.groupBefore.includes(i.InstanceId!) && i.LifecycleState === 'InService',
        )?.InstanceId;
      },
      timeoutMs,
    );
    measured.replacement = replacement;
    measured.replacementInServiceAt = Date.now();
    measured.replacementMs = (measured.replacementInServiceAt as number) - terminatedAt;
    if (undo.role === 'control-plane') {
      await until(
        'a healthy API (/readyz)',
        async () => ((await ctx.kube.version.getCode()).gitVersion ? true : undefined),
        Math.max(0, terminatedAt + timeoutMs - Date.now()),
      );
      measured.apiHealthyAt = Date.now();
      measured.apiHealthyMs = (measured.apiHealthyAt as number) - terminatedAt;
    }
    return measured;
  },
  async revert() {
    // Nothing to undo: a terminated instance is gone; its group's replacement is the recovery apply measured.
  },
  async verify(ctx, s, target) {
    const undo = await instanceTerminate.capture(ctx, s, target);
    const { ec2 } = clientsOf(ctx, undo);
    const lines = [
      (
        await dryRun('ec2:TerminateInstances', () =>
          ec2.send(new TerminateInstancesCommand({ InstanceIds: [undo.instanceId], DryRun: true })),
        )
      ).line,
    ];
    if (s.via === 'autoscaling')
      lines.push('autoscaling:TerminateInstanceInAutoScalingGroup: not checked (Auto Scaling has no DryRun)');
    return lines;
  },
};
