import { InfrastructureError } from '../../src/errors.ts';
import { apiErrorMessage } from '../../src/kube/api-error.ts';
import type { Kube } from '../../src/kube/client.ts';

const isNotFound = (error: unknown) => (error as { code?: number }).code === 404;
/** 409 on a namespace delete: it is already terminating (a repeated revert). */
const isTerminating = (error: unknown) => (error as { code?: number }).code === 409;

/**
 * Deleting the namespace is a write (it sets deletionTimestamp), so it fails until etcd takes writes again.
 * There is no event for "writable": retried at a named interval, within a bound.
 */
export async function deleteNamespaceOnceWritable(
  kube: Kube,
  namespace: string,
  writableTimeoutMs: number,
  retryIntervalMs: number,
): Promise<void> {
  const deadline = Date.now() + writableTimeoutMs;
  for (;;) {
    try {
      await kube.core.deleteNamespace({ name: namespace });
      return;
    } catch (error) {
      if (isNotFound(error) || isTerminating(error)) return;
      if (Date.now() > deadline)
        throw new InfrastructureError(
          `the API still refuses writes ${writableTimeoutMs / 1000} s after the alarm was disarmed (delete namespace ${namespace}: ${apiErrorMessage(error)})`,
        );
    }
    await new Promise((r) => setTimeout(r, retryIntervalMs));
  }
}
