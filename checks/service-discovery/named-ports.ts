import type { Check, CheckContext } from '../check.ts';
import { endpointSliceMismatch, expectedEndpoints } from './endpoint-expectation.ts';
import { endpointSliceGraceMs } from './endpoint-slices.ts';
import { appLabels, pod, service } from './service-fixtures.ts';
import { ServiceView } from './service-view.ts';
import { untilRight, watchVerdict } from './verdict.ts';

const name = 'multi';
/** Two pods that give the same port names different numbers, and one that lacks "metrics" altogether. */
const pods = [
  {
    pod: 'multi-a',
    ports: [
      { name: 'http', containerPort: 8080 },
      { name: 'metrics', containerPort: 9100 },
    ],
  },
  { pod: 'multi-b', ports: [{ name: 'http', containerPort: 8081 }] },
];

/**
 * A Service whose targetPorts are port names resolves them per pod: each endpoint is published with the
 * container port its own pod gives that name, pods resolving differently land in different EndpointSlices,
 * and a name a pod does not declare is left out for that pod.
 *
 * Mirrors upstream "[sig-network] Services should serve multiport endpoints from pods [Conformance]"
 * (two named ports, endpoints follow the pods) and the port resolution of "EndpointSlice should create
 * Endpoints and EndpointSlices for Pods matching a Service [Conformance]".
 */
export const namedPortsCheck: Check = {
  name: 'named-ports',
  tags: ['ServiceDiscovery'],

  async setup(ctx) {
    await ctx.kube.core.createNamespacedService({
      namespace: ctx.namespace,
      body: service(ctx, name, {
        selector: { app: name },
        ports: [
          { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
          { name: 'metrics', port: 9100, targetPort: 'metrics', protocol: 'TCP' },
        ],
      }),
    });
    for (const p of pods) {
      await ctx.kube.core.createNamespacedPod({
        namespace: ctx.namespace,
        body: pod(ctx, p.pod, { labels: appLabels(ctx, name), ports: p.ports }),
      });
    }
  },

  async assess(ctx, deadline) {
    const view = new ServiceView(ctx, name);
    await view.start();
    try {
      return await untilRight(view, () => judge(ctx, view, true), deadline, {
        what: `Service ${ctx.namespace}/${name} with ${pods.length} ready pods on their own port numbers`,
      });
    } finally {
      view.stop();
    }
  },

  async monitor(ctx, signal, emit) {
    const view = new ServiceView(ctx, name);
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
  const svc = view.service();
  const mismatch = endpointSliceMismatch(ctx.namespace, name, svc, view.pods(), view.slices());
  if (mismatch || !needAllReady || !svc) return mismatch;
  const ready = expectedEndpoints(svc, view.pods()).filter((e) => e.ready);
  if (ready.length !== pods.length)
    return `Service ${ctx.namespace}/${name}: ${ready.length} of ${pods.length} pods ready`;
  const portSets = new Set(
    view.slices().map((s) =>
      (s.ports ?? [])
        .map((p) => `${p.name}=${p.port}`)
        .sort()
        .join(','),
    ),
  );
  if (portSets.size < pods.length)
    return `EndpointSlices of Service ${ctx.namespace}/${name} have ${portSets.size} distinct port sets; expected ${pods.length} (one per resolution of the named ports)`;
  return undefined;
}
