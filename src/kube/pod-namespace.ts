import type { Kube } from './client.ts';

/**
 * Creates a namespace for pods the harness runs, with its default ServiceAccount: pods are refused until that
 * exists, and waiting for the controller manager to make it would add its latency to every caller.
 */
export async function createPodNamespace(
  kube: Kube,
  name: string,
  labels: Record<string, string>,
): Promise<void> {
  await kube.core.createNamespace({ body: { metadata: { name, labels } } });
  await kube.core
    .createNamespacedServiceAccount({ namespace: name, body: { metadata: { name: 'default', labels } } })
    .catch((error: { code?: number }) => {
      if (error.code !== 409) throw error;
    });
}
