import {
  type AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { z } from 'zod';

/**
 * The Auto Scaling processes that would replace a stopped instance: its failed EC2 health check marks it
 * unhealthy (HealthCheck), the group replaces it (ReplaceUnhealthy), or rebalances the zones (AZRebalance).
 * Launch stays on, so the group can still scale elsewhere, as it would in a real outage.
 */
export const replaceProcesses = ['HealthCheck', 'ReplaceUnhealthy', 'AZRebalance'];

/** A group whose replace processes a fault suspends, and which of them were suspended already (left so). */
export const heldGroupSchema = z.object({ name: z.string().min(1), suspendedBefore: z.array(z.string()) });
export type HeldGroup = z.infer<typeof heldGroupSchema>;

/** Captures, for the undo data, which replace processes each group has suspended already. */
export async function heldGroups(autoscaling: AutoScalingClient, names: string[]): Promise<HeldGroup[]> {
  if (names.length === 0) return [];
  const out = await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: names }));
  return (out.AutoScalingGroups ?? []).map((g) => ({
    name: g.AutoScalingGroupName!,
    suspendedBefore: (g.SuspendedProcesses ?? [])
      .map((p) => p.ProcessName!)
      .filter((p) => replaceProcesses.includes(p)),
  }));
}

export async function suspendReplacement(autoscaling: AutoScalingClient, groups: HeldGroup[]): Promise<void> {
  for (const g of groups)
    await autoscaling.send(
      new SuspendProcessesCommand({ AutoScalingGroupName: g.name, ScalingProcesses: replaceProcesses }),
    );
}

/** Resumes only what the fault suspended; a group deleted meanwhile has nothing left to resume. */
export async function resumeReplacement(autoscaling: AutoScalingClient, groups: HeldGroup[]): Promise<void> {
  for (const g of groups) {
    const ours = replaceProcesses.filter((p) => !g.suspendedBefore.includes(p));
    if (ours.length === 0) continue;
    await autoscaling
      .send(new ResumeProcessesCommand({ AutoScalingGroupName: g.name, ScalingProcesses: ours }))
      .catch((error: Error) => {
        if (!/not found/i.test(error.message)) throw error;
      });
  }
}
