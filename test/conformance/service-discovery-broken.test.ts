import { expect } from 'chai';
import { ExitCode } from '../../src/errors.ts';
import { CheckClusters, controllersConfig as controllers, type Verdicts } from '../helpers/check-clusters.ts';

const states = (verdicts: Verdicts) =>
  Object.fromEntries(Object.entries(verdicts).map(([check, v]) => [check, v.state]));

/**
 * The service-discovery checks against real embedded clusters: a healthy one passes them all, and clusters
 * broken on purpose through the provisioner's configuration fail exactly the checks that cover what broke,
 * with a message naming the object and the expectation, while the unrelated checks still pass.
 */
describe('[ServiceDiscovery] checks on healthy and broken embedded clusters', () => {
  let clusters: CheckClusters;

  before(async () => {
    clusters = await CheckClusters.create();
  });
  const up = (name: string, config?: string) => clusters.up(name, config);
  const down = (name: string) => clusters.down(name);
  const runChecks = (cluster: string, grep: string) => clusters.runChecks(cluster, grep);

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
        'service-environment': { state: 'skipped' },
      });
    });
  });

  describe('the EndpointSlice controller disabled', () => {
    before(() => up('sd-no-slices', controllers('*,-endpointslice-controller')));
    after(() => down('sd-no-slices'));

    it('fails every check that reads EndpointSlices, naming the Service and the pods it misses; cluster-ip and service DNS still pass', async () => {
      const { exitCode, verdicts } = await runChecks('sd-no-slices', '\\[ServiceDiscovery\\]');
      expect(exitCode).to.equal(ExitCode.CheckFailed);
      expect(states(verdicts)).to.deep.equal({
        'cluster-ip': 'passed',
        'endpoint-slices': 'failed',
        'headless-service': 'failed',
        'named-ports': 'failed',
        'dns-service-records': 'passed',
        // Per-pod DNS names come from EndpointSlice hostnames: with no slices, CoreDNS has none to serve.
        'dns-headless-records': 'failed',
        'service-environment': 'skipped',
      });
      for (const check of ['headless-service', 'named-ports'])
        expect(verdicts[check]?.error, check).to.match(/Service gauntlet-[\w-]+\/\S+/);
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

    it('fails both DNS checks naming the name asked and the answer expected; the EndpointSlice checks still pass', async () => {
      const { exitCode, verdicts } = await runChecks('sd-wrong-domain', '\\[ServiceDiscovery\\]');
      expect(exitCode).to.equal(ExitCode.CheckFailed);
      expect(states(verdicts)).to.deep.equal({
        'cluster-ip': 'passed',
        'endpoint-slices': 'passed',
        'headless-service': 'passed',
        'named-ports': 'passed',
        'dns-service-records': 'failed',
        'dns-headless-records': 'failed',
        'service-environment': 'skipped',
      });
      expect(verdicts['dns-headless-records']?.error).to.match(/\.svc\.cluster\.local from 127\.0\.0\.1:\d+/);
      expect(verdicts['dns-service-records']?.error).to.match(
        /A web\.gauntlet-dns-service-records-\S+\.svc\.cluster\.local from 127\.0\.0\.1:\d+: REFUSED; expected 10\.96\.\d+\.\d+ \(ClusterIP of Service gauntlet-dns-service-records-\S+\/web\)/,
      );
    });
  });
});
