import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeNetworkAclsCommand } from '@aws-sdk/client-ec2';
import { expect } from 'chai';
import { injectionTag } from '../../faults/aws/az-outage-nacl.ts';
import { ExitCode } from '../../src/errors.ts';
import { zones } from '../helpers/aws-clusters.ts';
import { AwsWorld, optInMarker } from '../helpers/aws-world.ts';
import { startGauntlet } from '../helpers/cli.ts';
import { crashMatrix, revertedBy } from '../helpers/crash-matrix.ts';
import { fakeSecretKey } from '../helpers/moto.ts';
import { pollUntil } from '../helpers/wait.ts';

/**
 * The AZ outage by network ACL against moto's EC2, with a real embedded cluster for the Kubernetes side
 * (Nodes matched by providerID, the opt-in marker, the kubeconfig context). Every change is checked in moto.
 */
describe('aws-az-outage-nacl: deny-all NACL on a zone, guarded, always reverted (moto + embedded cluster)', () => {
  const world = new AwsWorld('awsnacl');
  const zone = 'us-east-1a';
  let original: Record<string, string>;

  before(async () => {
    await world.start();
    original = await world.aclBySubnet();
  });

  after(async () => {
    await world.stop();
  });

  const inject = (args: string[], config?: string) => world.injectArgs('aws-az-outage-nacl', args, config);

  /** Every subnet back on its original NACL, and no NACL of ours left. */
  async function expectRestored() {
    expect(await world.aclBySubnet()).to.deep.equal(original);
    const ours = await world.clients.ec2.send(
      new DescribeNetworkAclsCommand({ Filters: [{ Name: 'tag-key', Values: [injectionTag] }] }),
    );
    expect(ours.NetworkAcls?.map((a) => a.NetworkAclId)).to.deep.equal([]);
  }

  it('`gauntlet aws describe` prints zone -> subnets, control-plane instances and the Nodes they back', async () => {
    const result = await world.cli(['aws', 'describe', '-c', world.allowed, '--cluster', world.cluster]);
    expect(result.exitCode, result.stderr).to.equal(0);
    for (const z of zones) {
      const cp = world.kops.controlPlane.find((i) => i.zone === z)!;
      expect(result.stdout).to.contain(`${z}:\n  subnets: ${world.kops.subnets[z]}\n`);
      expect(result.stdout).to.contain(
        `control plane: ${cp.id} running node/control-plane-${z} asg/${cp.group}`,
      );
      for (const [n, w] of world.kops.workers.filter((i) => i.zone === z).entries())
        expect(result.stdout).to.contain(`${w.id} running node/kwok-${z}-${n}`);
    }
    expect(result.stdout).to.not.contain('nodes with no instance here');
  });

  it('`gauntlet aws describe --no-nodes --json` is the EC2 map alone, as JSON, without reaching any cluster', async () => {
    // A cluster name that does not exist: with --no-nodes the command must not need one.
    const result = await world.cli([
      'aws',
      'describe',
      '-c',
      world.allowed,
      '--cluster',
      'no-such-cluster',
      '--no-nodes',
      '--json',
    ]);
    expect(result.exitCode, result.stderr).to.equal(0);
    const map = JSON.parse(result.stdout) as {
      zones: Record<string, { subnets: string[] }>;
      instances: { id: string; zone: string; role: string; node?: string }[];
    };
    expect(Object.keys(map.zones).sort()).to.deep.equal([...zones].sort());
    for (const z of zones) expect(map.zones[z]!.subnets).to.deep.equal([world.kops.subnets[z]]);
    const expected = [...world.kops.controlPlane, ...world.kops.workers].map((i) => i.id).sort();
    expect(map.instances.map((i) => i.id).sort()).to.deep.equal(expected);
    expect(
      map.instances.filter((i) => i.node !== undefined),
      'instances matched to Nodes',
    ).to.deep.equal([]);
  });

  it('a dry run sends the EC2 calls with DryRun, prints the plan and the guards, and changes nothing in moto', async () => {
    const before = await world.ec2State();
    const dry = await world.cli(inject(['--zone', zone, '--dry-run']));
    expect(dry.exitCode, dry.stderr).to.equal(0);
    expect(dry.stdout).to.contain(`cluster subnet of zone ${zone}`);
    // moto ignores DryRun for network ACLs (it honours it for instances): the dry run notices and undoes.
    expect(dry.stdout).to.contain(
      'ec2:CreateNetworkAcl: the endpoint ignored DryRun and acted; undone at once',
    );
    expect(dry.stdout).to.contain(
      'ec2:ReplaceNetworkAclAssociation: not checked (the endpoint ignores DryRun)',
    );
    expect(dry.stdout).to.contain(
      'ec2:CreateNetworkAclEntry, ec2:DeleteNetworkAcl: not checkable before the deny-all NACL exists',
    );
    expect(dry.stdout).to.contain(
      `subnets of ${zone}: ${world.kops.subnets[zone]} (on ${original[world.kops.subnets[zone]!]})`,
    );
    expect(dry.stdout).to.contain('guards: all hold');
    expect(await world.ec2State()).to.deep.equal(before);
  });

  describe('guards: each refusal lists exactly what is missing, exit 2, nothing changed in moto', () => {
    const cases: {
      name: string;
      setup: () => Promise<{ config: string; undo?: () => Promise<void> }>;
      missing: RegExp[];
    }[] = [
      {
        name: 'context not in safety.allowedContexts',
        setup: async () => ({ config: await world.config('no-context', {}) }),
        missing: [/safety\.allowedContexts: the kubeconfig context "[^"]+" is not listed/],
      },
      {
        name: 'no opt-in marker on the cluster',
        setup: async () => {
          await world.kube.core.deleteNamespacedConfigMap(optInMarker);
          return {
            config: world.allowed,
            undo: async () => {
              await world.kube.core.createNamespacedConfigMap({
                namespace: optInMarker.namespace,
                body: { metadata: { name: optInMarker.name } },
              });
            },
          };
        },
        missing: [/cluster: no opt-in ConfigMap kube-system\/gauntlet-allow-destructive/],
      },
      {
        name: 'another account id',
        setup: async () => ({
          config: await world.config(
            'account',
            { allowedContexts: [world.context] },
            { accountId: '210987654321' },
          ),
        }),
        missing: [
          /aws\.accountId: the credentials are for account 123456789012, the config names 210987654321/,
        ],
      },
      {
        name: 'another region',
        setup: async () => ({
          config: await world.config('region', { allowedContexts: [world.context] }, { region: 'eu-west-1' }),
        }),
        missing: [
          /aws\.region: AWS_REGION is us-east-1, the config names eu-west-1/,
          /aws\.region: the cluster's nodes are in us-east-1, the config names eu-west-1/,
        ],
      },
      {
        name: 'no aws section',
        setup: async () => ({
          config: await world.config('no-aws', { allowedContexts: [world.context] }, null),
        }),
        missing: [/aws: the config has no aws section/],
      },
      {
        name: 'everything at once',
        setup: async () => {
          await world.kube.core.deleteNamespacedConfigMap(optInMarker);
          return {
            config: await world.config('nothing', {}, { accountId: '210987654321' }),
            undo: async () => {
              await world.kube.core.createNamespacedConfigMap({
                namespace: optInMarker.namespace,
                body: { metadata: { name: optInMarker.name } },
              });
            },
          };
        },
        missing: [/safety\.allowedContexts/, /no opt-in ConfigMap/, /aws\.accountId/],
      },
    ];
    for (const c of cases) {
      it(`refuses: ${c.name}`, async () => {
        const before = await world.ec2State();
        const { config, undo } = await c.setup();
        try {
          const refused = await world.cli(inject(['--zone', zone, '--for', '0'], config));
          expect(refused.exitCode, refused.stderr).to.equal(ExitCode.Usage);
          expect(refused.stderr).to.contain(
            'refusing aws-az-outage-nacl: destructive AWS faults need an explicit allow; missing:',
          );
          const listed = refused.stderr.split('\n').filter((l) => l.startsWith('  - '));
          expect(listed, refused.stderr).to.have.length(c.missing.length);
          for (const [i, pattern] of c.missing.entries()) expect(listed[i]).to.match(pattern);
          // The dry run applies the same guard: refused alike (same exit code, same list), never saying a real
          // run would proceed (where it got as far as the plan, it says the real run would be refused).
          const dry = await world.cli(inject(['--zone', zone, '--for', '0', '--dry-run'], config));
          expect(dry.exitCode, dry.stderr).to.equal(ExitCode.Usage);
          expect(dry.stdout).to.not.contain('guards: all hold');
          if (dry.stdout.includes('dry run:'))
            expect(dry.stdout).to.contain('guards: a real run would be refused; missing:');
          expect(dry.stderr.split('\n').filter((l) => l.startsWith('  - '))).to.deep.equal(listed);
        } finally {
          await undo?.();
        }
        expect(await world.ec2State()).to.deep.equal(before);
      });
    }
  });

  it('inject swaps every cluster subnet of the zone to a tagged deny-all NACL, other zones untouched; Ctrl-C reverts it all', async () => {
    const subnet = world.kops.subnets[zone]!;
    const harness = startGauntlet(inject(['--zone', zone, '--for', '120']), world.env);
    const denyAcl = await pollUntil(
      `subnet ${subnet} to leave its original NACL`,
      async () => {
        const now = await world.aclBySubnet();
        return now[subnet] !== original[subnet] ? now[subnet] : undefined;
      },
      30_000,
    );
    const acl = (await world.clients.ec2.send(new DescribeNetworkAclsCommand({ NetworkAclIds: [denyAcl!] })))
      .NetworkAcls![0]!;
    const tags = Object.fromEntries((acl.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags[injectionTag]).to.be.a('string');
    expect(tags['gauntlet.dev/run-id']).to.match(/^fault-/);
    const denies = (acl.Entries ?? []).filter((e) => e.RuleAction === 'deny' && e.Protocol === '-1');
    expect(denies.map((e) => [e.Egress, e.CidrBlock ?? e.Ipv6CidrBlock]).sort()).to.deep.include.members([
      [false, '0.0.0.0/0'],
      [true, '0.0.0.0/0'],
    ]);
    const now = await world.aclBySubnet();
    for (const z of zones.filter((z) => z !== zone))
      expect(now[world.kops.subnets[z]!], `subnet of ${z}`).to.equal(original[world.kops.subnets[z]!]);

    const result = await world.interrupt(harness);
    expect(result.exitCode, result.stderr).to.equal(ExitCode.Interrupted);
    expect(result.stderr).to.contain(`reverted aws-az-outage-nacl on zone/${zone}`);
    await expectRestored();
  });

  // Wherever the harness dies, `gauntlet recover` puts every subnet back and deletes the deny-all NACL: at each of
  // the engine's crash points and at the fault's own steps (the NACL made but no subnet moved yet, the subnet
  // moved, the subnets restored but the NACL not yet deleted). It recovers from the ledger alone (no config:
  // region and endpoint come from the journaled undo and the environment).
  const subnet = () => world.kops.subnets[zone]!;
  const cases = [
    ...crashMatrix,
    { point: 'aws-az-outage-nacl:acl-created', inEffect: false, pending: true },
    { point: 'aws-az-outage-nacl:subnet-moved', inEffect: true, pending: true },
    { point: 'aws-az-outage-nacl:subnets-restored', inEffect: false, pending: true },
  ];
  for (const { point, inEffect, pending } of cases) {
    it(`SIGKILLed at ${point}: recover reverts ${pending ? 'the outage once' : 'nothing'}; every association back, no NACL of ours`, async () => {
      const killed = await world.cli(inject(['--zone', zone, '--for', '0']), { GAUNTLET_CRASH_AT: point });
      expect(killed.signal, `the harness should have been SIGKILLed at ${point}\n${killed.stderr}`).to.equal(
        'SIGKILL',
      );
      expect(
        (await world.aclBySubnet())[subnet()] !== original[subnet()],
        `the subnet off its ACL when the harness died at ${point}`,
      ).to.equal(inEffect);
      const recover = await world.cli(['recover', '--cluster', world.cluster]);
      expect(recover.exitCode, recover.stderr).to.equal(0);
      expect(revertedBy(recover.stdout)).to.deep.equal(pending ? [`aws-az-outage-nacl on zone/${zone}`] : []);
      await expectRestored();
      const again = await world.cli(['recover', '--cluster', world.cluster]);
      expect(again.stdout).to.contain('nothing to recover');
    });
  }

  it('a zone the cluster has nothing in is refused, naming the field', async () => {
    const result = await world.cli(inject(['--zone', 'us-east-1f', '--for', '0']));
    expect(result.exitCode).to.equal(ExitCode.Usage);
    expect(result.stderr).to.contain(
      'target.zone: cluster staging.k8s.example.com has nothing in us-east-1f',
    );
    await expectRestored();
  });

  // Last (nested suites run after the plain tests): every command of the file has run by then.
  describe('afterwards', () => {
    it('no credential appears in any output, log or artifact (the fake keys given to every command)', async () => {
      // One more command with every detail printed, to widen what is searched.
      await world.cli(inject(['--zone', zone, '--dry-run']), { GAUNTLET_VERBOSE: '1' });
      const leaks = await world.credentialLeaks();
      expect(leaks).to.deep.equal([]);
      // The search itself finds a key where there is one.
      const canary = join(world.out, 'canary.log');
      await writeFile(canary, `x ${fakeSecretKey} x`);
      expect(await world.credentialLeaks()).to.deep.equal([canary]);
      await rm(canary);
      expect(world.outputs.length).to.be.above(5);
    });
  });
});
