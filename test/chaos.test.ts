import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { ExitCode } from '../src/errors.ts';
import type { Timeline } from '../src/model/timeline.ts';
import { gauntlet, isolatedStateDir } from './helpers/cli.ts';

interface Summary {
  runId: string;
  verdict: string;
  tests: { title: string; state: string; error?: string }[];
}

/** The whole chaos suite took 3.5 min on --ha on a 2-core machine: a bound with room, not a figure. */
const runTimeoutMs = 480_000;

async function runChaos(name: string, upArgs: string[]): Promise<{ summary: Summary; runDir: string }> {
  const state = await isolatedStateDir();
  const out = await isolatedStateDir();
  const env = { GAUNTLET_STATE_DIR: state };
  const up = await gauntlet(['cluster', 'up', '--name', name, ...upArgs], env);
  expect(up.exitCode, up.stderr).to.equal(0);
  try {
    const run = await gauntlet(
      ['run', '--cluster', name, '--suite', 'chaos', '--out', out],
      env,
      runTimeoutMs,
    );
    const summaryFile = run.stderr.match(/summary in (\S+summary\.json)/)?.[1];
    expect(summaryFile, run.stderr).to.be.a('string');
    const summary = JSON.parse(await readFile(summaryFile!, 'utf8')) as Summary;
    expect(run.exitCode, `${run.stdout}\n${run.stderr}`).to.equal(ExitCode.Passed);
    return { summary, runDir: join(out, summary.runId) };
  } finally {
    await gauntlet(['cluster', 'down', '--name', name], env);
  }
}

async function timeline(runDir: string, scenario: string): Promise<Timeline> {
  return JSON.parse(await readFile(join(runDir, 'timelines', `${scenario}.json`), 'utf8')) as Timeline;
}

describe('chaos suite against the embedded cluster', function () {
  // cluster up + the whole suite + cluster down, in one test each.
  this.timeout(runTimeoutMs + 120_000);

  it('single control plane: runtime hang, etcd out of space, zone loss and apiserver termination pass, with timelines saved', async () => {
    const { summary, runDir } = await runChaos('chaos-single', []);
    const passed = summary.tests.filter((t) => t.state === 'passed').map((t) => t.title);
    expect(passed).to.include('stateless pods come back in the surviving zones');
    expect(passed).to.include('after revert writes succeed and no pre-existing object was lost');
    expect(passed).to.include('after the runtime recovers the node is Ready and nothing stays stuck');
    expect(passed).to.include(
      'with 1 apiserver, SIGKILL causes downtime that is measured, and existing endpoints are kept',
    );
    const zone = await timeline(runDir, 'zone-loss');
    expect(zone.faults).to.have.length(1);
    expect(zone.faults[0]!.revertedAt).to.be.greaterThan(zone.faults[0]!.injectedAt);
    expect(zone.marks.map((m) => m.what).join('\n')).to.match(/expected outcome: .* Pending/);
    const kill = await timeline(runDir, 'apiserver-kill-single');
    expect(
      kill.probes.api!.some((s) => !s.ok),
      'the prober saw the downtime',
    ).to.equal(true);
  });

  it('--ha: apiserver kill keeps availability >= 99%, leaders move within the lease', async () => {
    const { summary, runDir } = await runChaos('chaos-ha', ['--ha', '--nodes-per-zone', '1']);
    const passed = summary.tests.filter((t) => t.state === 'passed').map((t) => t.title);
    expect(passed).to.include(
      'with 3 apiservers, SIGKILL of one keeps API availability >= 99% through the endpoint',
    );
    expect(passed.filter((t) => t.includes('SIGKILL of the leader moves leadership'))).to.have.length(2);
    const ha = await timeline(runDir, 'apiserver-kill-ha');
    const samples = ha.probes.api!;
    expect(samples.filter((s) => s.ok).length / samples.length).to.be.at.least(0.99);
  });
});
