import type { Check } from '../check.ts';

/**
 * A pod started after a Service exists sees <SVC>_SERVICE_HOST and <SVC>_SERVICE_PORT in its environment.
 *
 * Mirrors upstream "[sig-node] Pods should contain environment variables for services [Conformance]".
 * Reading a pod's environment needs a container that runs: kwok's pods run none, and the probe-pod path
 * for real clusters is not implemented yet, so this says why it is skipped rather than passing silently.
 */
export const serviceEnvironmentCheck: Check = {
  name: 'service-environment',
  tags: ['ServiceDiscovery'],
  async setup() {},
  async assess(ctx) {
    if (ctx.cluster.local)
      return {
        status: 'skipped',
        reason:
          'pods on kwok nodes run no containers, so no pod environment can be read on the embedded cluster',
      };
    return {
      status: 'skipped',
      reason: 'the probe-pod path (run env in a pod, read its log) is not implemented yet',
    };
  },
  async monitor() {},
  async teardown() {},
};
