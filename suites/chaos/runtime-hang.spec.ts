import {
  CoordinationV1Api,
  DiscoveryV1Api,
  type V1EndpointSlice,
  type V1Lease,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import { expect } from 'chai';
import type { CheckContext } from '../../checks/check.ts';
import { closeCheckContext, openCheckContext } from '../../checks/check-context.ts';
import { symptomMessage } from '../../faults/local/runtime-hang.ts';
import { nodeReadyCondition } from '../../src/kube/describe.ts';
import { ResilientInformer } from '../../src/kube/informer.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import { runContext } from '../../src/model/run-context.ts';
import { skipBecause } from '../skip.ts';
import { Scenario } from './scenario.ts';
import { scenarioMonitors } from './scenario-monitors.ts';

const replicas = 3;
/** The pods' not-ready toleration: 5 s, as latency-sensitive services set it (the cluster default is 30 s). */
const tolerationSeconds = 5;
const readyEndpoints = (slices: readonly V1EndpointSlice[]) =>
  slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).length;

/**
 * "Docker hangs" (PLEG not healthy): the kubelet keeps its Lease but reports NotReady, and nothing on the node
 * can start or finish terminating. Expected: the node is NotReady at once with the kubelet's wording, its pods
 * are replaced elsewhere after their not-ready toleration, the Service never drops below replicas - 1 ready
 * endpoints, and after the runtime recovers the node is Ready and nothing stays stuck.
 */
describe('[Chaos][Node] container runtime hang', () => {
  let ctx: CheckContext;
  let scenario: Scenario;
  let node: string;
  let endpoints: ResilientInformer<V1EndpointSlice>;
  const readyCounts: { at: number; ready: number }[] = [];
  /** Ready endpoints the Service must keep: every pod not on the hung node. */
  let floor = replicas - 1;
  /** When the watch showed the node NotReady: the not-ready taint, and so the toleration, count from about here. */
  let notReadyAt = 0;

  before(async function () {
    const run = runContext();
    if (!run.cluster.local)
      skipBecause(this, 'the container runtime is simulated by kwok on the embedded cluster only');
    ctx = await openCheckContext(run, 'chaos-runtime');
    const { kube, namespace, labels } = ctx;
    const selector = { app: 'web' };
    await kube.core.createNamespacedService({
      namespace,
      body: { metadata: { name: 'web', labels }, spec: { selector, ports: [{ port: 80, name: 'http' }] } },
    });
    await kube.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web', labels },
        spec: {
          replicas,
          selector: { matchLabels: selector },
          template: {
            metadata: { labels: { ...labels, ...selector } },
            spec: {
              containers: [
                {
                  name: 'web',
                  image: 'registry.k8s.io/pause:3.10',
                  ports: [{ containerPort: 80, name: 'http' }],
                },
              ],
              tolerations: [
                {
                  key: 'node.kubernetes.io/not-ready',
                  operator: 'Exists',
                  effect: 'NoExecute',
                  tolerationSeconds,
                },
              ],
              // Spread one pod per node while there is room; ScheduleAnyway so a replacement still fits when a
              // node is lost on a small cluster (a hard spread would count the hung node and refuse it).
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: 'kubernetes.io/hostname',
                  whenUnsatisfiable: 'ScheduleAnyway',
                  labelSelector: { matchLabels: selector },
                },
              ],
            },
          },
        },
      },
    });
    const pods = await readyPods(replicas, 60_000);
    // Hang the node with the fewest web pods (one, when the spread worked): the floor below counts what it holds.
    const perNode = new Map<string, number>();
    for (const p of pods) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    [node] = [...perNode.entries()].sort((a, b) => a[1] - b[1])[0]!;
    floor = replicas - perNode.get(node)!;
    const discovery = kube.config.makeApiClient(DiscoveryV1Api);
    endpoints = new ResilientInformer<V1EndpointSlice>(kube, {
      path: `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
      list: () => discovery.listNamespacedEndpointSlice({ namespace }),
    });
    scenario = await Scenario.open('runtime-hang', { monitors: scenarioMonitors });
  });

  after(async () => {
    endpoints?.stop();
    if (scenario) await scenario.finish();
    if (ctx) await closeCheckContext(ctx);
  });

  async function readyPods(count: number, timeoutMs: number, avoid?: string): Promise<V1Pod[]> {
    const { kube, namespace } = ctx;
    return watchUntil<V1Pod, V1Pod[]>(kube, {
      list: () => kube.core.listNamespacedPod({ namespace, labelSelector: 'app=web' }),
      path: `/api/v1/namespaces/${namespace}/pods`,
      query: { labelSelector: 'app=web' },
      done: (pods) => {
        const ready = pods.filter(
          (p) =>
            !p.metadata?.deletionTimestamp &&
            p.spec?.nodeName !== avoid &&
            p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        return ready.length >= count ? ready : undefined;
      },
      what: `${count} ready web pods${avoid ? ` off ${avoid}` : ''}`,
      progress: (pods) =>
        pods
          .map(
            (p) =>
              `${p.metadata?.name}@${p.spec?.nodeName}:${p.status?.phase}${p.metadata?.deletionTimestamp ? '(terminating)' : ''}`,
          )
          .join(', '),
      timeoutMs,
    });
  }

  it('the node reports NotReady with the kubelet wording while it keeps its Lease', async () => {
    const { kube } = ctx;
    await endpoints.start();
    // Every change of the ready count is a transition on the timeline; the verdict uses counts that lasted.
    const record = () => {
      const ready = readyEndpoints(endpoints.list());
      if (ready === readyCounts.at(-1)?.ready) return;
      readyCounts.push({ at: Date.now(), ready });
      scenario.timeline.transition({
        at: Date.now(),
        observedAt: Date.now(),
        check: 'web-endpoints',
        ok: ready >= floor,
        detail: `Service web has ${ready} ready endpoints (expected at least ${floor})`,
      });
    };
    endpoints.on('change', record);
    record();
    await scenario.inject('runtime-hang', { kind: 'node', name: node });
    const injectedAt = Date.now();
    const condition = await watchUntil<V1Node, NonNullable<ReturnType<typeof nodeReadyCondition>>>(kube, {
      list: () => kube.core.listNode({ fieldSelector: `metadata.name=${node}` }),
      path: '/api/v1/nodes',
      query: { fieldSelector: `metadata.name=${node}` },
      done: ([n]) => {
        const c = n && nodeReadyCondition(n);
        return c?.status === 'False' ? c : undefined;
      },
      what: `node ${node} to report NotReady`,
      timeoutMs: 10_000,
    });
    notReadyAt = Date.now();
    scenario.timeline.mark(`node ${node} NotReady after ${notReadyAt - injectedAt} ms: ${condition.message}`);
    expect(condition.reason).to.equal('KubeletNotReady');
    expect(condition.message).to.equal(symptomMessage['pleg-unhealthy']);
    // The kubelet is alive: its Lease is renewed after the hang began (kwok renews every lease duration / 4).
    const leases = kube.config.makeApiClient(CoordinationV1Api);
    const fieldSelector = `metadata.name=${node}`;
    await watchUntil<V1Lease, true>(kube, {
      list: () => leases.listNamespacedLease({ namespace: 'kube-node-lease', fieldSelector }),
      path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
      query: { fieldSelector },
      done: ([lease]) =>
        (lease?.spec?.renewTime && new Date(lease.spec.renewTime).getTime() > injectedAt) || undefined,
      what: `the Lease of ${node} to be renewed during the hang`,
      timeoutMs: runContext().cluster.local!.config.timings.nodeLeaseDurationSeconds * 1000,
    });
  });

  it('its pods are replaced on other nodes after the not-ready toleration, with the Service never below replicas - 1', async () => {
    const t = runContext().cluster.local!.config.timings;
    await readyPods(replicas, (tolerationSeconds + t.nodeMonitorPeriodSeconds + 20) * 1000, node);
    const replacedMs = Date.now() - notReadyAt;
    scenario.timeline.mark(`${replicas} web pods ready off ${node} ${replacedMs} ms after NotReady`);
    // Eviction waits for the pods' toleration of the not-ready taint; the taint can be stamped a moment before
    // the watch delivered NotReady to us, hence the 500 ms of slack.
    expect(
      replacedMs,
      `replacement after the ${tolerationSeconds} s not-ready toleration, not before`,
    ).to.be.at.least(tolerationSeconds * 1000 - 500);
    // A count shorter-lived than this is the EndpointSlice controller mid-update (one slice rewritten), not an outage.
    const settledMs = 500;
    const lasting = readyCounts.filter((c, i) => (readyCounts[i + 1]?.at ?? Date.now()) - c.at >= settledMs);
    const fewest = Math.min(...lasting.map((c) => c.ready));
    expect(
      fewest,
      `fewest ready endpoints of Service web lasting ${settledMs} ms during the hang`,
    ).to.be.at.least(floor);
  });

  it('after the runtime recovers the node is Ready and nothing stays stuck', async () => {
    const { kube, namespace } = ctx;
    // Reverts, then waits for the watched Service endpoints, DNS and ReplicaSets to be healthy again.
    await scenario.converge(60_000);
    await watchUntil<V1Node, true>(kube, {
      list: () => kube.core.listNode({ fieldSelector: `metadata.name=${node}` }),
      path: '/api/v1/nodes',
      query: { fieldSelector: `metadata.name=${node}` },
      done: ([n]) => (n && nodeReadyCondition(n)?.status === 'True') || undefined,
      what: `node ${node} Ready again`,
      timeoutMs: 30_000,
    });
    await watchUntil<V1Pod, true>(kube, {
      list: () => kube.core.listNamespacedPod({ namespace, labelSelector: 'app=web' }),
      path: `/api/v1/namespaces/${namespace}/pods`,
      query: { labelSelector: 'app=web' },
      done: (pods) =>
        (pods.length === replicas &&
          pods.every((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running')) ||
        undefined,
      what: `exactly ${replicas} Running web pods, none Terminating`,
      progress: (pods) =>
        pods
          .map(
            (p) =>
              `${p.metadata?.name}:${p.status?.phase}${p.metadata?.deletionTimestamp ? '(terminating)' : ''}`,
          )
          .join(', '),
      timeoutMs: 30_000,
    });
  });
});
