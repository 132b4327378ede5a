import type { Check, CheckContext } from '../check.ts';
import { endpointSliceMismatch, expectedEndpoints } from './endpoint-expectation.ts';
import { endpointSliceGraceMs } from './endpoint-slices.ts';
import { appLabels, pod, service } from './service-fixtures.ts';
import { ServiceView } from './service-view.ts';
import { untilRight, watchVerdict } from './verdict.ts';

export const headlessName = 'db';
export const headlessPods = ['db-0', 'db-1'];
export const headlessPort = { name: 'tcp', containerPort: 5432 };
const headlessLabel = 'service.kubernetes.io/headless';

/** A headless Service and two pods that name it as their subdomain, as a StatefulSet's pods do. */
export async function createHeadlessFixtures(ctx: CheckContext): Promise<void> {
  await ctx.kube.core.createNamespacedService({
    namespace: ctx.namespace,
    body: service(ctx, headlessName, {
      selector: { app: headlessName },
      ports: [{ name: 'tcp', port: 5432, protocol: 'TCP' }],
      headless: true,
    }),
  });
  for (const p of headlessPods) {
    await ctx.kube.core.createNamespacedPod({
      namespace: ctx.namespace,
      body: pod(ctx, p, {
        labels: appLabels(ctx, headlessName),
        ports: [headlessPort],
        hostname: p,
        subdomain: headlessName,
      }),
    });
  }
}

/**
 * A headless Service (clusterIP None) gets no virtual IP, yet its EndpointSlices list its pods, marked with
 * the service.kubernetes.io/headless label, each endpoint carrying the pod's hostname when the pod's
 * subdomain names the Service (what per-pod DNS records are built from).
 *
 * Mirrors the headless half of upstream "[sig-network] DNS should provide DNS for services [Conformance]"
 * and "EndpointSlice should create Endpoints and EndpointSlices for Pods matching a Service [Conformance]".
 */
export const headlessServiceCheck: Check = {
  name: 'headless-service',
  tags: ['ServiceDiscovery'],
  setup: createHeadlessFixtures,

  async assess(ctx, deadline) {
    const view = new ServiceView(ctx, headlessName);
    await view.start();
    try {
      return await untilRight(view, () => judge(ctx, view, true), deadline, {
        what: `headless Service ${ctx.namespace}/${headlessName} with ${headlessPods.length} ready pods`,
      });
    } finally {
      view.stop();
    }
  },

  async monitor(ctx, signal, emit) {
    const view = new ServiceView(ctx, headlessName);
    await view.start();
    try {
      await watchVerdict(view, () => judge(ctx, view, false), signal, emit, {
        graceMs: endpointSliceGraceMs,
      });
    } finally {
      view.stop();
    }
  },

  async teardown() {},
};

function judge(ctx: CheckContext, view: ServiceView, needAllReady: boolean): string | undefined {
  const subject = `headless Service ${ctx.namespace}/${headlessName}`;
  const svc = view.service();
  if (svc && svc.spec?.clusterIP !== 'None')
    return `${subject} has clusterIP ${svc.spec?.clusterIP}; expected None`;
  const mismatch = endpointSliceMismatch(ctx.namespace, headlessName, svc, view.pods(), view.slices());
  if (mismatch) return mismatch;
  const unlabelled = view.slices().filter((s) => s.metadata?.labels?.[headlessLabel] === undefined);
  if (unlabelled.length > 0)
    return `EndpointSlice ${ctx.namespace}/${unlabelled[0]!.metadata?.name} of ${subject} lacks the ${headlessLabel} label`;
  if (needAllReady && svc) {
    const ready = expectedEndpoints(svc, view.pods()).filter((e) => e.ready && e.hostname);
    if (ready.length !== headlessPods.length)
      return `${subject}: ${ready.length} of ${headlessPods.length} pods ready with a hostname`;
  }
  return undefined;
}
