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

/**
 * The SDK's waiters, bounded: a real instance takes up to minutes to stop or start; polled from every 2 s
 * (the waiter's default first delay, 15 s, would add 15 s to every revert) backing off to 15 s.
 */
const waiter = (ec2: EC2Client) => ({ client: ec2, maxWaitTime: 600, minDelay: 2, maxDelay: 15 });

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
  if (stopping.length > 0) await waitUntilInstanceStopped(waiter(ec2), { InstanceIds: stopping });
  const down = ids.filter((id) => ['stopped', 'stopping'].includes(states.get(id) ?? ''));
  if (down.length === 0) return;
  await ec2.send(new StartInstancesCommand({ InstanceIds: down }));
  await waitUntilInstanceRunning(waiter(ec2), { InstanceIds: down });
}
