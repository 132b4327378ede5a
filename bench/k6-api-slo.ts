/**
 * Benchmark (not a test): the API SLO figures k6 measures against the embedded cluster (single control plane,
 * 1 node per zone, and --ha), healthy, with fixtures/k6/api-slo.js at its default load (4 VUs) for 30 s.
 * Records p99/p95/median per request class next to the SLO limits. Writes bench/results/k6-api-slo.json.
 * Run: npx tsx bench/k6-api-slo.ts
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { runK6 } from '../src/observe/load/k6.ts';
import { k6Script } from '../src/observe/load/scenario-load.ts';
import { toolVersion } from '../src/tools/index.ts';

const cli = join(import.meta.dirname, '..', 'bin', 'gauntlet.js');
const durationS = 30;
const limitsMs = { mutating: 1000, read: 1000, list: 5000 };

async function measure(mode: 'single' | 'ha') {
  const state = await mkdtemp(join(tmpdir(), 'gauntlet-bench-k6-'));
  const env = { ...process.env, GAUNTLET_STATE_DIR: state };
  await execa(
    process.execPath,
    [cli, 'cluster', 'up', '--name', 'bench', '--nodes-per-zone', '1', ...(mode === 'ha' ? ['--ha'] : [])],
    { env },
  );
  try {
    const kubeconfig = join(state, 'clusters', 'bench', 'kubeconfig');
    const result = await runK6({
      script: k6Script('api-slo'),
      summaryFile: join(state, 'api-slo.summary.json'),
      env: { GAUNTLET_K6_DURATION: `${durationS}s` },
      kubeconfig: { path: kubeconfig },
    });
    const classes = Object.fromEntries(
      Object.entries(limitsMs).map(([slo, limit]) => {
        const t = result.summary.trends[`http_req_duration{slo:${slo}}`] ?? {};
        const round = (v?: number) => (v === undefined ? undefined : Math.round(v * 10) / 10);
        return [
          slo,
          {
            requests: t.count,
            p99Ms: round(t.p99),
            p95Ms: round(t.p95),
            medianMs: round(t.med),
            limitP99Ms: limit,
          },
        ];
      }),
    );
    const checks = JSON.parse(await readFile(result.summaryFile, 'utf8')).metrics.checks as {
      passes: number;
      fails: number;
    };
    return { mode, verdict: result.verdict, checks: { passes: checks.passes, fails: checks.fails }, classes };
  } finally {
    await execa(process.execPath, [cli, 'cluster', 'down', '--name', 'bench'], { env, reject: false });
  }
}

const results = [];
for (const mode of ['single', 'ha'] as const) {
  const r = await measure(mode);
  process.stderr.write(`${mode}: ${JSON.stringify(r)}\n`);
  results.push(r);
}
const body = {
  benchmark: 'k6-api-slo',
  date: new Date().toISOString(),
  machine: { cores: cpus().length, node: process.version, note: 'shared with other work while measured' },
  k6: toolVersion('k6'),
  load: { script: 'fixtures/k6/api-slo.js', vus: 4, durationS, nodesPerZone: 1 },
  slo: 'sig-scalability api_call_latency: mutating and read single-object p99 <= 1 s, namespace LIST p99 <= 5 s',
  results,
};
await writeFile(
  join(import.meta.dirname, 'results', 'k6-api-slo.json'),
  `${JSON.stringify(body, null, 2)}\n`,
);
