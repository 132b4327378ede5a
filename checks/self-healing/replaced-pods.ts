import type { V1ReplicaSet } from '@kubernetes/client-node';
import type { Check } from '../check.ts';
import { collections } from '../support/collections.ts';
import { informers } from '../support/informers.ts';
import { podTemplate } from '../support/pause-pod.ts';
import { isActive, isPodReady } from '../support/pod-state.ts';
import { judge } from '../support/unmet.ts';
import { monitorVerdict } from '../support/verdict-monitor.ts';
import { waitFor } from '../support/wait-for.ts';

const name = 'healer';
const replicas = 3;
const deleted = 2;
/** Replacing a pod is one controller pass plus a pod start: seconds, even on a busy cluster. */
const replaceBoundMs = 20_000;

/**
 * Pods of a ReplicaSet that are deleted are replaced by new ones (new names and UIDs), Ready within a bound.
 * Mirrors "[sig-apps] ReplicaSet should serve a basic image on each replica with a public image" (all replicas
 * Running) and "[sig-apps] ReplicationController should surface a failure condition ..."'s replacement loop:
 * the controller keeps status.readyReplicas at spec.replicas.
 */
export const replacedPods: Check = {
  name: 'replaced-pods',
  tags: ['SelfHealing'],
  async setup(ctx) {
    const labels = { ...ctx.labels, app: name };
    await ctx.kube.apps.createNamespacedReplicaSet({
      namespace: ctx.namespace,
      body: {
        metadata: { name, namespace: ctx.namespace, labels: ctx.labels },
        spec: { replicas, selector: { matchLabels: labels }, template: podTemplate(labels) },
      },
    });
  },
  assess: (ctx, deadline) =>
    judge(async () => {
      const bound = Math.min(deadline.timeoutMs, replaceBoundMs);
      const pods = collections.pods(ctx.kube, ctx.namespace, `app=${name}`);
      const id = `ReplicaSet ${ctx.namespace}/${name}`;
      const ready = (list: Parameters<typeof isActive>[0][]) =>
        list.filter((p) => isActive(p) && isPodReady(p));
      const first = await waitFor(ctx.kube, pods, {
        done: (list) => (ready(list).length === replicas ? ready(list) : undefined),
        what: `${id} to have ${replicas} Ready pods`,
        progress: (list) => `${ready(list).length} of ${replicas} Ready`,
        timeoutMs: bound,
      });
      const victims = first.slice(0, deleted).map((p) => p.metadata!.uid!);
      const started = Date.now();
      await Promise.all(
        first
          .slice(0, deleted)
          .map((p) =>
            ctx.kube.core.deleteNamespacedPod({ name: p.metadata!.name!, namespace: ctx.namespace }),
          ),
      );
      const fresh = (list: Parameters<typeof isActive>[0][]) =>
        ready(list).filter((p) => !victims.includes(p.metadata!.uid!));
      await waitFor(ctx.kube, pods, {
        done: (list) => (fresh(list).length === replicas ? true : undefined),
        what: `${id} to replace ${deleted} deleted pods (${replicas} Ready pods, none of them deleted ones)`,
        progress: (list) =>
          `${fresh(list).length} of ${replicas} Ready; pods: ${list.map((p) => `${p.metadata?.name}=${p.metadata?.deletionTimestamp ? 'Terminating' : p.status?.phase}`).join(', ')}`,
        timeoutMs: bound,
      });
      return `${deleted} deleted pods replaced, ${replicas} Ready again after ${((Date.now() - started) / 1000).toFixed(1)} s`;
    }),
  monitor: (ctx, signal, emit) => {
    const sets = informers.replicaSets(ctx.kube, ctx.namespace);
    return monitorVerdict({
      informers: [sets],
      signal,
      emit,
      judge: () => {
        const rs: V1ReplicaSet | undefined = sets.get(name, ctx.namespace);
        const readyReplicas = rs?.status?.readyReplicas ?? 0;
        return {
          ok: readyReplicas >= replicas,
          detail: `ReplicaSet ${ctx.namespace}/${name}: ${readyReplicas} of ${replicas} replicas Ready`,
        };
      },
    });
  },
  async teardown() {},
};
