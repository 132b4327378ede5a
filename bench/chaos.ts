/**
 * Benchmark (not a test): wall time of each chaos scenario on the embedded cluster with default timings, and
 * the time from fault to verdict against the floor the cluster's own timings set. Single control plane
 * (9 nodes) and --ha. Writes bench/results/chaos.json. Run: npx tsx bench/chaos.ts
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const cli = join(import.meta.dirname, '..', 'bin', 'gauntlet.js');

interface Summary {
  runId: string;
  tests: { suite: string; title: string; state: string; durationMs: number }[];
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
      [cli, 'run', '--cluster', 'bench', '--suite', 'chaos', '--out', state],
      { env, reject: false },
    );
    const wallMs = Math.round(performance.now() - started);
    const summary = JSON.parse(await readFile(run.stderr.match(/summary in (\S+)/)![1]!, 'utf8')) as Summary;
    const timelines: Record<
      string,
      {
        marks: { at: number; what: string }[];
        faults: { injectedAt: number; revertedAt?: number }[];
        monitorOutcomes?: unknown[];
      }
    > = {};
    const dir = join(state, summary.runId, 'timelines');
    for (const file of await readdir(dir).catch(() => []))
      timelines[file.replace('.json', '')] = JSON.parse(await readFile(join(dir, file), 'utf8'));
    const scenarios: Record<string, { ms: number; passed: number; failed: number; skipped: number }> = {};
    for (const t of summary.tests) {
      scenarios[t.suite] ??= { ms: 0, passed: 0, failed: 0, skipped: 0 };
      const s = scenarios[t.suite]!;
      s.ms += t.durationMs;
      if (t.state === 'passed') s.passed += 1;
      else if (t.state === 'failed') s.failed += 1;
      else s.skipped += 1;
    }
    return {
      mode,
      exitCode: run.exitCode,
      suiteWallMs: wallMs,
      scenarios,
      marks: Object.fromEntries(Object.entries(timelines).map(([k, v]) => [k, v.marks.map((m) => m.what)])),
      monitorOutcomes: Object.fromEntries(
        Object.entries(timelines).map(([k, v]) => [k, v.monitorOutcomes ?? []]),
      ),
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
  floors: {
    zoneLossUnknown: 'node-monitor-grace-period (20 s) + node-monitor-period (2 s)',
    zoneLossRescheduled: "the above + the pods' unreachable toleration (5 s in the scenario)",
    leaderMove: 'leader-elect lease duration (15 s) + retry period (1 s)',
  },
  results,
};
await writeFile(join(import.meta.dirname, 'results', 'chaos.json'), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
