import { readdir, readFile, watch } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { CheckContext } from '../../checks/check.ts';
import { closeCheckContext, openCheckContext } from '../../checks/check-context.ts';
import { nodeReadyStatus } from '../../src/kube/describe.ts';
import { ResilientInformer } from '../../src/kube/informer.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import { runContext } from '../../src/model/run-context.ts';
import { skipBecause } from '../skip.ts';
import { Scenario } from './scenario.ts';
import { scenarioMonitors } from './scenario-monitors.ts';

const replicas = 6;
const evictionTaints = (node: V1Node) =>
  (node.spec?.taints ?? []).filter(
    (t) =>
      t.effect === 'NoExecute' &&
      (t.key === 'node.kubernetes.io/unreachable' || t.key === 'node.kubernetes.io/not-ready'),
  );
/** kube-controller-manager's own words when it stops evicting because every node is unreachable. */
const enteringMessage = 'Controller detected that all Nodes are not-Ready. Entering master disruption mode';
/**
 * Taints added up to this long after the entering line belong to the pass that entered the mode: the controller
 * logs first, then removes the taints node by node while its tainting worker (every 100 ms) may still take a
 * node of a zone whose rate was normal; timeAdded is also truncated to the second.
 */
const enteringPassSlackMs = 3_000;
/** The latest eviction taint's timeAdded, in ms (Infinity when the controller did not say: counted as new). */
const taintedAt = (node: V1Node) =>
  Math.max(
    ...evictionTaints(node).map((t) =>
      t.timeAdded ? Date.parse(String(t.timeAdded)) : Number.POSITIVE_INFINITY,
    ),
  );

/**
 * Runs last of the chaos scenarios (the file name sorts after zone-loss): after leaving full-disruption mode the
 * controller was seen not to taint a node of a one-node zone that went NotReady for ~30 s (HA test cluster), which
 * would skew a scenario run right after it.
 *
 * Every zone loses the API at once (a control-plane network partition, not an outage of the nodes): the node
 * lifecycle controller must take it for its own problem, enter full-disruption mode, remove the eviction taints
 * and stop evicting, so that no pod is lost when the partition heals. Mirrors upstream's node lifecycle
 * controller unit test "all zones fully disrupted" in e2e form.
 */
describe('[Chaos][Zone] every zone loses the API at once: full disruption, no mass eviction', () => {
  let ctx: CheckContext;
  let scenario: Scenario;
  let uids: string[] = [];
  let allUnknownAt = 0;
  let partitionedAt = 0;
  let hold: Hold | undefined;
  let taints: TaintHistory | undefined;
  const timings = () => runContext().cluster.local!.config.timings;

  before(async function () {
    const run = runContext();
    if (!run.cluster.local)
      skipBecause(this, "freezing every zone's kubelets exists on the embedded cluster only");
    ctx = await openCheckContext(run, 'chaos-disruption');
    const { kube, namespace, labels } = ctx;
    await kube.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'steady', labels },
        spec: {
          replicas,
          selector: { matchLabels: { app: 'steady' } },
          // Default tolerations (the cluster's unreachable toleration): what most workloads run with.
          template: {
            metadata: { labels: { ...labels, app: 'steady' } },
            spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] },
          },
        },
      },
    });
    const pods = await watchUntil<V1Pod, V1Pod[]>(kube, {
      list: () => kube.core.listNamespacedPod({ namespace, labelSelector: 'app=steady' }),
      path: `/api/v1/namespaces/${namespace}/pods`,
      query: { labelSelector: 'app=steady' },
      done: (list) => {
        const running = list.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
        return running.length === replicas ? running : undefined;
      },
      what: `${replicas} Running steady pods`,
      timeoutMs: 60_000,
    });
    uids = pods.map((p) => p.metadata!.uid!).sort();
    scenario = await Scenario.open('full-disruption', { monitors: scenarioMonitors });
  });

  after(async () => {
    taints?.stop();
    if (scenario) await scenario.finish();
    if (ctx) await closeCheckContext(ctx);
  });

  it('every node goes Unknown within the grace period', async () => {
    const { kube } = ctx;
    const t = timings();
    // Watched from before the partition: a taint added and removed again before the mode is entered counts too.
    taints = new TaintHistory(kube);
    await taints.start();
    partitionedAt = Date.now();
    for (const zone of runContext().cluster.local!.config.zones)
      await scenario.inject('zone-loss', { kind: 'zone', name: zone });
    const injectedAt = Date.now();
    // Nodes renew their Lease at different moments: the last one can be a whole lease duration behind the first.
    const boundMs =
      (t.nodeMonitorGracePeriodSeconds + t.nodeMonitorPeriodSeconds + t.nodeLeaseDurationSeconds + 5) * 1000;
    await watchUntil<V1Node, true>(kube, {
      list: () => kube.core.listNode(),
      path: '/api/v1/nodes',
      done: (nodes) =>
        (nodes.length > 0 && nodes.every((n) => nodeReadyStatus(n) === 'Unknown')) || undefined,
      what: 'every node to be Unknown',
      progress: (nodes) => nodes.map((n) => `${n.metadata?.name}:${nodeReadyStatus(n)}`).join(', '),
      timeoutMs: boundMs,
    });
    allUnknownAt = Date.now();
    scenario.timeline.mark(`every node Unknown ${allUnknownAt - injectedAt} ms after the partition`);
  });

  it('the controller enters full-disruption mode: evictions stop, no node is tainted afterwards, no mass eviction', async () => {
    const { kube, namespace } = ctx;
    const t = timings();
    // Component logs are flushed every few seconds (--log-flush-frequency, 5 s): wait for the line to land.
    const enteredAt = await untilControllerManagerLogs(enteringMessage, partitionedAt, 20_000);
    scenario.timeline.mark(
      `kube-controller-manager entered master disruption mode at ${new Date(enteredAt).toISOString()}`,
    );

    // Holding the partition past the pods' toleration is the point: evictions, if any, would happen in it.
    const holdMs = Math.max(0, allUnknownAt + (t.unreachableTolerationSeconds + 10) * 1000 - Date.now());
    const passEndedAt = enteredAt + enteringPassSlackMs;
    const observed = await observeHold(kube, namespace, holdMs, taints!, passEndedAt);
    hold = observed;
    scenario.timeline.mark(`held ${holdMs} ms past the pods' ${t.unreachableTolerationSeconds} s toleration`);
    // Before the mode, a zone whose nodes all went Unknown first is evicted from at the normal rate: upstream's
    // promise starts with the mode, so what those taints did is a finding on the timeline, not a failure.
    if (observed.taintedBefore.length > 0)
      scenario.timeline.mark(
        `finding: ${observed.taintedBefore.join(', ')} got an eviction taint before or in the pass that entered ` +
          `full-disruption mode; pods deleted from them: ${observed.deleted.map((p) => p.name).join(', ') || 'none'}`,
      );
    expect(
      observed.taintedLater,
      'nodes tainted after the controller entered full-disruption mode',
    ).to.deep.equal([]);
    expect(
      observed.deleted
        .filter((p) => !observed.taintedBefore.includes(p.node))
        .map((p) => `${p.name} on ${p.node}`),
      'pods deleted from nodes that never had an eviction taint',
    ).to.deep.equal([]);
  });

  it('after the partition heals: nodes Ready, every pod not evicted is the very same pod, monitors healthy', async () => {
    const { kube, namespace } = ctx;
    const outcomes = await scenario.converge(90_000);
    await watchUntil<V1Node, true>(kube, {
      list: () => kube.core.listNode(),
      path: '/api/v1/nodes',
      done: (nodes) => nodes.every((n) => nodeReadyStatus(n) === 'True') || undefined,
      what: 'every node Ready again',
      timeoutMs: 60_000,
    });
    const pods = await watchUntil<V1Pod, V1Pod[]>(kube, {
      list: () => kube.core.listNamespacedPod({ namespace, labelSelector: 'app=steady' }),
      path: `/api/v1/namespaces/${namespace}/pods`,
      query: { labelSelector: 'app=steady' },
      done: (list) =>
        list.length === replicas &&
        list.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
          ? list
          : undefined,
      what: `${replicas} Ready steady pods`,
      timeoutMs: 60_000,
    });
    const evicted = new Set(hold?.deleted.map((p) => p.uid));
    expect(
      pods.map((p) => p.metadata!.uid!),
      'pods that were not evicted, by uid',
    ).to.include.members(uids.filter((uid) => !evicted.has(uid)));
    expect(outcomes.every((o) => o.okAtEnd)).to.equal(true);
  });
});

/**
 * When a kube-controller-manager first logged the message since `since` (an earlier partition of a reused
 * cluster logged it too), from klog's header ("Immdd hh:mm:ss.uuuuuu", the host's local time, as the component
 * runs here), woken by writes to the logs directory.
 */
async function untilControllerManagerLogs(
  message: string,
  since: number,
  timeoutMs: number,
): Promise<number> {
  const dir = join(runContext().cluster.local!.dir, 'logs');
  const loggedAt = async () => {
    const files = (await readdir(dir)).filter((f) => f.startsWith('kube-controller-manager'));
    const texts = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
    const times = texts
      .flatMap((t) => t.split('\n'))
      .filter((line) => line.includes(message))
      .map(klogTime)
      .filter((at) => at >= since - 1_000); // klog's clock and ours are the host's: 1 s for rounding
    return times.length > 0 ? Math.min(...times) : undefined;
  };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const watcher = watch(dir, { signal: abort.signal });
    const first = await loggedAt();
    if (first !== undefined) return first;
    for await (const _ of watcher) {
      const at = await loggedAt();
      if (at !== undefined) return at;
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    clearTimeout(timer);
  }
  throw new Error(`kube-controller-manager did not log "${message}" within ${timeoutMs} ms`);
}

function klogTime(line: string): number {
  const m = /^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})/.exec(line);
  if (!m) throw new Error(`kube-controller-manager log line without a klog header: ${line.slice(0, 120)}`);
  const [month, day, h, min, sec, ms] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(new Date().getFullYear(), month - 1, day, h, min, sec, ms).getTime();
}

interface Hold {
  /** Nodes given an eviction taint before the pass that entered disruption mode ended (by timeAdded). */
  taintedBefore: string[];
  /** Nodes given an eviction taint after that pass (by timeAdded): evictions that should have stopped. */
  taintedLater: string[];
  /** Pods of the namespace deleted while the partition was held (or being deleted when it began), with their node. */
  deleted: { name: string; uid: string; node: string }[];
}

/** Every eviction taint seen on each node since start(), by its timeAdded: taints since removed included. */
class TaintHistory {
  private readonly added = new Map<string, Set<number>>();
  private readonly nodes: ResilientInformer<V1Node>;
  constructor(kube: CheckContext['kube']) {
    this.nodes = new ResilientInformer<V1Node>(kube, {
      path: '/api/v1/nodes',
      list: () => kube.core.listNode(),
    });
    this.nodes.on('change', () => this.note());
  }
  async start(): Promise<void> {
    await this.nodes.start();
    this.note();
  }
  stop(): void {
    this.nodes.stop();
  }
  private note(): void {
    for (const n of this.nodes.list()) {
      if (evictionTaints(n).length === 0) continue;
      const name = n.metadata!.name!;
      const times = this.added.get(name) ?? new Set<number>();
      times.add(taintedAt(n));
      this.added.set(name, times);
    }
  }
  /** Nodes with a taint added at or before `at`. */
  before(at: number): string[] {
    return [...this.added]
      .filter(([, times]) => [...times].some((t) => t <= at))
      .map(([n]) => n)
      .sort();
  }
  /** Nodes with a taint added after `at`, each with how long after. */
  after(at: number): string[] {
    return [...this.added]
      .flatMap(([n, times]) =>
        [...times]
          .filter((t) => t > at)
          .map((t) => `${n} (tainted ${((t - at) / 1000).toFixed(0)} s after that pass)`),
      )
      .sort();
  }
}

/** Watches the namespace's pods for holdMs; the taints are judged from the history against passEndedAt. */
async function observeHold(
  kube: CheckContext['kube'],
  namespace: string,
  holdMs: number,
  taints: TaintHistory,
  passEndedAt: number,
): Promise<Hold> {
  const pods = new ResilientInformer<V1Pod>(kube, {
    path: `/api/v1/namespaces/${namespace}/pods`,
    list: () => kube.core.listNamespacedPod({ namespace }),
  });
  const known = new Map<string, V1Pod>();
  const deleted = new Map<string, { name: string; uid: string; node: string }>();
  pods.on('change', () => {
    const now = new Map(pods.list().map((p) => [p.metadata!.uid!, p]));
    for (const [uid, p] of [...known, ...now]) {
      if (p.metadata?.deletionTimestamp || !now.has(uid))
        deleted.set(uid, { name: p.metadata!.name!, uid, node: p.spec?.nodeName ?? '' });
      known.set(uid, p);
    }
  });
  await pods.start();
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  pods.stop();
  return {
    taintedBefore: taints.before(passEndedAt),
    taintedLater: taints.after(passEndedAt),
    deleted: [...deleted.values()],
  };
}
