import { access } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';
import type { GauntletConfig } from '../src/config/schema.ts';
import { ConfigError, InfrastructureError } from '../src/errors.ts';
import { kubeFromFile } from '../src/kube/client.ts';
import { type ClusterDescription, describeCluster } from '../src/kube/describe.ts';
import type { ProvisionedCluster } from '../src/model/cluster.ts';

/** Default kubeconfig location, as kubectl resolves it. */
function defaultKubeconfig(): string {
  return process.env.KUBECONFIG?.split(':')[0] || `${process.env.HOME}/.kube/config`;
}

/**
 * The `existing` provisioner: a cluster someone else owns, reached through a kubeconfig and context.
 * It only verifies and describes; it never creates or tears anything down.
 */
export async function useExistingCluster(
  config: GauntletConfig,
): Promise<ProvisionedCluster & { description: ClusterDescription }> {
  const kubeconfig = config.cluster.existing.kubeconfig ?? defaultKubeconfig();
  try {
    await access(kubeconfig);
  } catch {
    throw new ConfigError(`cluster.existing.kubeconfig: file ${kubeconfig} does not exist or cannot be read`);
  }
  const probe = new KubeConfig();
  try {
    probe.loadFromFile(kubeconfig);
  } catch (error) {
    throw new ConfigError(
      `cluster.existing.kubeconfig: ${kubeconfig} is not a valid kubeconfig: ${(error as Error).message}`,
    );
  }
  const context = config.cluster.existing.context ?? probe.getCurrentContext();
  if (!probe.getContextObject(context)) {
    const known = probe.getContexts().map((c) => c.name);
    throw new ConfigError(
      `cluster.existing.context: context "${context}" is not in ${kubeconfig} (it has: ${known.join(', ') || 'none'})`,
    );
  }
  const kube = kubeFromFile(kubeconfig, context);
  let description: ClusterDescription;
  try {
    description = await Promise.race([
      describeCluster(kube),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no answer within 15 s')), 15_000).unref(),
      ),
    ]);
  } catch (error) {
    throw new InfrastructureError(
      `cluster at ${probe.getContextObject(context)?.cluster ?? '?'} (context ${context}) is not reachable: ${(error as Error).message}`,
    );
  }
  return { name: context, provisioner: 'existing', kubeconfig, context, owned: false, description };
}
