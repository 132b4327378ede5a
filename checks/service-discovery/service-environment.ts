import type { Check } from '../check.ts';
import { collections } from '../support/collections.ts';
import { waitFor } from '../support/wait-for.ts';
import { parseEnv, serviceEnvPrefix } from './dig-output.ts';
import { probePodSpec } from './probe-pod.ts';
import { service } from './service-fixtures.ts';

const name = 'env-target';
const port = 8080;

/**
 * A pod started after a Service exists sees <SVC>_SERVICE_HOST (the ClusterIP) and <SVC>_SERVICE_PORT in its
 * environment. Mirrors upstream "[sig-node] Pods should contain environment variables for services
 * [Conformance]": a probe pod prints its environment and the check reads the pod's log.
 * kwok's pods run no containers, so on the embedded cluster this says why it is skipped rather than passing.
 */
export const serviceEnvironmentCheck: Check = {
  name: 'service-environment',
  tags: ['ServiceDiscovery'],
  async setup(ctx) {
    await ctx.kube.core.createNamespacedService({
      namespace: ctx.namespace,
      body: service(ctx, name, {
        selector: { app: name },
        ports: [{ name: 'http', port, protocol: 'TCP' }],
      }),
    });
  },
  async assess(ctx, deadline) {
    // Only nodes whose pods run containers (the embedded cluster's real nodes, if any) can show an environment.
    const containers = ctx.capabilities.containers;
    if (!containers.available)
      return {
        status: 'skipped',
        reason: `pods on this cluster run no containers (${containers.reason}), so no pod environment can be read`,
      };
    const svc = await ctx.kube.core.readNamespacedService({ name, namespace: ctx.namespace });
    const probe = 'env-probe';
    await ctx.kube.core.createNamespacedPod({
      namespace: ctx.namespace,
      body: probePodSpec(ctx, probe, ['env']),
    });
    const pods = collections.pods(ctx.kube, ctx.namespace, `gauntlet.dev/probe=${probe}`);
    const phase = await waitFor(ctx.kube, pods, {
      done: (list) => {
        const p = list[0]?.status?.phase;
        return p === 'Succeeded' || p === 'Failed' ? p : undefined;
      },
      what: `probe pod ${ctx.namespace}/${probe} to run env and exit`,
      progress: (list) => list[0]?.status?.phase ?? 'not created',
      timeoutMs: deadline.timeoutMs,
    });
    if (phase === 'Failed') return { status: 'failed', message: `probe pod ${probe} failed running env` };
    const env = parseEnv(
      await ctx.kube.core.readNamespacedPodLog({ name: probe, namespace: ctx.namespace, container: 'probe' }),
    );
    const prefix = serviceEnvPrefix(name);
    const want = new Map([
      [`${prefix}_SERVICE_HOST`, svc.spec?.clusterIP ?? '(no ClusterIP)'],
      [`${prefix}_SERVICE_PORT`, String(port)],
    ]);
    const wrong = [...want].filter(([key, value]) => env.get(key) !== value);
    if (wrong.length > 0)
      return {
        status: 'failed',
        message: `pod ${ctx.namespace}/${probe} started after Service ${name}: ${wrong
          .map(([key, value]) => `${key}=${env.get(key) ?? '(unset)'}, expected ${value}`)
          .join('; ')}`,
      };
    return {
      status: 'passed',
      detail: `${[...want.keys()].join(' and ')} set to the Service's ClusterIP and port`,
    };
  },
  async monitor() {},
  async teardown() {},
};
