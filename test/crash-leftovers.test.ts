import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { gauntlet, isolatedStateDir, startGauntlet } from './helpers/cli.ts';
import { clusterUid, processesOf } from './helpers/processes.ts';
import { pollUntil } from './helpers/wait.ts';

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** Starts `cluster up`, SIGKILLs the harness once the control plane processes exist, returns the cluster uid. */
async function killUpMidway(env: Record<string, string>, state: string, name: string): Promise<string> {
  const up = startGauntlet(['cluster', 'up', '--name', name], env);
  const dir = join(state, 'clusters', name);
  await pollUntil(
    'the supervisor to start the cluster processes',
    async () => ((await exists(join(dir, 'supervisor.json'))) ? true : undefined),
    60_000,
  );
  up.kill('SIGKILL');
  await up;
  const uid = await clusterUid(state, name);
  const left = await processesOf(uid);
  expect(left.length, 'processes left behind by the killed harness').to.be.greaterThan(1);
  return uid;
}

describe('leftovers of a SIGKILLed harness', () => {
  let state: string;
  let env: Record<string, string>;

  before(async () => {
    state = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
  });

  it('`cluster status` shows them and `cluster down` reaps them', async () => {
    const uid = await killUpMidway(env, state, 'killed');
    const status = await gauntlet(['cluster', 'status', '--name', 'killed'], env);
    expect(status.stdout)
      .to.contain('never became ready')
      .and.match(/\d+ processes alive/);
    const down = await gauntlet(['cluster', 'down', '--name', 'killed'], env);
    expect(down.exitCode).to.equal(0);
    expect(await processesOf(uid)).to.deep.equal([]);
    expect(await exists(join(state, 'clusters', 'killed'))).to.equal(false);
  });

  it('the next `cluster up` reaps them and starts a healthy cluster', async () => {
    const uid = await killUpMidway(env, state, 'again');
    const up = await gauntlet(['cluster', 'up', '--name', 'again', '--nodes-per-zone', '1'], env);
    try {
      expect(up.exitCode, up.stderr).to.equal(0);
      expect(up.stderr).to.contain('reaping leftovers');
      expect(await processesOf(uid), 'old processes').to.deep.equal([]);
      expect(up.stdout).to.contain('3/3 nodes Ready');
    } finally {
      await gauntlet(['cluster', 'down', '--name', 'again'], env);
    }
  });

  it('a second `cluster up` of a running cluster is refused and leaves it running', async () => {
    const up = await gauntlet(['cluster', 'up', '--name', 'twice', '--nodes-per-zone', '1'], env);
    expect(up.exitCode, up.stderr).to.equal(0);
    try {
      const uid = await clusterUid(state, 'twice');
      const second = await gauntlet(['cluster', 'up', '--name', 'twice'], env);
      expect(second.exitCode).to.equal(2);
      expect(second.stderr).to.contain('already running');
      expect((await processesOf(uid)).length).to.be.greaterThan(1);
    } finally {
      await gauntlet(['cluster', 'down', '--name', 'twice'], env);
    }
  });
});
