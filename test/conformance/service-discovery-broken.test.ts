import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../../src/errors.ts';
import { gauntlet, isolatedStateDir } from '../helpers/cli.ts';

interface Summary {
  tests: { suite: string; title: string; state: 'passed' | 'failed' | 'pending'; error?: string }[];
}

/** The state of each [ServiceDiscovery] check in a run, by check name. */
type Verdicts = Record<string, { state: string; error?: string }>;

/**
 * The service-discovery checks against real embedded clusters: a healthy one passes them all, and clusters
 * broken on purpose through the provisioner's configuration fail exactly the checks that cover what broke,
 * with a message naming the object and the expectation, while the unrelated checks still pass.
 */
describe('[ServiceDiscovery] checks on healthy and broken embedded clusters', () => {
  let env: Record<string, string>;
  let state: string;

  before(async () => {
    state = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
  });

  /** Brings up a small cluster (1 node per zone: three nodes) with the given config YAML, if any. */
  async function up(name: string, config?: string): Promise<void> {
    const args = ['cluster', 'up', '--name', name, '--nodes-per-zone', '1'];
    if (config) {
      const file = join(state, `${name}.yaml`);
      await writeFile(file, `apiVersion: gauntlet.dev/v1alpha1\nkind: GauntletConfig\n${config}`);
      args.push('--config', file);
    }
    const result = await gauntlet(args, env);
    expect(result.exitCode, result.stderr).to.equal(0);
  }

  async function down(name: string): Promise<void> {
    await gauntlet(['cluster', 'down', '--name', name], env);
  }

  async function runChecks(cluster: string, grep: string): Promise<{ exitCode: number; verdicts: Verdicts }> {
    const out = join(state, `out-${cluster}`);
    const run = await gauntlet(
      ['run', '--cluster', cluster, '--suite', 'conformance', '--grep', grep, '--out', out],
      env,
    );
    const [runDir] = await readdir(out);
    const summary = JSON.parse(await readFile(join(out, runDir!, 'summary.json'), 'utf8')) as Summary;
    const verdicts: Verdicts = {};
    for (const t of summary.tests) {
      const check = /^\[ServiceDiscovery\] (\S+)$/.exec(t.suite)?.[1];
      if (check) verdicts[check] = { state: t.state, ...(t.error ? { error: t.error } : {}) };
    }
    return { exitCode: run.exitCode, verdicts };
  }

  describe('a healthy cluster', () => {
    before(() => up('sd-healthy'));
    after(() => down('sd-healthy'));

    it('passes every [ServiceDiscovery] check, and says why the environment-variable check is skipped', async () => {
      const { exitCode, verdicts } = await runChecks('sd-healthy', '\\[ServiceDiscovery\\]');
      expect(exitCode, JSON.stringify(verdicts, null, 2)).to.equal(ExitCode.Passed);
      expect(verdicts).to.deep.equal({
        'cluster-ip': { state: 'passed' },
        'endpoint-slices': { state: 'passed' },
        'headless-service': { state: 'passed' },
        'named-ports': { state: 'passed' },
        'dns-service-records': { state: 'passed' },
        'dns-headless-records': { state: 'passed' },
        'service-environment': { state: 'pending' },
      });
    });
  });

  describe('the EndpointSlice controller disabled', () => {
    before(() =>
      up(
        'sd-no-slices',
        'cluster:\n  local:\n    components:\n      kube-controller-manager:\n        extraArgs: ["--controllers=*,-endpointslice-controller"]\n',
      ),
    );
    after(() => down('sd-no-slices'));

    it('fails endpoint-slices naming the Service and the pods it misses; cluster-ip and service DNS still pass', async () => {
      const { exitCode, verdicts } = await runChecks(
        'sd-no-slices',
        '\\[ServiceDiscovery\\] (endpoint-slices|cluster-ip|dns-service-records)',
      );
      expect(exitCode).to.equal(ExitCode.CheckFailed);
      expect(verdicts['cluster-ip']?.state).to.equal('passed');
      expect(verdicts['dns-service-records']?.state).to.equal('passed');
      expect(verdicts['endpoint-slices']?.state).to.equal('failed');
      const error = verdicts['endpoint-slices']?.error ?? '';
      expect(error).to.match(
        /EndpointSlices of Service gauntlet-endpoint-slices-\S+\/web: pod \S+ \(10\.\d+\.\d+\.\d+, Ready\) is not listed/,
      );
      expect(error).to.contain('expected exactly the 2 pods its selector picks (2 ready) in 0 slices seen');
      expect(error).to.match(/waited \d+\.\d s/);
    });
  });

  describe('CoreDNS serving another cluster domain', () => {
    before(() => up('sd-wrong-domain', 'cluster:\n  local:\n    dns:\n      servedDomain: other.local\n'));
    after(() => down('sd-wrong-domain'));

    it('fails dns-service-records naming the name asked and the answer expected; EndpointSlice checks still pass', async () => {
      const { exitCode, verdicts } = await runChecks(
        'sd-wrong-domain',
        '\\[ServiceDiscovery\\] (dns-service-records|endpoint-slices|cluster-ip)',
      );
      expect(exitCode).to.equal(ExitCode.CheckFailed);
      expect(verdicts['cluster-ip']?.state).to.equal('passed');
      expect(verdicts['endpoint-slices']?.state).to.equal('passed');
      expect(verdicts['dns-service-records']?.state).to.equal('failed');
      expect(verdicts['dns-service-records']?.error).to.match(
        /A web\.gauntlet-dns-service-records-\S+\.svc\.cluster\.local from 127\.0\.0\.1:\d+: REFUSED; expected 10\.96\.\d+\.\d+ \(ClusterIP of Service gauntlet-dns-service-records-\S+\/web\)/,
      );
    });
  });
});
