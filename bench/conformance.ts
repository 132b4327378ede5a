/**
 * Benchmark (not a test): wall time of the whole conformance suite on the embedded 9-node cluster, run
 * CONFORMANCE_RUNS times in a row on one cluster (default 10) to show it does not flake, and
 * CONFORMANCE_HA_RUNS times (default 3) on an --ha one.
 * Writes bench/results/conformance.json. Run: npx tsx bench/conformance.ts
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const cli = join(import.meta.dirname, '..', 'bin', 'gauntlet.js');
const runs = Number(process.env.CONFORMANCE_RUNS ?? 10);

interface Summary {
  passed: number;
  failed: number;
  pending: number;
  tests: { suite: string; title: string; state: string; error?: string }[];
}

async function suiteRuns(mode: 'single' | 'ha', count: number) {
  const state = await mkdtemp(join(tmpdir(), 'gauntlet-bench-conformance-'));
  const env = { ...process.env, GAUNTLET_STATE_DIR: state };
  await execa(
    process.execPath,
    [cli, 'cluster', 'up', '--name', 'bench', ...(mode === 'ha' ? ['--ha'] : [])],
    { env },
  );
  const results = [];
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const run = await execa(
        process.execPath,
        [cli, 'run', '--cluster', 'bench', '--suite', 'conformance', '--out', state],
        { env, reject: false },
      );
      const wallMs = Math.round(performance.now() - started);
      const summary = JSON.parse(
        await readFile(run.stderr.match(/summary in (\S+summary\.json)/)![1]!, 'utf8'),
      ) as Summary;
      const failures = summary.tests.filter((t) => t.state === 'failed').map((t) => `${t.suite}: ${t.error}`);
      results.push({
        run: i + 1,
        exitCode: run.exitCode,
        wallMs,
        passed: summary.passed,
        failed: summary.failed,
        skipped: summary.pending,
        failures,
      });
      process.stderr.write(
        `${mode} run ${i + 1}: ${wallMs} ms, ${summary.passed} passed, ${summary.failed} failed\n`,
      );
    }
  } finally {
    await execa(process.execPath, [cli, 'cluster', 'down', '--name', 'bench'], { env, reject: false });
  }
  return results;
}

const single = await suiteRuns('single', runs);
const haRuns = Number(process.env.CONFORMANCE_HA_RUNS ?? 3);
const ha = await suiteRuns('ha', haRuns);
const walls = single.map((r) => r.wallMs).sort((a, b) => a - b);
const report = {
  benchmark: 'conformance',
  date: new Date().toISOString(),
  machine: { cores: cpus().length, node: process.version },
  cluster: { nodes: 9, zones: 3 },
  method: `${runs} consecutive \`gauntlet run --cluster <9-node embedded> --suite conformance\` on one cluster, then ${haRuns} on one --ha cluster; wall time of each command`,
  target: { suiteWallMsMax: 120_000, flakes: 0 },
  single: {
    runs: single.length,
    failedRuns: single.filter((r) => r.exitCode !== 0).length,
    medianWallMs: walls[Math.floor(walls.length / 2)],
    maxWallMs: walls.at(-1),
    results: single,
  },
  ha: { runs: ha.length, failedRuns: ha.filter((r) => r.exitCode !== 0).length, results: ha },
};
await writeFile(
  join(import.meta.dirname, 'results', 'conformance.json'),
  `${JSON.stringify(report, null, 2)}\n`,
);
process.stdout.write(
  `${JSON.stringify({ single: { ...report.single, results: undefined }, ha: ha.map((r) => ({ wallMs: r.wallMs, failed: r.failed })) }, null, 2)}\n`,
);
