import {
  CoordinationV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Lease,
  V1MicroTime,
} from '@kubernetes/client-node';
import type { Kube } from '../src/kube/client.ts';
import { runLabel } from '../src/model/labels.ts';

/** Where run leases live: every cluster has it, and a run's namespaces come and go. */
export const runLeaseNamespace = 'default';
/** A run is alive while its Lease was renewed within this long; a killed run is seen dead after it. */
const leaseSeconds = 60;
const renewEveryMs = 20_000;

const leaseName = (runId: string) => `gauntlet-run-${runId}`;

/**
 * A run's heartbeat in the cluster, so the janitor of another run against the same cluster (at the same time, from
 * another CI job) leaves its objects alone, and still cleans up after a run that was killed.
 */
export async function holdRunLease(
  kube: Kube,
  runId: string,
): Promise<{ renew(): Promise<void>; release(): Promise<void> }> {
  const leases = kube.config.makeApiClient(CoordinationV1Api);
  const name = leaseName(runId);
  const body = (): V1Lease => ({
    metadata: { name, labels: { [runLabel]: runId } },
    spec: { holderIdentity: runId, leaseDurationSeconds: leaseSeconds, renewTime: new V1MicroTime() },
  });
  await leases.createNamespacedLease({ namespace: runLeaseNamespace, body: body() });
  const renew = async () => {
    // MicroTime wants six fractional digits; a patch body is sent as plain JSON, so format it here.
    const renewTime = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    await leases.patchNamespacedLease(
      { name, namespace: runLeaseNamespace, body: { spec: { renewTime } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  };
  // A heartbeat, not a wait: a failed renewal is retried at the next beat, well within the lease duration.
  const timer = setInterval(() => void renew().catch(() => undefined), renewEveryMs);
  timer.unref();
  return {
    renew,
    async release() {
      clearInterval(timer);
      await leases.deleteNamespacedLease({ name, namespace: runLeaseNamespace }).catch(() => undefined);
    },
  };
}

/** Run ids whose Lease was renewed within its duration: their objects are not leftovers. */
export async function liveRuns(kube: Kube, now = Date.now()): Promise<Set<string>> {
  const leases = kube.config.makeApiClient(CoordinationV1Api);
  const list = await leases.listNamespacedLease({ namespace: runLeaseNamespace, labelSelector: runLabel });
  const live = new Set<string>();
  for (const lease of list.items) {
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
    const duration = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    const runId = lease.metadata?.labels?.[runLabel];
    if (runId && renewed + duration > now) live.add(runId);
  }
  return live;
}
