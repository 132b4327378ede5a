import { PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { z } from 'zod';
import { kwokNodeAnnotation } from '../../clusters/local/components/kwok-zones.ts';
import { realNodeContainerdPid } from '../../clusters/local/real-nodes/node-processes.ts';
import { ConfigError } from '../../src/errors.ts';
import type { Kube } from '../../src/kube/client.ts';
import type { Fault } from '../fault.ts';

/**
 * The marker kwok's stages select on (fixtures/kwok/stages.yaml): on a node its value is the symptom, on a pod
 * it is "hung". Pod stages see only the pod, so each pod the runtime holds is marked, not just its node.
 */
export const runtimeAnnotation = 'gauntlet.dev/runtime';
const hungPod = 'hung';

const symptoms = ['pleg-unhealthy', 'runtime-down'] as const;
type Symptom = (typeof symptoms)[number];

/** The kubelet's Ready=False message for each symptom, as the stages write it when the node turns NotReady. */
export const symptomMessage: Record<Symptom, string> = {
  'pleg-unhealthy': 'PLEG is not healthy: pleg was last seen active 3m1s ago; threshold is 3m0s',
  'runtime-down': 'container runtime is down',
};

const spec = z.strictObject({
  /**
   * pleg-unhealthy: the runtime answers its status check but relisting containers hangs (docker stuck on one
   * container, the classic case); runtime-down: the runtime does not answer at all.
   */
  symptom: z.enum(symptoms).default('pleg-unhealthy'),
});

const markedPod = z.object({
  namespace: z.string().min(1),
  name: z.string().min(1),
  uid: z.string(),
  /** The pod's marker before the fault: null, or "hung" when an earlier injection on this node holds it. */
  previous: z.string().nullable(),
});
type MarkedPod = z.infer<typeof markedPod>;

const undo = z.object({
  node: z.string().min(1),
  /** The node's marker before the fault (null unless another runtime-hang on this node is still injected). */
  previous: z.string().nullable(),
  /** Every unfinished pod on the node when the runtime hung: these are marked, and only these are unmarked. */
  pods: z.array(markedPod),
  /** A real node: its containerd is frozen instead (no markers); the cluster uid and node directory find it. */
  real: z.object({ uid: z.string().min(1), nodeDir: z.string().min(1) }).optional(),
});
type Undo = z.infer<typeof undo>;

/** SIGSTOP/SIGCONT of a real node's containerd; a runtime that is not running has nothing to freeze or thaw. */
async function signalContainerd(real: NonNullable<Undo['real']>, signal: 'SIGSTOP' | 'SIGCONT') {
  const pid = await realNodeContainerdPid(real.uid, real.nodeDir);
  if (pid === undefined) {
    if (signal === 'SIGSTOP')
      throw new ConfigError(`runtime-hang: no containerd running for ${real.nodeDir}`);
    return;
  }
  process.kill(pid, signal);
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Sets (or, with null, removes) the marker on a node. */
async function markNode(kube: Kube, name: string, value: string | null): Promise<void> {
  await kube.core.patchNode(
    { name, body: { metadata: { annotations: { [runtimeAnnotation]: value } } } },
    mergePatch,
  );
}

/**
 * Sets (or removes) the marker on a pod, if it is still the pod that was journaled: the uid in the patch must
 * match (it is immutable, so the API refuses it with 422 otherwise), so a pod deleted meanwhile (404) or
 * replaced under the same name (422, or 409 from a precondition) is left alone.
 */
async function markPod(kube: Kube, pod: MarkedPod, value: string | null): Promise<void> {
  await kube.core
    .patchNamespacedPod(
      {
        name: pod.name,
        namespace: pod.namespace,
        body: { metadata: { uid: pod.uid, annotations: { [runtimeAnnotation]: value } } },
      },
      mergePatch,
    )
    .catch((error: { code?: number }) => {
      if (error.code !== 404 && error.code !== 409 && error.code !== 422) throw error;
    });
}

/** Runs fn over items, a few at a time: a node holds up to 110 pods and the API should not get them at once. */
async function eachBounded<T>(items: T[], fn: (item: T) => Promise<void>, concurrency = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

const finished = (pod: V1Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/**
 * The container runtime on a node hangs ("docker hangs", PLEG not healthy). The kubelet stays up, so the node
 * keeps its Lease, but reports Ready=False (KubeletNotReady) with the kubelet's own message, and nothing on the
 * node moves: a pod it had not started stays ContainerCreating, a deleted pod stays Terminating, running
 * containers run on unreported. kwok plays all of it through weight-100 stages selected by the markers set here.
 *
 * What follows is the real control plane's doing: the node lifecycle controller taints the node not-ready
 * (NoSchedule at once, so the scheduler places no new pod there; NoExecute, so its pods are evicted after their
 * not-ready toleration and then hang in Terminating while replacements start elsewhere). Because the kubelet
 * reported NotReady itself (the node did not go Unknown), the controller does not mark the pods NotReady: they
 * stay Ready endpoints until evicted, as on a real cluster. A pod bound to the node after the hang (nodeName set
 * by hand, or tolerating the taint) carries no marker and is started by kwok: the one place the simulation
 * departs from a real hung runtime.
 *
 * Revert removes the markers, node first: kwok's normal stages make the node Ready and resume the pods (a
 * pending one starts, a deleted one finishes).
 */
export const runtimeHang: Fault<z.infer<typeof spec>, Undo> = {
  kind: 'runtime-hang',
  undo,
  summary:
    'the container runtime of a node hangs: NotReady (PLEG not healthy) with its Lease renewed, pods stuck ContainerCreating/Terminating',
  spec,
  targets: 'node',
  describe: (s, target) => {
    const node = target.kind === 'node' ? target.name : '?';
    if (node.startsWith('real-'))
      return (
        `SIGSTOP the containerd of node/${node} if it is a real node (its kubelet reports NotReady "container ` +
        `runtime is down" after its runtime request timeout; SIGCONT on revert); on a kwok node: annotate ` +
        `node/${node} ${runtimeAnnotation}=${s.symptom}`
      );
    return (
      `annotate node/${node} ${runtimeAnnotation}=${s.symptom} (kwok reports Ready=False, KubeletNotReady: ` +
      `"${symptomMessage[s.symptom]}"; its Lease stays renewed) and every unfinished pod on it ` +
      `${runtimeAnnotation}=${hungPod} (they neither start nor finish terminating)`
    );
  },
  async capture(ctx, _spec, target) {
    if (target.kind !== 'node' || !ctx.cluster.local)
      throw new ConfigError(
        'runtime-hang acts on nodes of the embedded cluster, whose kwok plays the hang (fixtures/kwok/stages.yaml)',
      );
    const node = await ctx.kube.core.readNode({ name: target.name });
    const real = ctx.cluster.local.realNodes?.nodes.find((n) => n.name === target.name);
    if (real) {
      // A real kubelet: the hang is the real thing, and so is what the kubelet reports (and when).
      return {
        node: target.name,
        previous: null,
        pods: [],
        real: { uid: ctx.cluster.local.uid, nodeDir: real.dir },
      };
    }
    if (node.metadata?.annotations?.[kwokNodeAnnotation] !== 'fake')
      throw new ConfigError(
        `target: node ${target.name} is not played by kwok (no ${kwokNodeAnnotation}=fake)`,
      );
    const pods = await ctx.kube.core.listPodForAllNamespaces({
      fieldSelector: `spec.nodeName=${target.name}`,
    });
    return {
      node: target.name,
      previous: node.metadata?.annotations?.[runtimeAnnotation] ?? null,
      pods: pods.items
        .filter((pod) => !finished(pod))
        .map((pod) => ({
          namespace: pod.metadata!.namespace!,
          name: pod.metadata!.name!,
          uid: pod.metadata!.uid!,
          previous: pod.metadata?.annotations?.[runtimeAnnotation] ?? null,
        })),
    };
  },
  async apply(ctx, s, _target, undo) {
    if (undo.real) return signalContainerd(undo.real, 'SIGSTOP');
    // Pods first: the runtime freezes what it holds before the kubelet notices and reports NotReady.
    await eachBounded(undo.pods, (pod) => markPod(ctx.kube, pod, hungPod));
    await markNode(ctx.kube, undo.node, s.symptom);
  },
  async revert(ctx, undo) {
    if (undo.real) return signalContainerd(undo.real, 'SIGCONT');
    // Node first: the kubelet reports Ready as soon as the runtime answers, then the pods proceed. Only markers
    // this fault set are touched, so reverting twice, or an intent whose apply never ran, changes nothing.
    const node = await ctx.kube.core.readNode({ name: undo.node }).catch((error: { code?: number }) => {
      if (error.code === 404) return undefined;
      throw error;
    });
    const current = node?.metadata?.annotations?.[runtimeAnnotation];
    if (node && current !== undefined && current !== undo.previous && symptoms.includes(current as Symptom))
      await markNode(ctx.kube, undo.node, undo.previous);
    await eachBounded(undo.pods, async (pod) => {
      if (pod.previous !== hungPod) await markPod(ctx.kube, pod, pod.previous);
    });
  },
};
