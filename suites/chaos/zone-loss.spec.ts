import type { V1Deployment, V1Node, V1Pod } from '@kubernetes/client-node';
import { expect } from 'chai';
import type { CheckContext } from '../../checks/check.ts';
import { closeCheckContext, openCheckContext } from '../../checks/check-context.ts';
import { nodeReadyStatus, zoneLabel } from '../../src/kube/describe.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import { runLabel } from '../../src/model/labels.ts';
import { runContext } from '../../src/model/run-context.ts';
import { skipBecause } from '../skip.ts';
import { Scenario } from './scenario.ts';
import { scenarioMonitors } from './scenario-monitors.ts';

const pause = { name: 'app', image: 'registry.k8s.io/pause:3.10' };
/** Pods that leave an unreachable node after 5 s, as latency-sensitive services configure (default: 300 s). */
const quickEviction = [
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
];

/**
 * "AZ down" (the EBS-per-AZ lesson): every node of one zone stops heartbeating. The real node lifecycle controller
 * marks them Unknown, taints them and evicts; stateless pods come back in the surviving zones, while a pod whose
 * volume lives in the lost zone cannot follow and stays Pending: an expected outcome, reported as such.
 */
describe('[Chaos][Zone] zone loss', () => {
  let ctx: CheckContext;
  let scenario: Scenario;
  let lostZone: string;
  const timings = () => runContext().cluster.local!.config.timings;

  before(async function () {
    const run = runContext();
    if (!run.cluster.local)
      skipBecause(this, "zone loss by freezing a zone's kubelets exists on the embedded cluster only");
    ctx = await openCheckContext(run, 'chaos-zone');
    lostZone = run.cluster.local!.config.zones[0]!;
    const { kube, namespace, labels } = ctx;
    const pvName = `gauntlet-zonal-${run.runId}`;
    await kube.core.createPersistentVolume({
      body: {
        metadata: { name: pvName, labels },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          storageClassName: 'gauntlet-zonal',
          persistentVolumeReclaimPolicy: 'Retain',
          hostPath: { path: `/tmp/${pvName}` },
          claimRef: { namespace, name: 'data' },
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: zoneLabel, operator: 'In', values: [lostZone] }] },
              ],
            },
          },
        },
      },
    });
    await kube.core.createNamespacedPersistentVolumeClaim({
      namespace,
      body: {
        metadata: { name: 'data', labels },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: 'gauntlet-zonal',
          volumeName: pvName,
          resources: { requests: { storage: '1Gi' } },
        },
      },
    });
    const deployment = (name: string, replicas: number, withVolume: boolean): V1Deployment => ({
      metadata: { name, namespace, labels },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { ...labels, app: name } },
          spec: {
            containers: [
              withVolume ? { ...pause, volumeMounts: [{ name: 'data', mountPath: '/data' }] } : pause,
            ],
            volumes: withVolume ? [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] : [],
            tolerations: quickEviction,
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: zoneLabel,
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: { matchLabels: { app: name } },
              },
            ],
          },
        },
      },
    });
    await kube.apps.createNamespacedDeployment({ namespace, body: deployment('stateless', 6, false) });
    await kube.apps.createNamespacedDeployment({ namespace, body: deployment('zonal', 1, true) });
    for (const [name, replicas] of [
      ['stateless', 6],
      ['zonal', 1],
    ] as const)
      await available(name, replicas, 60_000);
    scenario = await Scenario.open('zone-loss', { monitors: scenarioMonitors });
  });

  after(async () => {
    if (scenario) await scenario.finish();
    if (ctx) {
      await ctx.kube.core
        .deletePersistentVolume({ name: `gauntlet-zonal-${ctx.runId}` })
        .catch(() => undefined);
      await closeCheckContext(ctx);
    }
  });

  async function available(
    name: string,
    replicas: number,
    timeoutMs: number,
    notInZone?: string,
  ): Promise<void> {
    const { kube, namespace } = ctx;
    const nodes = new Map(
      (await kube.core.listNode()).items.map((n) => [n.metadata!.name!, n.metadata?.labels?.[zoneLabel]]),
    );
    await watchUntil<V1Pod, true>(kube, {
      list: () => kube.core.listNamespacedPod({ namespace, labelSelector: `app=${name}` }),
      path: `/api/v1/namespaces/${namespace}/pods`,
      query: { labelSelector: `app=${name}` },
      done: (pods) => {
        const good = pods.filter(
          (p) =>
            !p.metadata?.deletionTimestamp &&
            p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
            (!notInZone || nodes.get(p.spec?.nodeName ?? '') !== notInZone),
        );
        return good.length >= replicas || undefined;
      },
      what: `${replicas} ready ${name} pods${notInZone ? ` outside ${notInZone}` : ''}`,
      progress: (pods) =>
        pods
          .map(
            (p) =>
              `${p.metadata?.name}@${p.spec?.nodeName ?? '-'}:${p.status?.phase}${p.metadata?.deletionTimestamp ? '(terminating)' : ''}`,
          )
          .join(', '),
      timeoutMs,
    });
  }

  it('nodes of the lost zone go Unknown within the grace period, and only those', async () => {
    const { kube } = ctx;
    const t = timings();
    await scenario.inject('zone-loss', { kind: 'zone', name: lostZone });
    const injectedAt = Date.now();
    const boundMs = (t.nodeMonitorGracePeriodSeconds + t.nodeMonitorPeriodSeconds + 5) * 1000;
    const zoneNodes = await watchUntil<V1Node, V1Node[]>(kube, {
      list: () => kube.core.listNode({ labelSelector: `${zoneLabel}=${lostZone}` }),
      path: '/api/v1/nodes',
      query: { labelSelector: `${zoneLabel}=${lostZone}` },
      done: (nodes) =>
        nodes.length > 0 && nodes.every((n) => nodeReadyStatus(n) === 'Unknown') ? nodes : undefined,
      what: `every node of ${lostZone} to be Unknown`,
      progress: (nodes) => nodes.map((n) => `${n.metadata?.name}:${nodeReadyStatus(n)}`).join(', '),
      timeoutMs: boundMs,
    });
    scenario.timeline.mark(
      `${zoneNodes.length} nodes of ${lostZone} Unknown after ${Date.now() - injectedAt} ms (bound ${boundMs} ms)`,
    );
    const others = (await kube.core.listNode()).items.filter(
      (n) => n.metadata?.labels?.[zoneLabel] !== lostZone,
    );
    expect(others.map(nodeReadyStatus), 'nodes of the surviving zones').to.deep.equal(
      others.map(() => 'True'),
    );
  });

  it('stateless pods come back in the surviving zones', async () => {
    const t = timings();
    const nodesPerZone = runContext().cluster.local!.config.nodesPerZone;
    // The controller taints a lost zone's nodes at --node-eviction-rate (0.1/s): one at once, the next 10 s apart.
    const boundMs =
      ((nodesPerZone - 1) * 10 + quickEviction[0]!.tolerationSeconds + 20) * 1000 +
      t.nodeMonitorPeriodSeconds * 1000;
    const started = Date.now();
    await available('stateless', 6, boundMs, lostZone);
    scenario.timeline.mark(
      `6 stateless pods ready outside ${lostZone} ${Date.now() - started} ms after the zone went Unknown`,
    );
    // What evicted them: the controller's NoExecute taint, on nodes of the lost zone only (at 0.1 nodes/s, the
    // last ones may not be tainted yet).
    const tainted = (await ctx.kube.core.listNode()).items
      .filter((n) =>
        n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'),
      )
      .map((n) => `${n.metadata?.name} (${n.metadata?.labels?.[zoneLabel]})`);
    expect(tainted, 'nodes tainted unreachable:NoExecute').to.not.be.empty;
    expect(
      tainted.filter((t) => !t.endsWith(`(${lostZone})`)),
      'tainted nodes outside the lost zone',
    ).to.deep.equal([]);
  });

  it('the pod bound to a volume in the lost zone stays Pending, and the scheduler says why (expected: EBS volumes are zonal)', async () => {
    const { kube, namespace } = ctx;
    const pending = await watchUntil<V1Pod, V1Pod>(kube, {
      list: () => kube.core.listNamespacedPod({ namespace, labelSelector: 'app=zonal' }),
      path: `/api/v1/namespaces/${namespace}/pods`,
      query: { labelSelector: 'app=zonal' },
      done: (pods) =>
        pods.find(
          (p) =>
            !p.metadata?.deletionTimestamp &&
            p.status?.phase === 'Pending' &&
            p.status?.conditions?.some(
              (c) =>
                c.type === 'PodScheduled' &&
                c.status === 'False' &&
                /volume node affinity|PersistentVolume's node affinity/.test(c.message ?? ''),
            ),
        ),
      what: 'the zonal pod replacement to be unschedulable for its volume',
      progress: (pods) =>
        pods
          .map(
            (p) =>
              `${p.metadata?.name}:${p.status?.phase}:${p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? ''}`,
          )
          .join('; '),
      timeoutMs: 60_000,
    });
    const reason = pending.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message ?? '';
    scenario.timeline.mark(`expected outcome: ${pending.metadata?.name} Pending: ${reason}`);
    expect(reason).to.match(/volume node affinity conflict|didn't match PersistentVolume's node affinity/);
  });

  it('after the zone comes back, everything converges: nodes Ready, the zonal pod Running, nothing stuck', async () => {
    const { kube, namespace } = ctx;
    // Reverts, then waits for the watched Service endpoints, DNS and ReplicaSets to be healthy again.
    await scenario.converge(90_000);
    const revertedAt = Date.now();
    await watchUntil<V1Node, true>(kube, {
      list: () => kube.core.listNode(),
      path: '/api/v1/nodes',
      done: (nodes) => nodes.every((n) => nodeReadyStatus(n) === 'True') || undefined,
      what: 'every node Ready again',
      timeoutMs: 60_000,
    });
    await available('zonal', 1, 60_000);
    await available('stateless', 6, 60_000);
    await watchUntil<V1Pod, true>(kube, {
      list: () => kube.core.listNamespacedPod({ namespace, labelSelector: runLabel }),
      path: `/api/v1/namespaces/${namespace}/pods`,
      query: { labelSelector: runLabel },
      done: (pods) => pods.every((p) => !p.metadata?.deletionTimestamp) || undefined,
      what: 'no pod left Terminating',
      progress: (pods) =>
        pods
          .filter((p) => p.metadata?.deletionTimestamp)
          .map((p) => p.metadata?.name)
          .join(', '),
      timeoutMs: 60_000,
    });
    scenario.timeline.mark(`converged ${Date.now() - revertedAt} ms after the zone came back`);
  });
});
