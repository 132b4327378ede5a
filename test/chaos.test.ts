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

/** Every test of the library, in the order the suite runs them (file names; full disruption runs last). */
const library: [scenario: string, titles: string[]][] = [
  [
    'apiserver-kill-ha',
    ['with 3 apiservers, SIGKILL of one keeps API availability >= 99% through the endpoint'],
  ],
  [
    'apiserver-kill-single',
    ['with 1 apiserver, SIGKILL causes downtime that is measured, and existing endpoints are kept'],
  ],
  [
    'aws-zone-outage',
    [
      "the zone's subnets are cut off, and exactly the Nodes backed by its instances go Unknown",
      'after revert every subnet is back on its ACL, the deny-all ACL is gone, and every node is Ready',
    ],
  ],
  [
    'etcd-out-of-space',
    [
      'filling etcd to its quota makes writes fail with the space error while reads keep working',
      'after revert writes succeed and no pre-existing object was lost',
    ],
  ],
  [
    'kube-controller-manager-leader-kill',
    [
      'with 2 kube-controller-managers, SIGKILL of the leader moves leadership once its lease runs out (lease duration + one retry)',
    ],
  ],
  [
    'kube-scheduler-leader-kill',
    [
      'with 2 kube-schedulers, SIGKILL of the leader moves leadership once its lease runs out (lease duration + one retry)',
    ],
  ],
  [
    'runtime-hang',
    [
      'the node reports NotReady with the kubelet wording while it keeps its Lease',
      'its pods are replaced on other nodes after the not-ready toleration, with the Service never below replicas - 1',
      'after the runtime recovers the node is Ready and nothing stays stuck',
    ],
  ],
  [
    'zone-loss',
    [
      'nodes of the lost zone go Unknown within the grace period, and only those',
      'stateless pods come back in the surviving zones',
      'the pod bound to a volume in the lost zone stays Pending, and the scheduler says why (expected: EBS volumes are zonal)',
      'after the zone comes back, everything converges: nodes Ready, the zonal pod Running, nothing stuck',
    ],
  ],
  [
    'full-disruption',
    [
      'every node goes Unknown within the grace period',
      'the controller enters full-disruption mode: evictions stop, no node is tainted afterwards, no mass eviction',
      'after the partition heals: nodes Ready, every pod not evicted is the very same pod, monitors healthy',
    ],
  ],
];

/** The exact [title, state] list a chaos run must report: the skipped scenarios' tests included. */
function expectedTests(skipped: string[]): [string, string][] {
  return library.flatMap(([scenario, titles]) =>
    titles.map((t): [string, string] => [t, skipped.includes(scenario) ? 'skipped' : 'passed']),
  );
}

async function timeline(runDir: string, scenario: string): Promise<Timeline> {
  return JSON.parse(await readFile(join(runDir, 'timelines', `${scenario}.json`), 'utf8')) as Timeline;
}

describe('chaos suite against the embedded cluster', function () {
  // cluster up + the whole suite + cluster down, in one test each.
  this.timeout(runTimeoutMs + 120_000);

  it('single control plane: the exact list of library tests, passed or skipped (HA and AWS ones), with timelines saved', async () => {
    const { summary, runDir } = await runChaos('chaos-single', []);
    expect(summary.tests.map((t) => [t.title, t.state])).to.deep.equal(
      expectedTests([
        'apiserver-kill-ha',
        'aws-zone-outage',
        'kube-controller-manager-leader-kill',
        'kube-scheduler-leader-kill',
      ]),
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

  it('--ha: the exact list of library tests (single-apiserver and AWS ones skipped); apiserver kill keeps availability >= 99%', async () => {
    const { summary, runDir } = await runChaos('chaos-ha', ['--ha', '--nodes-per-zone', '1']);
    expect(summary.tests.map((t) => [t.title, t.state])).to.deep.equal(
      expectedTests(['apiserver-kill-single', 'aws-zone-outage']),
    );
    const ha = await timeline(runDir, 'apiserver-kill-ha');
    const samples = ha.probes.api!;
    expect(samples.filter((s) => s.ok).length / samples.length).to.be.at.least(0.99);
  });
});
