import { access } from 'node:fs/promises';
import { expect } from 'chai';
import { startProgress } from '../app/jobs/progress-output.ts';
import { ExitCode } from '../src/errors.ts';
import type { Stamped } from '../src/model/events.ts';
import { Timeline } from '../src/model/timeline.ts';
import { gauntlet, isolatedStateDir } from './helpers/cli.ts';

/** Every stderr line of a --json run, parsed; a line that is not JSON fails the test. */
function events(stderr: string): Stamped[] {
  return stderr
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Stamped;
      } catch {
        throw new Error(`stderr line is not JSON: ${line}`);
      }
    });
}

const brief = (e: Stamped): string =>
  e.event === 'phase'
    ? `phase:${e.phase}`
    : e.event === 'test-start'
      ? `test-start:${e.index}/${e.total}`
      : e.event === 'test-end'
        ? `test-end:${e.state}`
        : e.event;

describe('run progress on stderr (real runs of the smoke suite)', () => {
  let state: string;
  let out: string;
  const env = () => ({ GAUNTLET_STATE_DIR: state });
  const smoke = (...flags: string[]) =>
    gauntlet(
      ['run', '--suite', 'smoke', '--nodes-per-zone', '1', '--name', 'progress', '--out', out, ...flags],
      env(),
    );

  before(async () => {
    state = await isolatedStateDir();
    out = await isolatedStateDir();
  });

  it('--json: only JSON lines, phases in order, each test started and ended, run-end last', async () => {
    const run = await smoke('--json');
    expect(run.exitCode, run.stderr).to.equal(ExitCode.Passed);
    const all = events(run.stderr);
    const sequence = all.filter((e) => e.event !== 'log').map(brief);
    expect(sequence).to.deep.equal([
      'phase:bootstrap',
      'phase:provision',
      'phase:suite',
      'test-start:1/3',
      'test-end:passed',
      'test-start:2/3',
      'test-end:passed',
      'test-start:3/3',
      'test-end:passed',
      'phase:teardown',
      'run-end',
    ]);
    for (let i = 1; i < all.length; i++) expect(all[i]!.ts).to.be.at.least(all[i - 1]!.ts);
    const end = all.at(-1)!;
    if (end.event !== 'run-end') throw new Error('run-end is not last');
    expect(end).to.include({ passed: 3, failed: 0, exitCode: 0 });
    await access(`${end.runDir}/summary.json`);
    // The plain progress lines were not lost: they are events too.
    expect(all.some((e) => e.event === 'log' && /torn down/.test(e.message))).to.equal(true);
  });

  it('--quiet: no progress lines at all on stderr', async () => {
    const run = await smoke('--quiet');
    expect(run.exitCode, run.stdout).to.equal(ExitCode.Passed);
    expect(run.stderr).to.equal('');
  });

  it('by default: human lines with the phase, the test n/total and an estimate that says it is one', async () => {
    const run = await smoke();
    expect(run.exitCode, run.stderr).to.equal(ExitCode.Passed);
    expect(run.stderr).to.match(/^\[gauntlet \d+s provision\] phase provision: local$/m);
    expect(run.stderr).to.match(
      /^\[gauntlet \d+s suite\] test 1\/3: \[Smoke\] cluster basics › the API server answers \/version; 3 tests left$/m,
    );
    expect(run.stderr).to.match(/test 3\/3: .*; ~\d+s left \(estimate: 1 tests × \d+s mean so far\)$/m);
    expect(run.stderr).to.match(
      /^\[gauntlet \d+s teardown\] done: 3 passed, 0 failed, 0 broken, 0 skipped$/m,
    );
  });

  it('--quiet and --json together are a usage error', async () => {
    const run = await smoke('--quiet', '--json');
    expect(run.exitCode).to.equal(ExitCode.Usage);
  });
});

describe('run progress of a real chaos scenario (--json)', () => {
  it('apiserver kill: the API load starts, the fault goes on and off, the load ends with its verdict', async () => {
    const state = await isolatedStateDir();
    const out = await isolatedStateDir();
    const env = { GAUNTLET_STATE_DIR: state };
    const up = await gauntlet(['cluster', 'up', '--name', 'progress-chaos', '--nodes-per-zone', '1'], env);
    expect(up.exitCode, up.stderr).to.equal(0);
    try {
      const run = await gauntlet(
        [
          'run',
          '--cluster',
          'progress-chaos',
          '--suite',
          'chaos',
          '--grep',
          'with 1 apiserver',
          '--out',
          out,
          '--json',
        ],
        env,
      );
      expect(run.exitCode, run.stderr).to.equal(ExitCode.Passed);
      const sequence = events(run.stderr)
        .filter((e) => !['log', 'phase'].includes(e.event))
        .filter((e) => e.event !== 'test-end' || e.state !== 'skipped')
        .map((e) => (e.event === 'test-start' ? 'test-start' : brief(e)));
      // Pending (skipped) tests end without starting; what is left is the one test and what it did. The
      // scenario's load starts with its setup (the suite's before-all hook), so ahead of its first test.
      expect(sequence).to.deep.equal([
        'load-start',
        'test-start',
        'fault-on',
        'fault-off',
        'load-end',
        'test-end:passed',
        'run-end',
      ]);
      const all = events(run.stderr);
      const on = all.find((e) => e.event === 'fault-on');
      expect(on).to.include({ scenario: 'apiserver-kill-single', fault: 'control-plane-kill' });
      const end = all.find((e) => e.event === 'load-end');
      expect(end).to.include({ script: 'api apiserver-kill-single', verdict: 'slo-failed' });
    } finally {
      await gauntlet(['cluster', 'down', '--name', 'progress-chaos'], env);
    }
  });
});

describe('fault windows as progress events', () => {
  it('a scenario timeline emits fault-on and fault-off (once) with how long the fault was held', () => {
    const lines: string[] = [];
    const stop = startProgress('json', (line) => lines.push(line));
    try {
      const timeline = new Timeline('zone-loss');
      const window = timeline.faultOn('zone-loss', 'us-east-1a');
      timeline.faultOff(window);
      timeline.faultOff(window); // finish() after revert(): no second event
    } finally {
      stop();
    }
    const parsed = lines.map((l) => JSON.parse(l) as Stamped);
    expect(parsed.map((e) => e.event)).to.deep.equal(['fault-on', 'fault-off']);
    expect(parsed[0]).to.include({ scenario: 'zone-loss', fault: 'zone-loss', target: 'us-east-1a' });
    expect(parsed[1]).to.have.property('heldMs').that.is.a('number');
  });
});
