import { checkLabel, runLabel } from '../src/model/labels.ts';
import type { RunContext } from '../src/model/run-context.ts';
import type { CheckContext } from './check.ts';

/** Creates the check's namespace, labelled so the janitor can find it if the run dies. */
export async function openCheckContext(
  run: Pick<RunContext, 'kube' | 'cluster' | 'runId'> & { config?: Pick<RunContext['config'], 'checks'> },
  checkName: string,
): Promise<CheckContext> {
  const labels = { [runLabel]: run.runId, [checkLabel]: checkName };
  const namespace = `gauntlet-${checkName}-${run.runId}`.slice(0, 63).replace(/-+$/, '');
  await run.kube.core.createNamespace({ body: { metadata: { name: namespace, labels } } });
  // Pods are refused until the namespace's default service account exists; don't wait for the controller.
  await run.kube.core
    .createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'default', labels } } })
    .catch((error: { code?: number }) => {
      if (error.code !== 409) throw error;
    });
  return {
    kube: run.kube,
    cluster: run.cluster,
    runId: run.runId,
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
