import { createPodNamespace } from '../src/kube/pod-namespace.ts';
import type { ClusterCapabilities } from '../src/model/cluster-capabilities.ts';
import { checkLabel, runLabel } from '../src/model/labels.ts';
import type { RunContext } from '../src/model/run-context.ts';
import { probeCapabilities } from './capabilities-probe.ts';
import type { CheckContext } from './check.ts';

/** Found once per cluster client when a run did not find them before its suites (tests, benches). */
const probed = new WeakMap<object, Promise<ClusterCapabilities>>();

function capabilitiesFor(
  run: Pick<RunContext, 'kube' | 'cluster' | 'runId' | 'capabilities'> & {
    config?: Pick<RunContext['config'], 'checks'>;
  },
): Promise<ClusterCapabilities> {
  if (run.capabilities) return Promise.resolve(run.capabilities);
  let found = probed.get(run.kube);
  if (!found) {
    found = probeCapabilities(run.kube, run.cluster, {
      runId: run.runId,
      ...(run.config ? { probeImage: run.config.checks.probeImage } : {}),
    });
    probed.set(run.kube, found);
  }
  return found;
}

/** Creates the check's namespace, labelled so the janitor can find it if the run dies. */
export async function openCheckContext(
  run: Pick<RunContext, 'kube' | 'cluster' | 'runId'> & {
    config?: Pick<RunContext['config'], 'checks'>;
    capabilities?: ClusterCapabilities;
  },
  checkName: string,
): Promise<CheckContext> {
  const capabilities = await capabilitiesFor(run);
  const labels = { [runLabel]: run.runId, [checkLabel]: checkName };
  const namespace = `gauntlet-${checkName}-${run.runId}`.slice(0, 63).replace(/-+$/, '');
  await createPodNamespace(run.kube, namespace, labels);
  return {
    kube: run.kube,
    cluster: run.cluster,
    runId: run.runId,
    capabilities,
    namespace,
    labels,
    ...(run.config
      ? { probe: { image: run.config.checks.probeImage, clusterDomain: run.config.checks.clusterDomain } }
      : {}),
  };
}

/** Deletes the check's namespace (and so everything in it); cluster-scoped fixtures are the check's job. */
export async function closeCheckContext(ctx: CheckContext): Promise<void> {
  await ctx.kube.core.deleteNamespace({ name: ctx.namespace }).catch((error: { code?: number }) => {
    if (error.code !== 404) throw error;
  });
}
