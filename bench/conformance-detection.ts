/**
 * Detection latency of monitors: how long after the API shows a broken behaviour does the check say so?
 * Brings up a small embedded cluster and measures two monitors, each flipping a pod's readiness N times:
 * - replaced-pods (a ReplicaSet's ready replicas; judged on every event, no grace): the ReplicaSet controller
 *   reports the unready pod in the ReplicaSet's status, and the monitor must see it;
 * - endpoint-slices (slices agree with pods; a 500 ms grace for the controller's normal lag): with the
 *   controller manager held down, EndpointSlices stop following pods.
 * For each flip it records when the write was sent, when the watch event reached the monitor (observedAt) and
 * when the transition was emitted (at). Writes bench/results/conformance-detection.json.
 * Run: npx tsx bench/conformance-detection.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Check, CheckContext } from '../checks/check.ts';
import { closeCheckContext, openCheckContext } from '../checks/check-context.ts';
import { replacedPods } from '../checks/self-healing/replaced-pods.ts';
import { endpointSliceGraceMs, endpointSlicesCheck } from '../checks/service-discovery/endpoint-slices.ts';
import { setPodReady } from '../checks/service-discovery/service-fixtures.ts';
import { kubeFromFile } from '../src/kube/client.ts';
import type { LocalClusterSpec } from '../src/model/local-cluster-spec.ts';
import type { Transition } from '../src/model/timeline.ts';

const flips = Number(process.env.FLIPS ?? 10);
const name = 'detect';
const state = mkdtempSync(join(tmpdir(), 'gauntlet-bench-detect-'));
const env = { ...process.env, GAUNTLET_STATE_DIR: state, GAUNTLET_QUIET: '1' };
const cli = join(import.meta.dirname, '..', 'bin', 'gauntlet.js');
const gauntlet = (...args: string[]) =>
  execFileSync(process.execPath, [cli, ...args], { env, stdio: 'inherit' });

type Seen = Omit<Transition, 'check'>;
interface Sample {
  monitor: string;
  flip: string;
  writeToEventMs: number;
  eventToTransitionMs: number;
  writeToTransitionMs: number;
}

/** A check's monitor running, with a way to await its next transition of a given verdict. */
function watchMonitor(check: Check, ctx: CheckContext) {
  const transitions: Seen[] = [];
  const waiters: { ok: boolean; resolve: (t: Seen) => void }[] = [];
  const emit = (t: Seen) => {
    transitions.push(t);
    const w = waiters.findIndex((x) => x.ok === t.ok);
    if (w >= 0) waiters.splice(w, 1)[0]!.resolve(t);
  };
  const next = (ok: boolean, timeoutMs = 60_000) =>
    new Promise<Seen>((resolve, reject) => {
      waiters.push({ ok, resolve });
      setTimeout(
        () => reject(new Error(`${check.name}: no ok=${ok} transition within ${timeoutMs} ms`)),
        timeoutMs,
      ).unref();
    });
  // Asked for before the monitor starts, so its first transition cannot be missed.
  const firstOk = next(true);
  const stop = new AbortController();
  const done = check.monitor(ctx, stop.signal, emit);
  return {
    name: check.name,
    transitions,
    firstOk,
    next,
    async stop() {
      stop.abort();
      await done;
    },
  };
}

/** Flips a pod's readiness False then True, `flips` times, timing each transition the monitor emits. */
async function measureFlips(
  monitor: ReturnType<typeof watchMonitor>,
  ctx: CheckContext,
  pod: string,
  label: { break: string; recover: string },
): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let n = 0; n < flips; n++) {
    for (const ready of [false, true]) {
      const waiting = monitor.next(ready);
      const sent = Date.now();
      await setPodReady(ctx, pod, ready);
      const t = await waiting;
      samples.push({
        monitor: monitor.name,
        flip: ready ? label.recover : label.break,
        writeToEventMs: t.observedAt - sent,
        eventToTransitionMs: t.at - t.observedAt,
        writeToTransitionMs: t.at - sent,
      });
    }
  }
  return samples;
}

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
  const runId = `bench-${Date.now()}`;
  const podsOf = async (ctx: CheckContext) =>
    (await kube.core.listNamespacedPod({ namespace: ctx.namespace })).items.filter((p) => p.status?.podIP);

  // 1. replaced-pods, with every controller running: the ReplicaSet's status follows its pods.
  const healer = await openCheckContext({ kube, cluster, runId }, replacedPods.name);
  await replacedPods.setup(healer);
  const healerMonitor = watchMonitor(replacedPods, healer);
  await healerMonitor.firstOk;
  const healerSamples = await measureFlips(
    healerMonitor,
    healer,
    (await podsOf(healer))[0]!.metadata!.name!,
    {
      break: 'break (ok:false, judged at once)',
      recover: 'recover (ok:true, judged at once)',
    },
  );
  await healerMonitor.stop();
  await closeCheckContext(healer);

  // 2. endpoint-slices, with the controller manager held down: nothing updates EndpointSlices any more.
  const ctx = await openCheckContext({ kube, cluster, runId }, endpointSlicesCheck.name);
  await endpointSlicesCheck.setup(ctx);
  const slicesMonitor = watchMonitor(endpointSlicesCheck, ctx);
  // The monitor's first ok comes once the fixture's 2 pods are Ready and listed.
  await slicesMonitor.firstOk;
  const target = (await podsOf(ctx))[0]!.metadata!.name!;
  await fetch(`http://127.0.0.1:${control.controlPort}/components/kube-controller-manager-0/stop`, {
    method: 'POST',
  });
  const sliceSamples = await measureFlips(slicesMonitor, ctx, target, {
    break: `break (ok:false, after ${endpointSliceGraceMs} ms grace)`,
    recover: 'recover (ok:true, reported at once)',
  });
  await slicesMonitor.stop();
  await fetch(`http://127.0.0.1:${control.controlPort}/components/kube-controller-manager-0/start`, {
    method: 'POST',
  });
  await closeCheckContext(ctx);

  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
    return { n: s.length, min: s[0], p50: q(0.5), p90: q(0.9), max: s.at(-1) };
  };
  const of = (samples: Sample[], kind: string, key: keyof Sample) =>
    stats(samples.filter((s) => s.flip.startsWith(kind)).map((s) => s[key] as number));
  const figuresOf = (samples: Sample[]) => ({
    breakEventToTransitionMs: of(samples, 'break', 'eventToTransitionMs'),
    breakWriteToTransitionMs: of(samples, 'break', 'writeToTransitionMs'),
    recoverEventToTransitionMs: of(samples, 'recover', 'eventToTransitionMs'),
    writeToWatchEventMs: stats(samples.map((s) => s.writeToEventMs)),
  });
  const result = {
    bench: 'conformance-detection',
    date: new Date().toISOString(),
    machine: { cores: availableParallelism(), cpu: cpus()[0]?.model, node: process.version },
    cluster: { nodes: 3, versions: spec.versions },
    target: 'a monitor reports a break within 1000 ms of the watch event that shows it',
    monitors: {
      'replaced-pods': {
        break:
          "a pod of the ReplicaSet flips Ready False/True; the controller updates the ReplicaSet's status",
        graceMs: 0,
        figures: figuresOf(healerSamples),
      },
      'endpoint-slices': {
        break: 'kube-controller-manager held down, then a listed pod flips Ready False/True',
        graceMs: endpointSliceGraceMs,
        figures: figuresOf(sliceSamples),
      },
    },
    samples: [...healerSamples, ...sliceSamples],
  };
  const out = join(import.meta.dirname, 'results', 'conformance-detection.json');
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result.monitors, null, 2));
} finally {
  gauntlet('cluster', 'down', '--name', name);
}
