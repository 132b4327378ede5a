import { access, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../src/errors.ts';
import { gauntlet, isolatedStateDir } from './helpers/cli.ts';

describe('CLI usage and bad input', () => {
  let state: string;
  let env: Record<string, string>;
  before(async () => {
    state = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
  });

  const nothingStarted = async () => {
    const exists = await access(join(state, 'clusters', 'gauntlet')).then(
      () => true,
      () => false,
    );
    expect(exists, 'a cluster directory was created').to.equal(false);
  };

  for (const command of [
    [],
    ['cluster'],
    ['cluster', 'up'],
    ['cluster', 'down'],
    ['cluster', 'status'],
    ['cluster', 'kubeconfig'],
    ['tools', 'list'],
    ['tools', 'install'],
    ['run'],
    ['report'],
  ]) {
    it(`gauntlet ${command.join(' ')} --help exits 0 and describes itself`, async () => {
      const result = await gauntlet([...command, '--help'], env);
      expect(result.exitCode).to.equal(0);
      expect(result.stdout).to.contain('Usage: gauntlet');
    });
  }

  it('an unknown command or flag is a usage error (exit 2)', async () => {
    expect((await gauntlet(['explode'], env)).exitCode).to.equal(ExitCode.Usage);
    expect((await gauntlet(['cluster', 'up', '--nodes-per-zone', 'many'], env)).exitCode).to.equal(
      ExitCode.Usage,
    );
  });

  it('a config with an unknown field is rejected before anything starts (exit 2, field named)', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'gauntlet-cli-')), 'bad.yaml');
    await writeFile(
      file,
      'apiVersion: gauntlet.dev/v1alpha1\nkind: GauntletConfig\ncluster:\n  local:\n    nodez: 3\n',
    );
    const result = await gauntlet(['cluster', 'up', '--config', file], env);
    expect(result.exitCode).to.equal(ExitCode.Usage);
    expect(result.stderr).to.contain('cluster.local.nodez: unknown field');
    await nothingStarted();
  });

  it('zero nodes per zone and an empty zone list are rejected (exit 2)', async () => {
    const zero = await gauntlet(['cluster', 'up', '--nodes-per-zone', '0'], env);
    expect(zero.exitCode).to.equal(ExitCode.Usage);
    expect(zero.stderr).to.contain('cluster.local.nodesPerZone');
    const file = join(await mkdtemp(join(tmpdir(), 'gauntlet-cli-')), 'nozones.yaml');
    await writeFile(
      file,
      'apiVersion: gauntlet.dev/v1alpha1\nkind: GauntletConfig\ncluster:\n  local:\n    zones: []\n',
    );
    const empty = await gauntlet(['run', '--config', file], env);
    expect(empty.exitCode).to.equal(ExitCode.Usage);
    expect(empty.stderr).to.contain('cluster.local.zones');
    await nothingStarted();
  });

  it('a fixed API port already in use is refused, naming the field, with nothing left running', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const file = join(await mkdtemp(join(tmpdir(), 'gauntlet-cli-')), 'port.yaml');
      await writeFile(
        file,
        `apiVersion: gauntlet.dev/v1alpha1\nkind: GauntletConfig\ncluster:\n  local:\n    apiServerPort: ${port}\n`,
      );
      const result = await gauntlet(['cluster', 'up', '--config', file], env);
      expect(result.exitCode).to.equal(ExitCode.Usage);
      expect(result.stderr).to.contain('cluster.local.apiServerPort').and.contain(String(port));
      await nothingStarted();
    } finally {
      blocker.close();
    }
  });

  it('a missing binary that cannot be obtained is an infrastructure error naming it (exit 3)', async () => {
    const result = await gauntlet(['cluster', 'up'], { ...env, GAUNTLET_BIN_KWOK: '/nonexistent/kwok' });
    expect(result.exitCode).to.equal(ExitCode.Infrastructure);
    expect(result.stderr).to.contain('kwok').and.contain('/nonexistent/kwok');
    await nothingStarted();
  });

  it('an existing-cluster kubeconfig that does not exist is a config error naming the field', async () => {
    const out = await mkdtemp(join(tmpdir(), 'gauntlet-cli-out-'));
    const result = await gauntlet(['run', '--kubeconfig', '/nonexistent/kubeconfig', '--out', out], env);
    expect(result.exitCode).to.equal(ExitCode.Usage);
    expect(result.stderr).to.contain('cluster.existing.kubeconfig');
    expect(await readdir(out), 'run directories left by a refused run').to.deep.equal([]);
  });

  it('a run against an embedded cluster that does not exist is refused naming it, and leaves no run directory', async () => {
    const out = await mkdtemp(join(tmpdir(), 'gauntlet-cli-out-'));
    const result = await gauntlet(['run', '--cluster', 'nosuch', '--out', out], env);
    expect(result.exitCode).to.equal(ExitCode.Usage);
    expect(result.stderr).to.contain('--cluster nosuch: no embedded cluster of that name');
    expect(await readdir(out), 'run directories left by a refused run').to.deep.equal([]);
  });

  it('report with no argument takes the newest run directory holding results, past a newer empty one', async () => {
    const out = await mkdtemp(join(tmpdir(), 'gauntlet-cli-out-'));
    await mkdir(join(out, '20260101-000000-aaaa', 'allure-results'), { recursive: true });
    await mkdir(join(out, '20260101-000001-bbbb'), { recursive: true });
    const result = await gauntlet(['report', '--out', out], env);
    expect(result.stderr).to.contain(`building the report of ${join(out, '20260101-000000-aaaa')}`);
  });

  it('report with no argument passes over run directories that hold no results, and says so when none does', async () => {
    const out = await mkdtemp(join(tmpdir(), 'gauntlet-cli-out-'));
    await mkdir(join(out, '20260101-000000-aaaa'), { recursive: true });
    await mkdir(join(out, '20260101-000001-bbbb'), { recursive: true });
    const result = await gauntlet(['report', '--out', out], env);
    expect(result.exitCode).to.equal(ExitCode.Usage);
    expect(result.stderr).to.contain(
      `no run directory under ${out} holds results (2 without allure-results)`,
    );
  });
});
