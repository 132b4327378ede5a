import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../src/errors.ts';
import { gauntlet, isolatedStateDir } from './helpers/cli.ts';

/** Processes whose command line names a path under dir (every component's flags name files of its cluster). */
async function processesNaming(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((e) => /^\d+$/.test(e))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(dir)) found.push(`${pid}: ${cmdline.split('\0').join(' ').slice(0, 120)}`);
  }
  return found;
}

/**
 * A `cluster up` whose probe Deployment never becomes available, for a reason not chosen on purpose (the
 * flags look harmless): a scheduler electing itself in a namespace that does not exist never leads, so never
 * schedules. The timeout says why, from what the cluster shows, and the failed up leaves no process.
 */
describe('cluster up that times out on its probe says why', function () {
  this.timeout(300_000);

  it('a scheduler that never leads: exit 3 naming the pending probe pods and the scheduler, nothing left running', async () => {
    const state = await isolatedStateDir();
    const env = { GAUNTLET_STATE_DIR: state };
    const config = join(state, 'config.yaml');
    await writeFile(
      config,
      'apiVersion: gauntlet.dev/v1alpha1\nkind: GauntletConfig\n' +
        'cluster:\n  local:\n    components:\n      kube-scheduler:\n' +
        '        extraArgs: ["--leader-elect-resource-namespace=no-such-namespace"]\n',
    );
    const up = await gauntlet(
      ['cluster', 'up', '--name', 'why', '--nodes-per-zone', '1', '--config', config],
      env,
      240_000,
    );
    expect(up.exitCode, up.stderr).to.equal(ExitCode.Infrastructure);
    expect(up.stderr).to.match(/to have 3 available replicas/);
    expect(up.stderr).to.contain('why:');
    expect(up.stderr).to.match(
      /pod \S+: Pending, not scheduled and no scheduling attempt recorded: is the scheduler running\?/,
    );
    expect(await processesNaming(state), 'processes left by the failed up').to.deep.equal([]);
  });
});
