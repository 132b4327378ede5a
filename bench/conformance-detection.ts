/**
 * Detection latency of a monitor: how long after the API shows a broken behaviour does the check say so?
 * Brings up a small embedded cluster, starts the endpoint-slices monitor, stops the controller manager (so
 * EndpointSlices stop following pods), then flips a pod's readiness N times. For each flip it records when
 * the write was sent, when the watch event reached the monitor (observedAt) and when the transition was
 * emitted (at). Writes bench/results/conformance-detection.json. Run: npx tsx bench/conformance-detection.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transition } from '../checks/check.ts';
import { closeCheckContext, openCheckContext } from '../checks/check-context.ts';
import { endpointSliceGraceMs, endpointSlicesCheck } from '../checks/service-discovery/endpoint-slices.ts';
import { setPodReady } from '../checks/service-discovery/service-fixtures.ts';
import type { LocalClusterSpec } from '../clusters/local/cluster-spec.ts';
import { kubeFromFile } from '../src/kube/client.ts';

const flips = Number(process.env.FLIPS ?? 10);
const name = 'detect';
const state = mkdtempSync(join(tmpdir(), 'gauntlet-bench-detect-'));
const env = { ...process.env, GAUNTLET_STATE_DIR: state, GAUNTLET_QUIET: '1' };
const cli = join(import.meta.dirname, '..', 'bin', 'gauntlet.js');
const gauntlet = (...args: string[]) =>
  execFileSync(process.execPath, [cli, ...args], { env, stdio: 'inherit' });

gauntlet('cluster', 'up', '--name', name, '--nodes-per-zone', '1');
try {
  const dir = join(state, 'clusters', name);
  const spec = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as LocalClusterSpec;
  const control = JSON.parse(readFileSync(join(dir, 'supervisor.json'), 'utf8')) as { controlPort: number };
  const kube = kubeFromFile(spec.kubeconfig);
  const cluster = {
    name,
    provisioner: 'local' as const,
    kubeconfig: spec.kubeconfig,
    owned: false,
    local: spec,
  };
  const ctx = await openCheckContext(
    { kube, cluster, runId: `bench-${Date.now()}` },
    endpointSlicesCheck.name,
  );
  await endpointSlicesCheck.setup(ctx);

  const transitions: Omit<Transition, 'check'>[] = [];
  const waiters: { ok: boolean; resolve: (t: Omit<Transition, 'check'>) => void }[] = [];
  const emit = (t: Omit<Transition, 'check'>) => {
    transitions.push(t);
    const w = waiters.findIndex((x) => x.ok === t.ok);
    if (w >= 0) waiters.splice(w, 1)[0]!.resolve(t);
  };
  const next = (ok: boolean, timeoutMs = 30_000) =>
    new Promise<Omit<Transition, 'check'>>((resolve, reject) => {
      waiters.push({ ok, resolve });
      setTimeout(() => reject(new Error(`no ok=${ok} transition within ${timeoutMs} ms`)), timeoutMs).unref();
    });

  const stop = new AbortController();
  const firstOk = next(true);
  const monitoring = endpointSlicesCheck.monitor(ctx, stop.signal, emit);
  // Healthy first: the 2 replicas Ready and listed (the first ok:true after they are).
  const pods = async () =>
    (await kube.core.listNamespacedPod({ namespace: ctx.namespace })).items.filter((p) => p.status?.podIP);
  await firstOk;
  while ((await pods()).length < 2 || transitions.at(-1)?.ok !== true)
    await next(true).catch(() => undefined);
  const target = (await pods())[0]!.metadata!.name!;

  // The break: the controller manager held down, so nothing updates EndpointSlices any more.
  await fetch(`http://127.0.0.1:${control.controlPort}/components/kube-controller-manager-0/stop`, {
    method: 'POST',
  });

  const samples: {
    flip: string;
    writeToEventMs: number;
    eventToTransitionMs: number;
    writeToTransitionMs: number;
  }[] = [];
  for (let n = 0; n < flips; n++) {
    for (const ready of [false, true]) {
      // ready=false breaks the agreement (the slice still says ready); ready=true restores it.
      const waiting = next(ready === true);
      const sent = Date.now();
      await setPodReady(ctx, target, ready);
      const t = await waiting;
      samples.push({
        flip: ready
          ? 'recover (ok:true, reported at once)'
          : `break (ok:false, after ${endpointSliceGraceMs} ms grace)`,
        writeToEventMs: t.observedAt - sent,
        eventToTransitionMs: t.at - t.observedAt,
        writeToTransitionMs: t.at - sent,
      });
    }
  }
  stop.abort();
  await monitoring;
  await fetch(`http://127.0.0.1:${control.controlPort}/components/kube-controller-manager-0/start`, {
    method: 'POST',
  });
  await closeCheckContext(ctx);

  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
    return { n: s.length, min: s[0], p50: q(0.5), p90: q(0.9), max: s.at(-1) };
  };
  const of = (kind: string, key: keyof (typeof samples)[number]) =>
    stats(samples.filter((s) => s.flip.startsWith(kind)).map((s) => s[key] as number));
  const result = {
    bench: 'conformance-detection',
    date: new Date().toISOString(),
    machine: { cores: availableParallelism(), cpu: cpus()[0]?.model, node: process.version },
    cluster: { nodes: 3, versions: spec.versions },
    monitor: 'endpoint-slices',
    break: 'kube-controller-manager held down, then a listed pod flips Ready False/True',
    graceMs: endpointSliceGraceMs,
    figures: {
      breakEventToTransitionMs: of('break', 'eventToTransitionMs'),
      breakWriteToTransitionMs: of('break', 'writeToTransitionMs'),
      recoverEventToTransitionMs: of('recover', 'eventToTransitionMs'),
      writeToWatchEventMs: stats(samples.map((s) => s.writeToEventMs)),
    },
    samples,
  };
  const out = join(import.meta.dirname, 'results', 'conformance-detection.json');
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result.figures, null, 2));
} finally {
  gauntlet('cluster', 'down', '--name', name);
}
