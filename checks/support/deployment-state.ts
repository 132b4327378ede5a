import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { isOwnedBy, podTemplateHashLabel } from './pod-state.ts';

export const revisionAnnotation = 'deployment.kubernetes.io/revision';

export const revisionOf = (rs: V1ReplicaSet) => Number(rs.metadata?.annotations?.[revisionAnnotation] ?? 0);
export const hashOf = (rs: V1ReplicaSet) => rs.metadata?.labels?.[podTemplateHashLabel] ?? '';

/** The Deployment's ReplicaSets, newest revision first. */
export function replicaSetsOf(
  deployment: V1Deployment,
  replicaSets: readonly V1ReplicaSet[],
): V1ReplicaSet[] {
  const uid = deployment.metadata?.uid ?? '';
  return replicaSets.filter((rs) => isOwnedBy(rs, uid)).sort((a, b) => revisionOf(b) - revisionOf(a));
}

export const progressing = (d: V1Deployment) => d.status?.conditions?.find((c) => c.type === 'Progressing');

/**
 * What upstream's WaitForDeploymentComplete asks: the controller saw the latest spec, every replica is updated,
 * ready and available, no old replicas are left, and Progressing says NewReplicaSetAvailable.
 */
export function isRolledOut(d: V1Deployment | undefined): boolean {
  if (!d) return false;
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
    (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want &&
    (s.readyReplicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want &&
    progressing(d)?.reason === 'NewReplicaSetAvailable'
  );
}

/** "observedGeneration 2/3, 1 updated, 2 ready, 2 available of 3, Progressing=ReplicaSetUpdated". */
export function describeRollout(d: V1Deployment | undefined): string {
  if (!d) return 'Deployment not found';
  const s = d.status ?? {};
  return (
    `observedGeneration ${s.observedGeneration ?? 0}/${d.metadata?.generation ?? 1}, ` +
    `${s.updatedReplicas ?? 0} updated, ${s.readyReplicas ?? 0} ready, ${s.availableReplicas ?? 0} available ` +
    `of ${d.spec?.replicas ?? 1} (${s.replicas ?? 0} in total), Progressing=${progressing(d)?.reason ?? 'none'}`
  );
}
