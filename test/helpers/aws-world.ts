import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, DescribeNetworkAclsCommand } from '@aws-sdk/client-ec2';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { ResultPromise } from 'execa';
import type { AwsClients } from '../../src/aws/clients.ts';
import { type Kube, kubeFromFile } from '../../src/kube/client.ts';
import type { LocalClusterSpec } from '../../src/model/local-cluster-spec.ts';
import { type BuiltCluster, buildKopsCluster } from './aws-clusters.ts';
import { type CliResult, gauntlet, isolatedStateDir } from './cli.ts';
import { fakeAccessKey, fakeSecretKey, Moto, motoAccount } from './moto.ts';

export const optInMarker = { namespace: 'kube-system', name: 'gauntlet-allow-destructive' };

/**
 * Both worlds for one test file: moto with a kops-like HA cluster, and a real embedded cluster (2 nodes per
 * zone) whose nodes carry the providerIDs of the moto workers of the same zone, plus one Node per
 * control-plane instance. Every CLI call goes through `cli`, which keeps its output for the secrets test.
 */
export class AwsWorld {
  readonly outputs: CliResult[] = [];
  moto!: Moto;
  clients!: AwsClients;
  kops!: BuiltCluster;
  kube!: Kube;
  spec!: LocalClusterSpec;
  state!: string;
  out!: string;
  context!: string;
  /** The config that allows everything; write others with config(). */
  allowed!: string;

  constructor(readonly cluster: string) {}

  async start(): Promise<void> {
    this.moto = await Moto.start();
    this.clients = this.moto.clients();
    this.kops = await buildKopsCluster(this.clients, 'staging.k8s.example.com');
    this.state = await isolatedStateDir();
    this.out = join(this.state, 'out');
    const up = await this.cli(['cluster', 'up', '--name', this.cluster, '--nodes-per-zone', '2']);
    expect(up.exitCode, up.stderr).to.equal(0);
    this.spec = JSON.parse(
      await readFile(join(this.state, 'clusters', this.cluster, 'cluster.json'), 'utf8'),
    ) as LocalClusterSpec;
    this.kube = kubeFromFile(this.spec.kubeconfig);
    this.context = this.kube.config.getCurrentContext();
    await this.giveNodesProviderIds();
    await this.kube.core.createNamespacedConfigMap({
      namespace: optInMarker.namespace,
      body: {
        metadata: { name: optInMarker.name },
        data: { owner: 'the cluster owner allows destructive faults' },
      },
    });
    this.allowed = await this.config('allowed', { allowedContexts: [this.context] });
  }

  async stop(): Promise<void> {
    if (this.spec) await this.cli(['cluster', 'down', '--name', this.cluster]);
    await this.moto?.stop();
  }

  get env(): Record<string, string> {
    return { GAUNTLET_STATE_DIR: this.state, ...this.moto.env };
  }

  async cli(args: string[], extraEnv: Record<string, string> = {}, timeoutMs?: number): Promise<CliResult> {
    const result = await gauntlet(args, { ...this.env, ...extraEnv }, timeoutMs);
    this.outputs.push(result);
    return result;
  }

  /** The arguments of `gauntlet fault inject <kind>` against this world's cluster, config and run directory. */
  injectArgs(kind: string, args: string[], config = this.allowed): string[] {
    return ['fault', 'inject', kind, ...args, '-c', config, '--cluster', this.cluster, '--out', this.out];
  }

  /** Ctrl-C to a harness started with startGauntlet: it reverts and exits; its output is kept like any other. */
  async interrupt(harness: ResultPromise): Promise<CliResult> {
    harness.kill('SIGINT');
    const done = await harness;
    const result = {
      exitCode: done.exitCode ?? -1,
      stdout: String(done.stdout),
      stderr: String(done.stderr),
    };
    this.outputs.push(result);
    return result;
  }

  /** Writes a config file with an aws section (overridable, or null for none) and a safety section. */
  async config(
    name: string,
    safety: { allowedContexts?: string[] },
    aws: Record<string, unknown> | null = {},
  ): Promise<string> {
    const file = join(this.state, `${name}.json`);
    const config: Record<string, unknown> = {
      apiVersion: 'gauntlet.dev/v1alpha1',
      kind: 'GauntletConfig',
      safety,
    };
    if (aws)
      config.aws = { region: 'us-east-1', accountId: motoAccount, clusterName: this.kops.name, ...aws };
    // JSON is YAML: the config loader reads it as is.
    await writeFile(file, JSON.stringify(config, null, 2));
    return file;
  }

  /** Kwok node n of zone z backs the n-th worker of z; each control-plane instance gets a kwok-played Node. */
  private async giveNodesProviderIds(): Promise<void> {
    const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    for (const zone of this.spec.config.zones) {
      const workers = this.kops.workers.filter((w) => w.zone === zone);
      for (const [n, worker] of workers.entries())
        await this.kube.core.patchNode(
          { name: `kwok-${zone}-${n}`, body: { spec: { providerID: `aws:///${zone}/${worker.id}` } } },
          mergePatch,
        );
    }
    for (const cp of this.kops.controlPlane)
      await this.kube.core.createNode({
        body: {
          metadata: {
            name: `control-plane-${cp.zone}`,
            labels: {
              'topology.kubernetes.io/zone': cp.zone,
              'topology.kubernetes.io/region': 'us-east-1',
              'node-role.kubernetes.io/control-plane': '',
            },
            annotations: { 'kwok.x-k8s.io/node': 'fake' },
          },
          spec: {
            providerID: `aws:///${cp.zone}/${cp.id}`,
            taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
          },
        },
      });
  }

  /** What an EC2 fault could change: NACLs with their tags, entries and associations; instance states; ASG processes. */
  async ec2State() {
    const acls = (
      await this.clients.ec2.send(
        new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [this.kops.vpcId] }] }),
      )
    )
      .NetworkAcls!.map((a) => ({
        id: a.NetworkAclId,
        tags: a.Tags,
        entries: a.Entries?.length,
        associations: (a.Associations ?? []).map((x) => [x.SubnetId, x.NetworkAclAssociationId]).sort(),
      }))
      .sort((a, b) => a.id!.localeCompare(b.id!));
    const instances = (await this.clients.ec2.send(new DescribeInstancesCommand({})))
      .Reservations!.flatMap((r) => r.Instances!.map((i) => [i.InstanceId, i.State?.Name]))
      .sort();
    const groups = (
      await this.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))
    ).AutoScalingGroups!.map((g) => [
      g.AutoScalingGroupName,
      (g.SuspendedProcesses ?? []).map((p) => p.ProcessName).sort(),
      g.Instances?.length,
    ]);
    return { acls, instances, groups };
  }

  /**
   * Every place a credential could leak to: the output of every CLI call so far, and every file under the
   * state directory (cluster logs, ledgers, run directories, measurements). Returns where the fake keys appear.
   */
  async credentialLeaks(): Promise<string[]> {
    const secrets = [fakeSecretKey, fakeAccessKey];
    const leaks: string[] = [];
    for (const [i, o] of this.outputs.entries())
      for (const secret of secrets)
        if (o.stdout.includes(secret) || o.stderr.includes(secret)) leaks.push(`output of CLI call ${i}`);
    const files = (await readdir(this.state, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
    for (const file of files) {
      const text = await readFile(file, 'latin1').catch(() => '');
      for (const secret of secrets) if (text.includes(secret)) leaks.push(file);
    }
    return leaks;
  }

  /** The NACL each subnet of the cluster is associated with now. */
  async aclBySubnet(): Promise<Record<string, string>> {
    const acls = await this.clients.ec2.send(
      new DescribeNetworkAclsCommand({ Filters: [{ Name: 'vpc-id', Values: [this.kops.vpcId] }] }),
    );
    const map: Record<string, string> = {};
    for (const acl of acls.NetworkAcls ?? [])
      for (const a of acl.Associations ?? []) map[a.SubnetId!] = acl.NetworkAclId!;
    return map;
  }
}
