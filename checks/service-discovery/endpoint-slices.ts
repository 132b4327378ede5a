import type { Check, CheckContext, CheckResult, Deadline } from '../check.ts';
import { endpointSliceMismatch, expectedEndpoints } from './endpoint-expectation.ts';
import {
  appLabels,
  deployment,
  holdFinalizer,
  pod,
  releaseHeldPods,
  releasePod,
  scaleDeployment,
  service,
  setPodReady,
} from './service-fixtures.ts';
import { ServiceView } from './service-view.ts';
import { untilRight, watchVerdict } from './verdict.ts';

const name = 'web';
const replicas = 2;
/** How long a monitor waits for its fixture's pods to be Ready and listed before it starts judging. */
const settleTimeoutMs = 60_000;
const port = { name: 'http', containerPort: 8080 };
/** How long a monitor lets EndpointSlices lag the pods before calling it broken. */
export const endpointSliceGraceMs = 500;

/**
 * EndpointSlices list exactly the ready pods a Service selects, with their addresses, ports and
 * ready/serving/terminating conditions, and follow scale up, scale down, readiness changes and pod deletion.
 *
 * Mirrors upstream "[sig-network] EndpointSlice should create Endpoints and EndpointSlices for Pods matching
 * a Service [Conformance]" (one endpoint per selected pod, pod IP as address, targetRef to the pod, the
 * Service's ports resolved against the pod) and the terminating conditions of KEP-1672 (a deleting pod
 * stays listed with ready=false, serving=<its readiness>, terminating=true until it is gone).
 */
export const endpointSlicesCheck: Check = {
  name: 'endpoint-slices',
  tags: ['ServiceDiscovery'],

  async setup(ctx) {
    const labels = { ...appLabels(ctx, name), tier: 'replicas' };
    await ctx.kube.apps.createNamespacedDeployment({
      namespace: ctx.namespace,
      body: deployment(ctx, name, { replicas, podLabels: labels, ports: [port] }),
    });
    await ctx.kube.core.createNamespacedService({
      namespace: ctx.namespace,
      body: service(ctx, name, {
        selector: { app: name },
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      }),
    });
  },

  async assess(ctx, deadline) {
    const view = new ServiceView(ctx, name);
    await view.start();
    try {
      return await steps(ctx, view, deadline);
    } finally {
      view.stop();
    }
  },

  async monitor(ctx, signal, emit) {
    const view = new ServiceView(ctx, name);
    await view.start();
    try {
      // A Service whose pods have no IP yet agrees with its empty slices: a first "ok" then would be vacuous, and
      // the controller catching up with the new pods a moment later would count as a break. Judge from the
      // moment the fixture is whole: its pods Ready and listed.
      const what = `Service ${ctx.namespace}/${name} with its ${replicas} pods Ready and listed`;
      const settled = await untilRight(
        view,
        () => judge(ctx, view) ?? readyCount(view, replicas)(),
        { timeoutMs: settleTimeoutMs, signal },
        { what },
      );
      if (signal.aborted) return; // stopped while the fixture was settling: nothing to judge
      if (settled.status === 'failed') {
        emit({ at: Date.now(), observedAt: Date.now(), ok: false, detail: settled.message });
        return await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
      }
      await watchVerdict(view, () => judge(ctx, view), signal, emit, { graceMs: endpointSliceGraceMs });
    } finally {
      view.stop();
    }
  },

  async teardown(ctx) {
    await releaseHeldPods(ctx);
  },
};

function judge(ctx: CheckContext, view: ServiceView): string | undefined {
  return endpointSliceMismatch(ctx.namespace, name, view.service(), view.pods(), view.slices());
}

/** Waits for n ready pods (of total selected) in the view; says what it has meanwhile. */
const readyCount =
  (view: ServiceView, n: number, total = n) =>
  (): string | undefined => {
    const e = expected(view);
    return e.ready.length === n && e.all.length === total
      ? undefined
      : `${e.ready.length} of ${e.all.length} selected pods ready, waiting for ${n} of ${total}`;
  };

/** The endpoints the view's pods call for: counts by condition, and which pods. */
function expected(view: ServiceView) {
  const service = view.service();
  const all = service ? expectedEndpoints(service, view.pods()) : [];
  return { all, ready: all.filter((e) => e.ready), pods: new Set(all.map((e) => e.pod)) };
}

async function steps(ctx: CheckContext, view: ServiceView, deadline: Deadline): Promise<CheckResult> {
  const end = Date.now() + deadline.timeoutMs;
  const ns = ctx.namespace;
  const step = async (what: string, extra: () => string | undefined): Promise<CheckResult | undefined> => {
    const result = await untilRight(
      view,
      () => judge(ctx, view) ?? extra(),
      { ...deadline, timeoutMs: Math.max(0, end - Date.now()) },
      { what },
    );
    if (result.status === 'failed') return { status: 'failed', message: `${what}: ${result.message}` };
    return undefined;
  };
  let failed = await step(`Service ${ns}/${name} with 2 ready pods`, readyCount(view, 2));
  if (failed) return failed;

  await scaleDeployment(ctx, name, 3);
  failed = await step(`after scaling Deployment ${ns}/${name} to 3`, readyCount(view, 3));
  if (failed) return failed;

  const [unready, victim] = expected(view).ready.map((e) => e.pod);
  await setPodReady(ctx, unready!, false);
  failed = await step(`after pod ${ns}/${unready} turned not Ready`, readyCount(view, 2, 3));
  if (failed) return failed;

  await ctx.kube.core.deleteNamespacedPod({ name: victim!, namespace: ns });
  failed = await step(`after deleting pod ${ns}/${victim} (its ReplicaSet replaces it)`, () => {
    const e = expected(view);
    if (e.pods.has(victim!)) return `pod ${victim} still present`;
    return readyCount(view, 2, 3)();
  });
  if (failed) return failed;

  const held = 'web-held';
  await ctx.kube.core.createNamespacedPod({
    namespace: ns,
    body: pod(ctx, held, {
      labels: { ...appLabels(ctx, name), tier: 'held' },
      ports: [port],
      finalizers: [holdFinalizer],
    }),
  });
  failed = await step(`after creating pod ${ns}/${held}`, readyCount(view, 3, 4));
  if (failed) return failed;
  await ctx.kube.core.deleteNamespacedPod({ name: held, namespace: ns });
  failed = await step(`while pod ${ns}/${held} is terminating (held by a finalizer)`, () => {
    const e = expected(view).all.find((x) => x.pod === held);
    return e?.terminating ? undefined : `pod ${held} not yet seen terminating`;
  });
  if (failed) return failed;
  await releasePod(ctx, held);
  failed = await step(`after pod ${ns}/${held} finished terminating`, () =>
    expected(view).pods.has(held) ? `pod ${held} still present` : undefined,
  );
  if (failed) return failed;

  await scaleDeployment(ctx, name, 1);
  failed = await step(`after scaling Deployment ${ns}/${name} to 1`, () => {
    const n = expected(view).all.length;
    return n === 1 ? undefined : `${n} selected pods, waiting for 1`;
  });
  if (failed) return failed;
  return {
    status: 'passed',
    detail: 'EndpointSlices followed scale 2 -> 3 -> 1, readiness, deletion and termination',
  };
}
