/**
 * Benchmark (not a test): time from `gauntlet cluster up` to Ready, and peak RSS of all cluster processes,
 * for 9 and 1000 nodes; and `kwokctl create cluster --runtime binary` with the same binaries and node count,
 * in the same run, as a ratio. Writes bench/results/cluster-up.json. Run: npm run bench
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { V1Node } from '@kubernetes/client-node';
import { execa } from 'execa';
import { kubeFromFile } from '../src/kube/client.ts';
import { isNodeReady } from '../src/kube/describe.ts';
import { watchUntil } from '../src/kube/watch-until.ts';
import { clusterMarkerVariable } from '../src/process/cluster-processes.ts';
import { resolveTools } from '../src/tools/index.ts';
import { peakSampler, rssOf } from './rss-sampler.ts';

const cli = join(import.meta.dirname, '..', 'bin', 'gauntlet.js');
const sizes = (process.env.BENCH_SIZES ?? '9,1000').split(',').map(Number);
const runsFor = (nodes: number) => (nodes <= 9 ? Number(process.env.BENCH_RUNS ?? 5) : 1);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Sample {
  nodesReadyMs: number;
  upReturnedMs?: number;
  peakRssMiB: number;
}

/** gauntlet: the command's wall time, and when its "N nodes Ready" progress line arrived. */
async function gauntletOnce(nodes: number): Promise<Sample> {
  const state = await mkdtemp(join(tmpdir(), 'gauntlet-bench-'));
  const env = { ...process.env, GAUNTLET_STATE_DIR: state, GAUNTLET_QUIET: '0' };
  const uidNeedle = Buffer.from(`${clusterMarkerVariable}=`);
  const sampler = peakSampler(() =>
    rssOf((_pid, _cmd, environ) => environ.includes(uidNeedle) && environ.includes(Buffer.from(state))),
  );
  const started = performance.now();
  let nodesReadyMs = 0;
  const perZone = String(Math.ceil(nodes / 3));
  const up = execa(process.execPath, [cli, 'cluster', 'up', '--name', 'bench', '--nodes-per-zone', perZone], {
    env,
    reject: false,
  });
  up.stderr?.on('data', (chunk: Buffer) => {
    if (!nodesReadyMs && / nodes Ready/.test(chunk.toString())) nodesReadyMs = performance.now() - started;
  });
  try {
    const result = await up;
    const upReturnedMs = performance.now() - started;
    if (result.exitCode !== 0) throw new Error(`gauntlet cluster up failed: ${result.stderr}`);
    // Steady state for a few seconds after Ready counts too: memory grows as informers fill.
    await new Promise((r) => setTimeout(r, 5000));
    const { peakMiB } = await sampler.stop();
    return {
      nodesReadyMs: Math.round(nodesReadyMs),
      upReturnedMs: Math.round(upReturnedMs),
      peakRssMiB: peakMiB,
    };
  } finally {
    await sampler.stop();
    await execa(process.execPath, [cli, 'cluster', 'down', '--name', 'bench'], { env, reject: false });
  }
}

/** kwokctl with our binaries: create (waits for the control plane), scale nodes, watch until all Ready. */
async function kwokctlOnce(nodes: number, bins: Record<string, string>): Promise<Sample> {
  const workdir = await mkdtemp(join(tmpdir(), 'kwokctl-bench-'));
  const kubeconfig = join(workdir, 'kubeconfig');
  const env = { ...process.env, KWOK_WORKDIR: workdir };
  const sampler = peakSampler(() => rssOf((_pid, cmdline) => cmdline.includes(workdir)));
  const started = performance.now();
  const binaries = [
    ['--kube-apiserver-binary', bins['kube-apiserver']!],
    ['--kube-controller-manager-binary', bins['kube-controller-manager']!],
    ['--kube-scheduler-binary', bins['kube-scheduler']!],
    ['--etcd-binary', bins.etcd!],
    ['--kwok-controller-binary', bins.kwok!],
  ].flat();
  try {
    const create = [
      'create',
      'cluster',
      '--name',
      'bench',
      '--runtime',
      'binary',
      '--kubeconfig',
      kubeconfig,
    ];
    await execa(bins.kwokctl!, [...create, '--wait', '120s', ...binaries], { env });
    await execa(bins.kwokctl!, ['scale', 'node', '--name', 'bench', '--replicas', String(nodes)], { env });
    const kube = kubeFromFile(kubeconfig);
    await watchUntil<V1Node, true>(kube, {
      list: () => kube.core.listNode(),
      path: '/api/v1/nodes',
      done: (all) => all.filter(isNodeReady).length >= nodes || undefined,
      what: `${nodes} kwokctl nodes Ready`,
      timeoutMs: 300_000,
    });
    const nodesReadyMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 5000));
    const { peakMiB } = await sampler.stop();
    return { nodesReadyMs: Math.round(nodesReadyMs), peakRssMiB: peakMiB };
  } finally {
    await sampler.stop();
    await execa(bins.kwokctl!, ['delete', 'cluster', '--name', 'bench'], { env, reject: false });
  }
}

const tools = await resolveTools([
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'kwokctl',
]);
const bins = Object.fromEntries(Object.values(tools).map((t) => [t.name, t.path]));
const results = [];
for (const nodes of sizes) {
  const gauntlet: Sample[] = [];
  const kwokctl: Sample[] = [];
  // Interleaved so both see the same machine conditions.
  for (let i = 0; i < runsFor(nodes); i++) {
    gauntlet.push(await gauntletOnce(nodes));
    kwokctl.push(await kwokctlOnce(nodes, bins));
    process.stderr.write(
      `${nodes} nodes, run ${i + 1}: gauntlet ${JSON.stringify(gauntlet.at(-1))} kwokctl ${JSON.stringify(kwokctl.at(-1))}\n`,
    );
  }
  const g = median(gauntlet.map((s) => s.nodesReadyMs));
  const k = median(kwokctl.map((s) => s.nodesReadyMs));
  results.push({
    nodes,
    runs: gauntlet.length,
    gauntlet: {
      medianNodesReadyMs: g,
      medianUpReturnedMs: median(gauntlet.map((s) => s.upReturnedMs!)),
      peakRssMiB: Math.max(...gauntlet.map((s) => s.peakRssMiB)),
      samples: gauntlet,
    },
    kwokctl: {
      medianNodesReadyMs: k,
      peakRssMiB: Math.max(...kwokctl.map((s) => s.peakRssMiB)),
      samples: kwokctl,
    },
    ratioNodesReady: Number((g / k).toFixed(2)),
  });
}
const nine = results.find((r) => r.nodes === 9);
const thousand = results.find((r) => r.nodes === 1000);
const report = {
  benchmark: 'cluster-up',
  date: new Date().toISOString(),
  machine: { cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  versions: Object.fromEntries(Object.values(tools).map((t) => [t.name, t.version])),
  method:
    'wall time from starting the command to N nodes Ready (gauntlet: arrival of its "N nodes Ready" progress line; ' +
    'kwokctl: create --wait + scale node + watch until N Ready); gauntlet also waits for a probe Deployment before ' +
    'returning (upReturnedMs). RSS: peak sum of VmRSS of every cluster process, sampled every 200 ms until 5 s after Ready.',
  targets: {
    nineNodesRatioMax: 1.0,
    nineNodesMsMax: 10_000,
    thousandNodesMsMax: 60_000,
    nineNodesRssMiBMax: 1536,
  },
  met: {
    nineNodesRatio: nine ? nine.ratioNodesReady <= 1.0 : null,
    nineNodesUnder10s: nine ? nine.gauntlet.medianUpReturnedMs <= 10_000 : null,
    thousandNodesUnder60s: thousand ? thousand.gauntlet.medianNodesReadyMs <= 60_000 : null,
    nineNodesRssUnder1536MiB: nine ? nine.gauntlet.peakRssMiB <= 1536 : null,
  },
  results,
};
const out = join(import.meta.dirname, 'results', 'cluster-up.json');
await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(
  `${JSON.stringify({ met: report.met, results: results.map(({ nodes, gauntlet: gg, kwokctl: kk, ratioNodesReady }) => ({ nodes, gauntlet: gg.medianNodesReadyMs, up: gg.medianUpReturnedMs, rss: gg.peakRssMiB, kwokctl: kk.medianNodesReadyMs, kwokRss: kk.peakRssMiB, ratioNodesReady })) }, null, 2)}\n${out}\n`,
);
