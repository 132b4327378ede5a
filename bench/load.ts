/**
 * Benchmark (not a test): the API load generator's capacity on this machine, beside vegeta's, and the API SLO
 * figures on a healthy embedded cluster, single and --ha. Writes bench/results/load.json. Run: npx tsx bench/load.ts
 *
 * Capacity: a trivial HTTP server in a child process (so it does not share the generator's event loop); at each
 * arrival rate the generator sends plain GETs for 5 s over keep-alive connections, and its schedule is kept when
 * the send lag (sent - due) p99 is <= 5 ms. Its CPU time per second of wall time is the harness's overhead.
 * vegeta attacks the same server at the same rates in the same run; it keeps its schedule when the rate it
 * reports is >= 99% of the one asked for (vegeta reports no send lag).
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execa } from 'execa';
import { ApiConnection } from '../src/observe/load/api-connection.ts';
import type { ApiLoadResult } from '../src/observe/load/api-load.ts';
import { runArrivals } from '../src/observe/load/arrival-schedule.ts';
import { ClientView } from '../src/observe/load/client-view.ts';
import { resolveTool } from '../src/tools/index.ts';

const cli = join(import.meta.dirname, '..', 'bin', 'gauntlet.js');
const resultsFile = join(import.meta.dirname, 'results', 'load.json');
const seconds = 5;
const rates = [500, 1000, 2000, 4000, 8000, 12000, 16000, 24000];

async function trivialServer() {
  const child = execa(
    process.execPath,
    [
      '-e',
      "require('http').createServer((q,s)=>s.end('ok')).listen(0,'127.0.0.1',function(){console.log(this.address().port)})",
    ],
    { buffer: false, reject: false },
  );
  const port = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (d) => resolve(String(d).trim())),
  );
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

async function generatorAt(url: string, perSecond: number) {
  const api = new ApiConnection(
    url,
    { server: url, tls: { rejectUnauthorized: true }, headers: {}, describe: () => url },
    64,
    10_000,
  );
  const view = new ClientView(
    {
      mutating: 1000,
      'resource-read': 1000,
      'namespace-read': 1000,
      'cluster-read': 1000,
      'watch-open': 1000,
    },
    0.99,
  );
  const inFlight = new Set<Promise<void>>();
  let firstSent = Number.POSITIVE_INFINITY;
  let lastSent = 0;
  // Connections opened (and undici's parser compiled) before the clock starts, as runApiLoad does.
  await Promise.all(Array.from({ length: 64 }, () => api.request('GET', '/', performance.now() + 10_000)));
  const cpu = process.cpuUsage();
  const wall = performance.now();
  await runArrivals([{ name: 'get', perSecond }], seconds * 1000, (_, dueAt) => {
    const p = api
      .request('GET', '/', dueAt + 10_000)
      .then((a) => {
        firstSent = Math.min(firstSent, a.sentAt);
        lastSent = Math.max(lastSent, a.sentAt);
        view.record({
          op: 'get',
          sloClass: 'resource-read',
          dueAt,
          sentAt: a.sentAt,
          endedAt: a.endedAt,
          ok: a.ok,
          status: a.status,
        });
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  });
  await Promise.all(inFlight);
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - wall;
  await api.close();
  const f = view.figures();
  const op = f.operations[0]!;
  return {
    perSecond,
    requests: f.requests,
    failed: op.failed,
    sendLagP99Ms: f.sendLagP99Ms,
    latencyP99Ms: op.p99Ms,
    cpuCores: Number(((used.user + used.system) / 1000 / wallMs).toFixed(3)),
    /** Measured as vegeta measures its own: requests over the span from the first send to the last. */
    achievedRate: Number(((f.requests - 1) / ((lastSent - firstSent) / 1000)).toFixed(1)),
    keptSchedule: f.sendLagP99Ms <= 5 && op.failed === 0,
  };
}

async function vegetaAt(vegeta: string, url: string, perSecond: number) {
  const dir = await mkdtemp(join(tmpdir(), 'bench-vegeta-'));
  const bin = join(dir, 'r.bin');
  await execa(vegeta, ['attack', `-rate=${perSecond}/1s`, `-duration=${seconds}s`, `-output=${bin}`], {
    input: `GET ${url}/\n`,
  });
  const report = JSON.parse((await execa(vegeta, ['report', '-type=json', bin])).stdout) as {
    rate: number;
    requests: number;
    success: number;
    latencies: { '99th': number };
  };
  return {
    perSecond,
    requests: report.requests,
    achievedRate: Number(report.rate.toFixed(1)),
    success: report.success,
    latencyP99Ms: report.latencies['99th'] / 1e6,
    keptSchedule: report.rate >= 0.99 * perSecond && report.success === 1,
  };
}

async function apiSlo(ha: boolean) {
  const state = await mkdtemp(join(tmpdir(), 'bench-load-state-'));
  const out = await mkdtemp(join(tmpdir(), 'bench-load-out-'));
  const env = { ...process.env, GAUNTLET_STATE_DIR: state };
  const name = ha ? 'bench-load-ha' : 'bench-load';
  await execa(process.execPath, [cli, 'cluster', 'up', '--name', name, ...(ha ? ['--ha'] : [])], {
    env,
    stdio: 'inherit',
  });
  try {
    await execa(
      process.execPath,
      [cli, 'load', 'api', '--cluster', name, '--out', out, '--set', 'durationSeconds=30'],
      {
        env,
        reject: false,
        stdio: 'inherit',
      },
    );
    const [runId] = await readdir(out);
    const t = JSON.parse(await readFile(join(out, runId!, 'load', 'api.json'), 'utf8')) as ApiLoadResult;
    return {
      verdict: t.verdict,
      definition: { durationSeconds: t.definition.durationSeconds, operations: t.definition.operations },
      server: t.server.map((r) => ({
        key: r.key,
        requests: r.requests,
        withinBound: r.withinBound,
        p99AtMostSeconds: r.p99AtMostSeconds,
      })),
      client: {
        availability: t.client.availability,
        sendLagP99Ms: t.client.sendLagP99Ms,
        operations: t.client.operations.map((o) => ({
          op: o.op,
          requests: o.requests,
          p50Ms: o.p50Ms,
          p99Ms: o.p99Ms,
          maxMs: o.maxMs,
        })),
      },
      scrapes: t.scrapes,
    };
  } finally {
    await execa(process.execPath, [cli, 'cluster', 'down', '--name', name], { env, reject: false });
  }
}

const loadBefore = Number(loadavg()[0]!.toFixed(2));
const server = await trivialServer();
const vegeta = (await resolveTool('vegeta')).path;
const generator = [];
const vegetaRuns = [];
try {
  for (const rate of rates) {
    generator.push(await generatorAt(server.url, rate));
    vegetaRuns.push(await vegetaAt(vegeta, server.url, rate));
    process.stderr.write(
      `rate ${rate}: ${JSON.stringify(generator.at(-1))} ${JSON.stringify(vegetaRuns.at(-1))}\n`,
    );
  }
} finally {
  server.stop();
}
const loadAfter = Number(loadavg()[0]!.toFixed(2));
/** The highest rate below which every rate tried kept its schedule (a lucky higher rate does not count). */
const best = (runs: { perSecond: number; keptSchedule: boolean }[]) => {
  const firstMiss = runs.findIndex((r) => !r.keptSchedule);
  return (firstMiss < 0 ? runs.at(-1)?.perSecond : runs[firstMiss - 1]?.perSecond) ?? 0;
};
const skipClusters = process.env.BENCH_LOAD_NO_CLUSTERS === '1';
const result = {
  date: new Date().toISOString(),
  cores: cpus().length,
  /** The machine is shared: its 1-minute load average before and after the capacity runs. */
  loadAverage: { before: loadBefore, after: loadAfter },
  capacity: {
    secondsPerRate: seconds,
    /** The criterion: send lag p99 <= 5 ms. */
    generatorHighestRate: best(generator),
    /** vegeta's criterion, applied to both: the rate achieved >= 99% of the one asked for, no failure. */
    generatorHighestRateByAchievedRate: best(
      generator.map((g) => ({ ...g, keptSchedule: g.achievedRate >= 0.99 * g.perSecond && g.failed === 0 })),
    ),
    vegetaHighestRate: best(vegetaRuns),
    generator,
    vegeta: vegetaRuns,
  },
  // BENCH_LOAD_NO_CLUSTERS=1 measures the capacity only and keeps the API SLO figures of the last full run.
  apiSlo: skipClusters
    ? ((await readFile(resultsFile, 'utf8').then(
        (t) => (JSON.parse(t) as { apiSlo?: unknown }).apiSlo,
        () => undefined,
      )) ?? 'not measured')
    : { single: await apiSlo(false), ha: await apiSlo(true) },
};
await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result.capacity, null, 2)}\n`);
