import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadConfig, validateConfig } from '../src/config/load.ts';
import { ConfigError, ExitCode } from '../src/errors.ts';

const header = { apiVersion: 'gauntlet.dev/v1alpha1', kind: 'GauntletConfig' };

function configError(raw: unknown): ConfigError {
  try {
    validateConfig(raw, 'test.yaml');
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).exitCode).to.equal(ExitCode.Usage);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('fills defaults: 3 zones of 3 nodes, local provisioner, testing timings', () => {
    const config = validateConfig(header, 'x');
    expect(config.cluster.provisioner).to.equal('local');
    expect(config.cluster.local.zones).to.deep.equal(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(config.cluster.local.nodesPerZone).to.equal(3);
    expect(config.cluster.local.timings.nodeMonitorGracePeriodSeconds).to.be.lessThan(40);
    expect(config.cluster.local.components['kube-scheduler']).to.deep.equal({ enabled: true, extraArgs: [] });
  });

  it('names the field path of an unknown field', () => {
    const error = configError({ ...header, cluster: { local: { nodez: 3 } } });
    expect(error.message).to.contain('test.yaml').and.contain('cluster.local.nodez: unknown field');
  });

  it('rejects zero nodes and an empty zone list, naming both fields', () => {
    const error = configError({ ...header, cluster: { local: { nodesPerZone: 0, zones: [] } } });
    expect(error.message).to.contain('cluster.local.nodesPerZone').and.contain('cluster.local.zones');
  });

  it('rejects a wrong kind and apiVersion', () => {
    const error = configError({ apiVersion: 'v1', kind: 'Pod' });
    expect(error.message).to.contain('apiVersion').and.contain('kind');
  });

  it('rejects a malformed extra flag for a component, naming the component', () => {
    const error = configError({
      ...header,
      cluster: { local: { components: { 'kube-scheduler': { extraArgs: ['v=2'] } } } },
    });
    expect(error.message).to.contain('cluster.local.components.kube-scheduler.extraArgs[0]');
  });

  it('lets flags override the file, and a kubeconfig flag selects the existing provisioner', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gauntlet-config-'));
    const file = join(dir, 'gauntlet.yaml');
    await writeFile(
      file,
      'apiVersion: gauntlet.dev/v1alpha1\nkind: GauntletConfig\ncluster:\n  name: from-file\n  local:\n    nodesPerZone: 5\n',
    );
    const config = await loadConfig(file, { nodesPerZone: 2 });
    expect(config.cluster.name).to.equal('from-file');
    expect(config.cluster.local.nodesPerZone).to.equal(2);
    const existing = await loadConfig(file, { kubeconfig: '/tmp/kc' });
    expect(existing.cluster.provisioner).to.equal('existing');
  });

  it('reports YAML syntax errors with the file name and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gauntlet-config-'));
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'apiVersion: gauntlet.dev/v1alpha1\nkind: [GauntletConfig\n');
    const error = await loadConfig(file).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message)
      .to.contain(file)
      .and.match(/line \d/);
  });
});
