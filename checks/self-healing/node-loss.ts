import type { V1Node, V1Pod, V1Toleration } from '@kubernetes/client-node';
import { isNodeReady, zoneLabel } from '../../src/kube/describe.ts';
import type { Check, CheckContext } from '../check.ts';
import { collections } from '../support/collections.ts';
import { informers } from '../support/informers.ts';
import { podTemplate } from '../support/pause-pod.ts';
import { isActive, isPodReady } from '../support/pod-state.ts';
import { readModifyWrite } from '../support/read-modify-write.ts';
import { judge, Unmet } from '../support/unmet.ts';
import { monitorVerdict } from '../support/verdict-monitor.ts';
import { waitFor } from '../support/wait-for.ts';
import { SimulatedKubelet } from './simulated-kubelet.ts';

const name = 'orphans';
const replicas = 2;
/** Fixture pods leave a lost node this long after it is tainted (the default would be 300 s, or 30 s here). */
const tolerationSeconds = 1;
/** Label that pins the first pods to the check's own node; replacements are free to go anywhere. */
const pinLabel = 'gauntlet.dev/node-loss';
/** Node start-up and pod starts on a healthy cluster, on top of the derived detection time. */
const slackMs = 15_000;
/** Grace period when the cluster's configuration is unknown (a real cluster): the kube-controller-manager default. */
const defaultGraceSeconds = 40;

/** The kubelets of running checks, by namespace: setup starts one, assess loses it, teardown makes sure. */
const kubelets = new Map<string, SimulatedKubelet>();

const nodeName = (ctx: CheckContext) => `gauntlet-lost-${ctx.runId}`.slice(0, 63).replace(/-+$/, '');

const tolerations: V1Toleration[] = [
  ...['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'].map((key) => ({
    key,
    operator: 'Exists',
    effect: 'NoExecute',
    tolerationSeconds,
  })),
  { key: pinLabel, operator: 'Exists', effect: 'NoSchedule' },
];

/** How long until the node lifecycle controller notices and evicts: grace period, then the pods' toleration. */
function lossBoundMs(ctx: CheckContext): number {
  const grace = ctx.cluster.local?.config.timings.nodeMonitorGracePeriodSeconds ?? defaultGraceSeconds;
  return (grace + tolerationSeconds) * 1000 + slackMs;
}

/**
 * Pods of a node that is lost are recreated on other nodes. The check makes its own simulated node (labelled with
 * the run id) whose heartbeat it owns (simulated-kubelet.ts), pins a ReplicaSet's first pods to it, then stops
 * the heartbeat: the node lifecycle controller marks it Unknown after the grace period, taints it unreachable,
 * evicts the pods after their toleration, and the ReplicaSet replaces them elsewhere. Mirrors
 * "[sig-apps] [Disruptive] NodeLifecycleController / Pods should be evicted from unready Node" and
 * "[sig-node] NoExecuteTaintManager Single Pod [Serial] evicts pods from tainted nodes". Embedded cluster only:
 * on a real cluster losing a node is a fault, not a check, so it is skipped there.
 */
export const nodeLoss: Check = {
  name: 'node-loss',
  tags: ['SelfHealing'],
  async setup(ctx) {
    if (!ctx.cluster.local) return;
    const zone = ctx.cluster.local.config.zones[0]!;
    const node: V1Node = {
      metadata: {
        name: nodeName(ctx),
        labels: {
          ...ctx.labels,
          'kubernetes.io/hostname': nodeName(ctx),
          'kubernetes.io/os': 'linux',
          [zoneLabel]: zone,
          [pinLabel]: ctx.runId,
        },
      },
      // Only the fixture's pods (which tolerate this) may land here: nothing else is lost with the node.
      spec: { taints: [{ key: pinLabel, value: ctx.runId, effect: 'NoSchedule' }] },
    };
    const kubelet = new SimulatedKubelet(
      ctx.kube,
      node,
      ctx.cluster.local.config.timings.nodeLeaseDurationSeconds,
    );
    kubelets.set(ctx.namespace, kubelet);
    await kubelet.start();
    const labels = { ...ctx.labels, app: name };
    await ctx.kube.apps.createNamespacedReplicaSet({
      namespace: ctx.namespace,
      body: {
        metadata: { name, namespace: ctx.namespace, labels: ctx.labels },
        spec: {
          replicas,
          selector: { matchLabels: labels },
          template: podTemplate(labels, { nodeSelector: { [pinLabel]: ctx.runId }, tolerations }),
        },
      },
    });
  },
  async assess(ctx, deadline) {
    if (!ctx.cluster.local)
      return {
        status: 'skipped',
        reason: 'needs a node it may lose: runs on the embedded cluster (use the node faults elsewhere)',
      };
    return judge(async () => {
      const lost = nodeName(ctx);
      const id = `ReplicaSet ${ctx.namespace}/${name}`;
      const pods = collections.pods(ctx.kube, ctx.namespace, `app=${name}`);
      const startBound = Math.min(deadline.timeoutMs, slackMs);
      const onNode = (list: V1Pod[]) =>
        list.filter((p) => p.spec?.nodeName === lost && isActive(p) && isPodReady(p));
      await waitFor(ctx.kube, pods, {
        done: (list) => (onNode(list).length === replicas ? true : undefined),
        what: `${id}: ${replicas} Ready pods on node ${lost}`,
        progress: (list) =>
          list
            .map((p) => `${p.metadata?.name} on ${p.spec?.nodeName ?? '-'} ${p.status?.phase}`)
            .join(', ') || 'no pods',
        timeoutMs: startBound,
      });
      // From now on replacements may go anywhere; the pods already running keep their pin.
      await readModifyWrite(
        () => ctx.kube.apps.readNamespacedReplicaSet({ name, namespace: ctx.namespace }),
        (body) => ctx.kube.apps.replaceNamespacedReplicaSet({ name, namespace: ctx.namespace, body }),
        (rs) => {
          delete rs.spec!.template!.spec!.nodeSelector;
        },
      );
      const started = Date.now();
      kubelets.get(ctx.namespace)?.lose();
      const bound = Math.min(deadline.timeoutMs, lossBoundMs(ctx));
      const elsewhere = (list: V1Pod[]) =>
        list.filter((p) => p.spec?.nodeName && p.spec.nodeName !== lost && isActive(p) && isPodReady(p));
      const moved = await waitFor(ctx.kube, pods, {
        done: (list) => (elsewhere(list).length === replicas ? elsewhere(list) : undefined),
        what: `${id}: its ${replicas} pods recreated and Ready on other nodes after node ${lost} was lost`,
        progress: (list) =>
          list
            .map(
              (p) =>
                `${p.metadata?.name} on ${p.spec?.nodeName ?? '-'} ${p.metadata?.deletionTimestamp ? 'Terminating' : p.status?.phase}`,
            )
            .join(', '),
        timeoutMs: bound,
      });
      const node = await ctx.kube.core.readNode({ name: lost });
      if (isNodeReady(node))
        throw new Unmet(`node ${lost}: still Ready after it stopped heartbeating; expected Unknown`);
      return `pods recreated on ${[...new Set(moved.map((p) => p.spec?.nodeName))].join(', ')} ${((Date.now() - started) / 1000).toFixed(1)} s after node ${lost} stopped heartbeating (bound ${(bound / 1000).toFixed(0)} s)`;
    });
  },
  monitor: (ctx, signal, emit) => {
    const pods = informers.pods(ctx.kube, ctx.namespace, `app=${name}`);
    return monitorVerdict({
      informers: [pods],
      signal,
      emit,
      judge: () => {
        const ready = pods.list().filter((p) => isActive(p) && isPodReady(p)).length;
        return {
          ok: ready >= replicas,
          detail: `ReplicaSet ${ctx.namespace}/${name}: ${ready} of ${replicas} pods Ready`,
        };
      },
    });
  },
  async teardown(ctx) {
    if (!ctx.cluster.local) return;
    kubelets.get(ctx.namespace)?.lose();
    kubelets.delete(ctx.namespace);
    const ignore = (e: { code?: number }) => {
      if (e.code !== 404) throw e;
    };
    // Nobody finishes the deletion of pods on a lost node (no kubelet): force it, or the namespace hangs.
    const stuck = await ctx.kube.core.listNamespacedPod({
      namespace: ctx.namespace,
      fieldSelector: `spec.nodeName=${nodeName(ctx)}`,
    });
    await Promise.all(
      stuck.items.map((p) =>
        ctx.kube.core
          .deleteNamespacedPod({ name: p.metadata!.name!, namespace: ctx.namespace, gracePeriodSeconds: 0 })
          .catch(ignore),
      ),
    );
    await ctx.kube.core.deleteNode({ name: nodeName(ctx) }).catch(ignore);
  },
};
