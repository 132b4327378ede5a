import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { gauntlet, isolatedStateDir, startGauntlet } from '../helpers/cli.ts';
import { clusterUid, processesOf } from '../helpers/processes.ts';
import { hostIptables, hostTraces, realNodesOrSkip } from '../helpers/real-nodes.ts';
import { pollUntil } from '../helpers/wait.ts';

/** Starts `cluster up` with a real node and resolves once that node's kubelet runs; returns the process and uid. */
async function upUntilKubeletRuns(env: Record<string, string>, state: string, name: string) {
  const up = startGauntlet(
    ['cluster', 'up', '--name', name, '--real-nodes', '1', '--nodes-per-zone', '1'],
    env,
  );
  const uid = await pollUntil(
    "the real node's kubelet to start",
    async () => {
      const id = await clusterUid(state, name).catch(() => undefined);
      if (!id) return undefined;
      const processes = await processesOf(id);
      return processes.some((p) => /\bkubelet --config/.test(p.command)) ? id : undefined;
    },
    90_000,
  );
  return { up, uid };
}

describe('real nodes leave nothing behind', function () {
  this.timeout(240_000);
  let state: string;
  let env: Record<string, string>;
  let iptablesBefore: string;

  before(async function () {
    await realNodesOrSkip(this);
    state = await isolatedStateDir();
    env = { GAUNTLET_STATE_DIR: state };
    iptablesBefore = await hostIptables();
  });

  it('a SIGKILLed harness (and supervisor): `cluster down` reaps the sandboxes, links and cgroups', async () => {
    const { up, uid } = await upUntilKubeletRuns(env, state, 'killed');
    up.kill('SIGKILL');
    await up;
    // The worst case: the detached supervisor dies too, orphaning the node sandboxes.
    const supervisor = JSON.parse(
      await readFile(join(state, 'clusters', 'killed', 'supervisor.json'), 'utf8'),
    ) as { pid: number };
    process.kill(supervisor.pid, 'SIGKILL');
    expect((await hostTraces(uid)).length, 'traces left by the killed harness').to.be.greaterThan(3);
    const down = await gauntlet(['cluster', 'down', '--name', 'killed'], env);
    expect(down.exitCode, down.stderr).to.equal(0);
    expect(await hostTraces(uid)).to.deep.equal([]);
    expect(await hostIptables()).to.equal(iptablesBefore);
  });

  it('an interrupted (failed) `cluster up` stops its real nodes and leaves nothing', async () => {
    const { up, uid } = await upUntilKubeletRuns(env, state, 'failed');
    up.kill('SIGINT');
    const result = await up;
    expect(result.exitCode, String(result.stderr)).to.equal(130);
    expect(await hostTraces(uid)).to.deep.equal([]);
    expect(await hostIptables()).to.equal(iptablesBefore);
  });
});
