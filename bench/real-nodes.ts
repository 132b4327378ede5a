/**
 * Benchmark (not a test): real nodes in the embedded cluster. `cluster up` to Ready with 3 real + 6 simulated
 * nodes (binaries cached), pod startup latency on real nodes (create -> Running as the API reports it, over 50
 * pods, 5 created at a time), memory per real node (its cgroup subtree: the node's containerd, kubelet,
 * kube-proxy and its pods), and one containerd hang (SIGSTOP -> NotReady, SIGCONT -> Ready) against the
 * kubelet's bound. Writes bench/results/real-nodes.json. Run: npx tsx bench/real-nodes.ts
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';
import { realNodeContainerdPid } from '../clusters/local/real-nodes/node-processes.ts';
import { type Kube, kubeFromFile } from '../src/kube/client.ts';
import { nodeReadyCondition } from '../src/kube/describe.ts';
import { watchUntil } from '../src/kube/watch-until.ts';
import type { LocalClusterSpec } from '../src/model/local-cluster-spec.ts';

const cli = join(import.meta.dirname, '..', 'bin', 'gauntlet.js');
const pods = Number(process.env.BENCH_PODS ?? 50);
const concurrency = 5;
const runtimeRequestTimeoutSeconds = 15;
const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
};

const state = await mkdtemp(join(tmpdir(), 'gauntlet-bench-real-'));
const env = { ...process.env, GAUNTLET_STATE_DIR: state, GAUNTLET_QUIET: '1' };
const config = join(state, 'config.yaml');
await writeFile(
  config,
  `apiVersion: gauntlet.dev/v1alpha1
kind: GauntletConfig
cluster:
  name: bench-real
  local:
    realNodes: 3
    nodesPerZone: 2
    timings:
      runtimeRequestTimeoutSeconds: ${runtimeRequestTimeoutSeconds}
`,
);

const upStarted = Date.now();
await execa(process.execPath, [cli, 'cluster', 'up', '-c', config], { env, stdio: 'inherit' });
const upMs = Date.now() - upStarted;
const spec = JSON.parse(
  await readFile(join(state, 'clusters', 'bench-real', 'cluster.json'), 'utf8'),
) as LocalClusterSpec;
const kube = kubeFromFile(spec.kubeconfig);

async function podRunningMs(k: Kube, n: number): Promise<number> {
  const name = `startup-${n}`;
  const created = Date.now();
  await k.core.createNamespacedPod({
    namespace: 'default',
    body: {
      metadata: { name, labels: { bench: 'startup' } },
      spec: {
        nodeSelector: { 'gauntlet.dev/node-kind': 'real' },
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: 'c',
            image: 'gauntlet.dev/toolbox:1',
            imagePullPolicy: 'IfNotPresent',
            command: ['sleep', '3600'],
          },
        ],
      },
    },
  });
  const fieldSelector = `metadata.name=${name}`;
  await watchUntil<V1Pod, true>(k, {
    list: () => k.core.listNamespacedPod({ namespace: 'default', fieldSelector }),
    path: '/api/v1/namespaces/default/pods',
    query: { fieldSelector },
    done: (ps) => ps[0]?.status?.phase === 'Running' || undefined,
    what: `pod ${name} Running`,
    timeoutMs: 60_000,
  });
  return Date.now() - created;
}

const latencies: number[] = [];
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < pods) latencies.push(await podRunningMs(kube, next++));
  }),
);

/** A node's memory: its cgroup subtree's RSS (memory.stat total_rss) and usage including page cache. */
async function nodeMemory(node: string) {
  const dir = join('/sys/fs/cgroup/memory', spec.realNodes!.cgroupParent, node);
  const stat = await readFile(join(dir, 'memory.stat'), 'utf8');
  const rss = Number(/^total_rss (\d+)$/m.exec(stat)?.[1] ?? 0);
  const usage = Number((await readFile(join(dir, 'memory.usage_in_bytes'), 'utf8')).trim());
  return { node, rssMiB: Math.round(rss / 2 ** 20), usageMiB: Math.round(usage / 2 ** 20) };
}
const memory = await Promise.all(spec.realNodes!.nodes.map((n) => nodeMemory(n.name)));

// One real containerd hang on the node with the fewest pods.
const target = spec.realNodes!.nodes[0]!;
const waitReady = (ready: boolean, timeoutMs: number) => {
  const fieldSelector = `metadata.name=${target.name}`;
  return watchUntil<V1Node, true>(kube, {
    list: () => kube.core.listNode({ fieldSelector }),
    path: '/api/v1/nodes',
    query: { fieldSelector },
    done: (ns) => (ns[0] && (nodeReadyCondition(ns[0])?.status === 'True') === ready) || undefined,
    what: `node ${target.name} ${ready ? 'Ready' : 'NotReady'}`,
    timeoutMs,
  });
};
const pid = (await realNodeContainerdPid(spec.uid, target.dir))!;
const stoppedAt = Date.now();
process.kill(pid, 'SIGSTOP');
await waitReady(false, 120_000);
const notReadyMs = Date.now() - stoppedAt;
const message = nodeReadyCondition(await kube.core.readNode({ name: target.name }))?.message;
const resumedAt = Date.now();
process.kill(pid, 'SIGCONT');
await waitReady(true, 120_000);
const readyAgainMs = Date.now() - resumedAt;

await execa(process.execPath, [cli, 'cluster', 'down', '--name', 'bench-real'], { env, stdio: 'inherit' });

const p50 = quantile(latencies, 0.5);
const p99 = quantile(latencies, 0.99);
const report = {
  at: new Date().toISOString(),
  machine: { cpus: cpus().length, note: 'shared with other jobs while measured' },
  cluster: { realNodes: 3, simulatedNodes: 6, upToReadyMs: upMs, targetMs: 15_000 },
  podStartup: {
    pods,
    concurrency,
    p50Ms: p50,
    p99Ms: p99,
    maxMs: Math.max(...latencies),
    targetP99Ms: 2000,
    sloP99Ms: 5000,
  },
  memoryPerNode: { nodes: memory, targetMiB: 250 },
  runtimeHang: {
    runtimeRequestTimeoutSeconds,
    sigstopToNotReadyMs: notReadyMs,
    // The kubelet reports the runtime down once its last good runtime sync is 30 s old; the sync itself
    // blocks for up to runtimeRequestTimeout, and the status update may wait on one more timed-out call.
    kubeletBoundMs: { earliest: 30_000 - 5_000, latest: 30_000 + 2 * runtimeRequestTimeoutSeconds * 1000 },
    message,
    sigcontToReadyMs: readyAgainMs,
  },
  met: {
    up: upMs <= 15_000,
    podStartupP99: p99 <= 2000,
    memory: memory.every((m) => m.rssMiB <= 250),
  },
};
const out = join(import.meta.dirname, 'results', 'real-nodes.json');
await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report, null, 2)}\n${out}\n`);
