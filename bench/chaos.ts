/**
 * Benchmark (not a test): wall time of each chaos scenario on the embedded cluster with default timings, and
 * the time from fault to verdict against the floor the cluster's own timings set. Single control plane
 * (9 nodes) and --ha. Writes bench/results/chaos.json. Run: npx tsx bench/chaos.ts
 *
 * A scenario's wall time runs from the end of the previous scenario's last test (or the start of the suite
 * phase) to the end of its own last test: its hooks (fixtures, monitors, teardown of the one before) are in
 * it, so the scenarios add up to the whole suite and nothing is left out.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { configSchema } from '../src/config/schema.ts';

const cli = join(import.meta.dirname, '..', 'bin', 'gauntlet.js');

interface Summary {
  tests: { suite: string; title: string; state: string; durationMs: number; error?: string }[];
}

interface Event {
  ts: number;
  event: string;
  phase?: string;
  suite?: string;
  state?: string;
  runDir?: string;
}

/** A figure read off a timeline mark, beside the floor the cluster's timings put under it. */
interface Figure {
  what: string;
  ms: number;
  floorMs?: number;
  floor?: string;
}

/** The cluster's timings as the benchmark runs it: the defaults. */
const defaultTimings = configSchema.parse({ apiVersion: 'gauntlet.dev/v1alpha1', kind: 'GauntletConfig' })
  .cluster.local.timings;
const t = defaultTimings;
const retryMs = 1000 * 1.2;
const figureRules: { scenario: RegExp; mark: RegExp; what: string; floorMs?: number; floor?: string }[] = [
  {
    scenario: /^zone-loss$/,
    mark: /Unknown after (\d+) ms/,
    what: 'zone loss: fault -> every node of the zone Unknown',
    // kwok renews a Lease every quarter of its duration: the last renewal can precede the fault by that much.
    floorMs: (t.nodeMonitorGracePeriodSeconds - t.nodeLeaseDurationSeconds / 4) * 1000,
    floor:
      'node-monitor-grace-period minus the Lease renew interval (lease / 4); bound: grace + node-monitor-period',
  },
  {
    scenario: /^zone-loss$/,
    mark: /stateless pods ready outside \S+ (\d+) ms/,
    what: 'zone loss: Unknown -> stateless pods Ready in the surviving zones',
    floorMs: 5000,
    floor: "the pods' 5 s unreachable toleration (then 0.1 nodes/s eviction)",
  },
  {
    scenario: /^runtime-hang$/,
    mark: /NotReady after (\d+) ms/,
    what: 'runtime hang: fault -> node NotReady (kubelet wording)',
    floorMs: 0,
    floor: 'none: the kubelet reports it at once',
  },
  {
    scenario: /^runtime-hang$/,
    mark: /ready off \S+ (\d+) ms after NotReady/,
    what: 'runtime hang: NotReady -> pods replaced on other nodes',
    floorMs: 5000,
    floor: "the pods' 5 s not-ready toleration",
  },
  {
    scenario: /leader-kill$/,
    mark: /leadership moved to \S+ after (\d+) ms/,
    what: 'leader SIGKILL -> leadership moved',
    // The leader renews every retry period, so its last renewal can precede the kill by up to one.
    floorMs: t.leaderElectionLeaseSeconds * 1000 - retryMs,
    floor: 'lease duration minus one jittered retry period; bound: lease + two retry periods',
  },
  { scenario: /^apiserver-kill-single$/, mark: /^downtime (\d+) ms/, what: 'single apiserver: downtime' },
  { scenario: /^etcd-out-of-space$/, mark: /filled to NOSPACE in (\d+) ms/, what: 'etcd: filled to NOSPACE' },
  {
    scenario: /^etcd-out-of-space$/,
    mark: /reverted .* in (\d+) ms/,
    what: 'etcd: revert (delete, compact, defrag, disarm)',
  },
  {
    scenario: /./,
    mark: /conformance monitors healthy (\d+) ms after the revert/,
    what: 'revert -> every conformance monitor healthy',
  },
];

function figures(scenario: string, marks: string[]): Figure[] {
  const out: Figure[] = [];
  for (const rule of figureRules) {
    if (!rule.scenario.test(scenario)) continue;
    for (const mark of marks) {
      const ms = rule.mark.exec(mark)?.[1];
      if (ms === undefined) continue;
      out.push({
        what: rule.what,
        ms: Number(ms),
        ...(rule.floorMs === undefined ? {} : { floorMs: rule.floorMs, floor: rule.floor }),
      });
    }
  }
  return out;
}

/** Each suite's share of the suite phase, from the JSON progress events. */
function scenarioWallMs(events: Event[]): Record<string, number> {
  let since = events.find((e) => e.event === 'phase' && e.phase === 'suite')?.ts ?? events[0]!.ts;
  const lastEnd = new Map<string, number>();
  for (const e of events) if (e.event === 'test-end' && e.suite) lastEnd.set(e.suite, e.ts);
  const walls: Record<string, number> = {};
  for (const [suite, end] of [...lastEnd.entries()].sort((a, b) => a[1] - b[1])) {
    walls[suite] = end - since;
    since = end;
  }
  return walls;
}

async function runChaos(mode: 'single' | 'ha') {
  const state = await mkdtemp(join(tmpdir(), 'gauntlet-bench-chaos-'));
  const env = { ...process.env, GAUNTLET_STATE_DIR: state };
  await execa(
    process.execPath,
    [cli, 'cluster', 'up', '--name', 'bench', ...(mode === 'ha' ? ['--ha'] : [])],
    { env },
  );
  try {
    const started = performance.now();
    const run = await execa(
      process.execPath,
      [cli, 'run', '--cluster', 'bench', '--suite', 'chaos', '--out', state, '--json'],
      { env, reject: false },
    );
    const wallMs = Math.round(performance.now() - started);
    const events = String(run.stderr)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Event);
    const runDir = events.find((e) => e.event === 'run-end')?.runDir;
    if (!runDir) throw new Error(`no run-end event; stderr:\n${run.stderr}`);
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as Summary;
    const timelines: Record<string, { marks: { what: string }[]; monitorOutcomes?: unknown[] }> = {};
    for (const file of await readdir(join(runDir, 'timelines')).catch(() => []))
      if (file.endsWith('.json'))
        timelines[file.replace('.json', '')] = JSON.parse(
          await readFile(join(runDir, 'timelines', file), 'utf8'),
        );
    const walls = scenarioWallMs(events);
    const scenarios: Record<string, { wallMs: number; passed: number; failed: number; skipped: number }> = {};
    const failures: string[] = [];
    for (const test of summary.tests) {
      scenarios[test.suite] ??= { wallMs: walls[test.suite] ?? 0, passed: 0, failed: 0, skipped: 0 };
      const s = scenarios[test.suite]!;
      if (test.state === 'passed') s.passed += 1;
      else if (test.state === 'failed') {
        s.failed += 1;
        failures.push(`${test.suite} > ${test.title}: ${test.error ?? ''}`.slice(0, 600));
      } else s.skipped += 1;
    }
    return {
      mode,
      exitCode: run.exitCode,
      suiteWallMs: wallMs,
      scenarios,
      failures,
      figures: Object.fromEntries(
        Object.entries(timelines).map(([k, v]) => [
          k,
          figures(
            k,
            v.marks.map((m) => m.what),
          ),
        ]),
      ),
      monitorOutcomes: Object.fromEntries(
        Object.entries(timelines).map(([k, v]) => [k, v.monitorOutcomes ?? []]),
      ),
      marks: Object.fromEntries(Object.entries(timelines).map(([k, v]) => [k, v.marks.map((m) => m.what)])),
    };
  } finally {
    await execa(process.execPath, [cli, 'cluster', 'down', '--name', 'bench'], { env, reject: false });
  }
}

const results = [await runChaos('single'), await runChaos('ha')];
const report = {
  benchmark: 'chaos',
  date: new Date().toISOString(),
  machine: { cores: cpus().length, node: process.version },
  targets: { perScenarioMsMax: 90_000, allMsMax: 360_000 },
  timings: defaultTimings,
  results,
};
await writeFile(join(import.meta.dirname, 'results', 'chaos.json'), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
