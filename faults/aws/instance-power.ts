import {
  DescribeInstancesCommand,
  type EC2Client,
  StartInstancesCommand,
  StopInstancesCommand,
  waitUntilInstanceRunning,
  waitUntilInstanceStopped,
} from '@aws-sdk/client-ec2';

/** The state of each instance that still exists (terminated ones are gone for good and left out). */
export async function instanceStates(ec2: EC2Client, ids: string[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  if (ids.length === 0) return states;
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
  for (const r of out.Reservations ?? [])
    for (const i of r.Instances ?? [])
      if (i.State?.Name !== 'terminated') states.set(i.InstanceId!, i.State!.Name!);
  return states;
}

/** How long a revert waits for EC2 to finish stopping or starting an instance (real instances take minutes). */
const waitSeconds = 600;

export async function stopInstances(ec2: EC2Client, ids: string[]): Promise<void> {
  if (ids.length > 0) await ec2.send(new StopInstancesCommand({ InstanceIds: ids }));
}

/**
 * Starts the instances that are stopped or stopping, waiting (SDK waiter, bounded) for a stopping one to stop
 * first, since EC2 refuses to start it before; then waits until all run. Running ones are left alone, so a
 * second revert changes nothing.
 */
export async function startInstances(ec2: EC2Client, ids: string[]): Promise<void> {
  const states = await instanceStates(ec2, ids);
  const stopping = ids.filter((id) => states.get(id) === 'stopping');
  if (stopping.length > 0)
    await waitUntilInstanceStopped({ client: ec2, maxWaitTime: waitSeconds }, { InstanceIds: stopping });
  const down = ids.filter((id) => ['stopped', 'stopping'].includes(states.get(id) ?? ''));
  if (down.length === 0) return;
  await ec2.send(new StartInstancesCommand({ InstanceIds: down }));
  await waitUntilInstanceRunning({ client: ec2, maxWaitTime: waitSeconds }, { InstanceIds: down });
}
