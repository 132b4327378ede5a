import type { V1Namespace } from '@kubernetes/client-node';
import type { Check, CheckContext } from '../check.ts';
import { podTemplate } from '../support/pause-pod.ts';
import { judge, Unmet } from '../support/unmet.ts';
import { waitFor } from '../support/wait-for.ts';

/** Deleting a namespace: pods terminate, then the namespace controller empties and removes it. Seconds. */
const boundMs = 30_000;
const pods = 2;

/** The namespace under test is a second one, so the check's own namespace (and the runner's cleanup) stay. */
const doomed = (ctx: CheckContext) => `${ctx.namespace}-doomed`.slice(0, 63).replace(/-+$/, '');

/**
 * Deleting a namespace removes its pods and services, then the namespace itself. Mirrors "[sig-api-machinery]
 * Namespaces [Serial] should ensure that all pods are removed when a namespace is deleted" and
 * "... should ensure that all services are removed when a namespace is deleted".
 */
export const namespaceDeletion: Check = {
  name: 'namespace-deletion',
  tags: ['SelfHealing'],
  async setup(ctx) {
    const namespace = doomed(ctx);
    await ctx.kube.core.createNamespace({ body: { metadata: { name: namespace, labels: ctx.labels } } });
    await ctx.kube.core
      .createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default' } } })
      .catch(() => undefined);
    const labels = { ...ctx.labels, app: 'doomed' };
    for (let i = 0; i < pods; i++) {
      const t = podTemplate(labels);
      await ctx.kube.core.createNamespacedPod({
        namespace,
        body: { metadata: { ...t.metadata, name: `doomed-${i}`, namespace }, spec: t.spec! },
      });
    }
    await ctx.kube.core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'doomed', namespace, labels: ctx.labels },
        spec: { selector: labels, ports: [{ port: 80 }] },
      },
    });
  },
  assess: (ctx, deadline) =>
    judge(async () => {
      const namespace = doomed(ctx);
      const started = Date.now();
      await ctx.kube.core.deleteNamespace({ name: namespace });
      const fieldSelector = `metadata.name=${namespace}`;
      const remains = async () => {
        const [p, s] = await Promise.all([
          ctx.kube.core.listNamespacedPod({ namespace }),
          ctx.kube.core.listNamespacedService({ namespace }),
        ]);
        return `${p.items.length} pods (${p.items.map((x) => x.metadata?.name).join(' ')}), ${s.items.length} services left`;
      };
      let lastProgress = '';
      try {
        await waitFor<V1Namespace, true>(
          ctx.kube,
          {
            list: () => ctx.kube.core.listNamespace({ fieldSelector }),
            path: '/api/v1/namespaces',
            query: { fieldSelector },
          },
          {
            done: (list) => (list.length === 0 ? true : undefined),
            what: `namespace ${namespace} (${pods} pods, 1 service) to be removed after deletion`,
            progress: (list) =>
              `${list[0]?.status?.phase ?? 'gone'}; ${(list[0]?.status?.conditions ?? []).map((c) => `${c.type}: ${c.message}`).join('; ')}${lastProgress}`,
            timeoutMs: Math.min(deadline.timeoutMs, boundMs),
          },
        );
      } catch (error) {
        if (error instanceof Unmet) throw new Unmet(`${error.message}; ${await remains()}`);
        throw error;
      }
      lastProgress = await remains();
      if (!lastProgress.startsWith('0 pods') || !lastProgress.includes(' 0 services'))
        throw new Unmet(`namespace ${namespace} is gone but lists ${lastProgress}`);
      return `namespace with ${pods} pods and a service removed in ${((Date.now() - started) / 1000).toFixed(1)} s`;
    }),
  // Nothing to keep watching once the namespace is gone; the verdict is the assess's.
  async monitor(ctx, signal, emit) {
    const now = Date.now();
    emit({
      at: now,
      observedAt: now,
      ok: true,
      detail: `namespace-deletion is a one-shot check (namespace ${doomed(ctx)})`,
    });
    await new Promise<void>((resolve) =>
      signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  },
  async teardown(ctx) {
    await ctx.kube.core.deleteNamespace({ name: doomed(ctx) }).catch(() => undefined);
  },
};
