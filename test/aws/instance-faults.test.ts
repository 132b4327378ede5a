import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { expect } from 'chai';
import { hangAccount, hangLabel, hangScript } from '../../faults/aws/node-runtime-hang.ts';
import { replaceProcesses } from '../../faults/aws/replace-processes.ts';
import { ExitCode } from '../../src/errors.ts';
import { type BuiltCluster, buildEksctlCluster } from '../helpers/aws-clusters.ts';
import { AwsWorld } from '../helpers/aws-world.ts';
import { startGauntlet } from '../helpers/cli.ts';
import { crashMatrix, revertedBy } from '../helpers/crash-matrix.ts';
import { pollUntil } from '../helpers/wait.ts';

/** Power, stop and terminate faults against moto's EC2 and Auto Scaling, with the embedded cluster's Nodes. */
describe('aws instance faults: AZ power loss, stop, terminate (moto + embedded cluster)', () => {
  const world = new AwsWorld('awsinst');
  let eks: BuiltCluster;

  before(async () => {
    await world.start();
    eks = await buildEksctlCluster(world.clients, 'staging-eks');
  });

  after(async () => {
    await world.stop();
  });

  const inject = (kind: string, args: string[], config?: string) => world.injectArgs(kind, args, config);
  const states = async () => Object.fromEntries((await world.ec2State()).instances as [string, string][]);
  const suspended = async (group: string) =>
    (
      await world.clients.autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }),
      )
    )
      .AutoScalingGroups![0]!.SuspendedProcesses!.map((p) => p.ProcessName)
      .sort();
  const inZone = (zone: string) =>
    [...world.kops.controlPlane, ...world.kops.workers].filter((i) => i.zone === zone);
  const groupsIn = (zone: string) => world.kops.groups.filter((g) => g.includes(zone));

  async function expectAllRunningAndResumed() {
    const now = await states();
    for (const i of [...world.kops.controlPlane, ...world.kops.workers])
      expect(now[i.id], i.id).to.equal('running');
    for (const g of world.kops.groups) expect(await suspended(g), g).to.deep.equal([]);
  }

  it('aws-az-outage-power dry run: StopInstances answered DryRunOperation by moto, nothing changed', async () => {
    const before = await world.ec2State();
    const dry = await world.cli(inject('aws-az-outage-power', ['--zone', 'us-east-1b', '--dry-run']));
    expect(dry.exitCode, dry.stderr).to.equal(0);
    expect(dry.stdout).to.contain('ec2:StopInstances: allowed (DryRunOperation)');
    expect(dry.stdout).to.contain('autoscaling:SuspendProcesses/ResumeProcesses: not checked');
    expect(await world.ec2State()).to.deep.equal(before);
  });

  it('aws-az-outage-power stops every instance of the zone with its groups’ replace processes suspended; Ctrl-C starts them and resumes', async () => {
    const zone = 'us-east-1b';
    const harness = startGauntlet(inject('aws-az-outage-power', ['--zone', zone, '--for', '120']), world.env);
    await pollUntil(
      `every instance of ${zone} stopped`,
      async () => {
        const now = await states();
        return inZone(zone).every((i) => now[i.id] === 'stopped') ? true : undefined;
      },
      30_000,
    );
    for (const g of groupsIn(zone)) expect(await suspended(g), g).to.deep.equal([...replaceProcesses].sort());
    const now = await states();
    for (const i of [...inZone('us-east-1a'), ...inZone('us-east-1c')])
      expect(now[i.id], i.id).to.equal('running');
    for (const g of world.kops.groups.filter((g) => !g.includes(zone)))
      expect(await suspended(g), g).to.deep.equal([]);
    // moto's groups keep their stopped instances (nothing replaced them).
    for (const g of groupsIn(zone)) {
      const out = await world.clients.autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [g] }),
      );
      expect(out.AutoScalingGroups![0]!.Instances!.map((i) => i.InstanceId).sort()).to.deep.equal(
        inZone(zone)
          .filter((i) => i.group === g)
          .map((i) => i.id)
          .sort(),
      );
    }
    const result = await world.interrupt(harness);
    expect(result.exitCode, result.stderr).to.equal(ExitCode.Interrupted);
    await expectAllRunningAndResumed();
  });

  // Wherever the harness dies during a power loss, `gauntlet recover` (the ledger alone) starts every instance
  // and resumes the groups: at each of the engine's crash points, with the groups suspended but no instance
  // stopped yet, and with the instances started again but the groups still suspended.
  const powerCases = [
    ...crashMatrix,
    { point: 'aws-az-outage-power:groups-suspended', inEffect: false, pending: true },
    { point: 'aws-az-outage-power:instances-started', inEffect: false, pending: true },
  ];
  for (const { point, inEffect, pending } of powerCases) {
    it(`aws-az-outage-power SIGKILLed at ${point}: recover reverts ${pending ? 'it once' : 'nothing'}, every instance running, every group resumed`, async () => {
      const zone = 'us-east-1c';
      const killed = await world.cli(inject('aws-az-outage-power', ['--zone', zone, '--for', '0']), {
        GAUNTLET_CRASH_AT: point,
      });
      expect(killed.signal, `the harness should have been SIGKILLed at ${point}\n${killed.stderr}`).to.equal(
        'SIGKILL',
      );
      const now = await states();
      expect(
        inZone(zone).map((i) => now[i.id]),
        `the zone's instances when the harness died at ${point}`,
      ).to.deep.equal(inZone(zone).map(() => (inEffect ? 'stopped' : 'running')));
      if (point.endsWith(':groups-suspended') || point.endsWith(':instances-started'))
        for (const g of groupsIn(zone))
          expect(await suspended(g), g).to.deep.equal([...replaceProcesses].sort());
      const recover = await world.cli(['recover', '--cluster', world.cluster]);
      expect(recover.exitCode, recover.stderr).to.equal(0);
      expect(revertedBy(recover.stdout)).to.deep.equal(
        pending ? [`aws-az-outage-power on zone/${zone}`] : [],
      );
      await expectAllRunningAndResumed();
    });
  }

  // A worker stopped by its Node's name, its group kept from replacing it (a stopped instance fails the EC2
  // health check); SIGKILLed at each of the engine's crash points, `gauntlet recover` starts it again.
  for (const { point, inEffect, pending } of crashMatrix) {
    it(`aws-instance-stop by Node name, SIGKILLed at ${point}: recover reverts ${pending ? 'it once' : 'nothing'}, the instance running, its group resumed`, async () => {
      const worker = world.kops.workers.find((w) => w.zone === 'us-east-1a')!;
      const killed = await world.cli(
        inject('aws-instance-stop', ['--names', 'kwok-us-east-1a-0', '--for', '0']),
        { GAUNTLET_CRASH_AT: point },
      );
      expect(killed.signal, `the harness should have been SIGKILLed at ${point}\n${killed.stderr}`).to.equal(
        'SIGKILL',
      );
      expect((await states())[worker.id], `the worker when the harness died at ${point}`).to.equal(
        inEffect ? 'stopped' : 'running',
      );
      if (inEffect)
        expect(await suspended(worker.group), worker.group).to.deep.equal([...replaceProcesses].sort());
      const recover = await world.cli(['recover', '--cluster', world.cluster]);
      expect(recover.exitCode, recover.stderr).to.equal(0);
      expect(revertedBy(recover.stdout)).to.deep.equal(
        pending ? [`aws-instance-stop on instance/${worker.id}`] : [],
      );
      await expectAllRunningAndResumed();
    });
  }

  it('control-plane termination: the group replaces it, the replacement and a healthy API are timed', async () => {
    const cp = world.kops.controlPlane.find((i) => i.zone === 'us-east-1a')!;
    const result = await world.cli(
      inject('aws-instance-terminate', [
        '--role',
        'control-plane',
        '--zone',
        'us-east-1a',
        '--spec',
        '{"via":"autoscaling","waitForReplacementSeconds":60}',
        '--for',
        '0',
      ]),
    );
    expect(result.exitCode, result.stderr).to.equal(0);
    expect((await states())[cp.id]).to.equal('terminated');
    const group = await world.clients.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [cp.group] }),
    );
    const [replacement] = group.AutoScalingGroups![0]!.Instances!;
    expect(replacement?.InstanceId).to.not.equal(cp.id);
    expect(replacement?.LifecycleState).to.equal('InService');
    const runs = await readdir(world.out);
    const measurements = [];
    for (const run of runs)
      for (const f of await readdir(join(world.out, run)))
        if (f.startsWith('aws-instance-terminate-'))
          measurements.push(JSON.parse(await readFile(join(world.out, run, f), 'utf8')));
    expect(measurements).to.have.length(1);
    const m = measurements[0] as Record<string, number | string>;
    expect(m.replacement).to.equal(replacement?.InstanceId);
    expect(m.replacementMs).to.be.a('number').and.at.least(0);
    expect(m.apiHealthyMs)
      .to.be.a('number')
      .and.at.least(m.replacementMs as number);
    process.stdout.write(
      `      terminate -> replacement InService: ${m.replacementMs} ms; -> API healthy: ${m.apiHealthyMs} ms\n`,
    );
    // The discovery map no longer lists the terminated instance, and lists the replacement.
    const describe = await world.cli(['aws', 'describe', '-c', world.allowed, '--cluster', world.cluster]);
    expect(describe.stdout).to.not.contain(cp.id);
    expect(describe.stdout).to.contain(`${replacement?.InstanceId} running (no Node) asg/${cp.group}`);
  });

  it('a worker terminated through EC2 is gone; its revert changes nothing and leaves nothing to recover', async () => {
    const worker = world.kops.workers.find((w) => w.zone === 'us-east-1c')!;
    const result = await world.cli(
      inject('aws-instance-terminate', [
        '--names',
        worker.id,
        '--spec',
        '{"waitForReplacementSeconds":0}',
        '--for',
        '0',
      ]),
    );
    expect(result.exitCode, result.stderr).to.equal(0);
    expect((await states())[worker.id]).to.equal('terminated');
    expect(result.stderr).to.contain(`reverted aws-instance-terminate on instance/${worker.id}`);
    const recover = await world.cli(['recover', '--cluster', world.cluster]);
    expect(recover.stdout).to.contain('nothing to recover');
  });

  it('on an EKS (eksctl) cluster, control-plane termination is refused with the reason; nothing changes', async () => {
    const config = await world.config('eks', { allowedContexts: [world.context] }, { clusterName: eks.name });
    const before = await world.ec2State();
    const refused = await world.cli(
      inject('aws-instance-terminate', ['--role', 'control-plane', '--for', '0'], config),
    );
    expect(refused.exitCode).to.equal(ExitCode.Usage);
    expect(refused.stderr).to.contain(
      'target.role: cluster staging-eks has a managed control plane (EKS): AWS runs it outside the account, there is no instance to act on',
    );
    expect(await world.ec2State()).to.deep.equal(before);
  });

  it('node-runtime-hang on the embedded cluster: the pod object is privileged, hostPID, pinned, bounded; recover deletes it and its account', async () => {
    const node = 'kwok-us-east-1a-1';
    const killed = await world.cli(
      inject('node-runtime-hang', ['--names', node, '--spec', '{"maxDurationSeconds":120}', '--for', '0']),
      { GAUNTLET_CRASH_AT: 'after-applied-record' },
    );
    expect(killed.exitCode).to.not.equal(0);
    const pods = await world.kube.core.listNamespacedPod({
      namespace: 'kube-system',
      labelSelector: `${hangLabel}=node-runtime-hang`,
    });
    expect(pods.items).to.have.length(1);
    const pod = pods.items[0]!;
    const container = pod.spec!.containers[0]!;
    expect([
      pod.spec?.nodeName,
      pod.spec?.hostPID,
      pod.spec?.restartPolicy,
      pod.spec?.serviceAccountName,
    ]).to.deep.equal([node, true, 'Never', hangAccount]);
    expect(container.securityContext?.privileged).to.equal(true);
    expect(pod.spec?.tolerations).to.deep.equal([{ operator: 'Exists' }]);
    expect(container.command).to.deep.equal(['sh', '-c', hangScript]);
    const env = Object.fromEntries(
      (container.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]),
    );
    expect(env).to.include({ RUNTIME: 'containerd', MAX_SECONDS: '120', POD_NAME: 'metadata.name' });
    await world.kube.core.readNamespacedServiceAccount({ name: hangAccount, namespace: 'kube-system' });

    const recover = await world.cli(['recover', '--cluster', world.cluster]);
    expect(recover.exitCode, recover.stderr).to.equal(0);
    expect(recover.stdout).to.contain(`reverted node-runtime-hang on node/${node}`);
    await pollUntil(
      'the hang pod gone',
      async () => {
        const left = await world.kube.core.listNamespacedPod({
          namespace: 'kube-system',
          labelSelector: `${hangLabel}=node-runtime-hang`,
        });
        return left.items.length === 0 ? true : undefined;
      },
      30_000,
    );
    const account = await world.kube.core
      .readNamespacedServiceAccount({ name: hangAccount, namespace: 'kube-system' })
      .catch((e: { code?: number }) => e.code);
    expect(account).to.equal(404);
  });

  it('no credential appears in any output, log or artifact (the fake keys given to every command)', async () => {
    // One more command with every detail printed, to widen what is searched.
    await world.cli(inject('aws-az-outage-power', ['--zone', 'us-east-1a', '--dry-run']), {
      GAUNTLET_VERBOSE: '1',
    });
    const leaks = await world.credentialLeaks();
    expect(leaks).to.deep.equal([]);
    expect(world.outputs.length).to.be.above(5);
  });
});
