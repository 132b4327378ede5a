import type { V1Pod } from '@kubernetes/client-node';

export const isPodReady = (pod: V1Pod) =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

export const isTerminating = (pod: V1Pod) => pod.metadata?.deletionTimestamp !== undefined;

/** Running or about to run: neither finished nor being deleted. */
export const isActive = (pod: V1Pod) =>
  !isTerminating(pod) && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';

export const isOwnedBy = (pod: { metadata?: { ownerReferences?: { uid: string }[] } }, uid: string) =>
  pod.metadata?.ownerReferences?.some((o) => o.uid === uid) ?? false;

export const podTemplateHashLabel = 'pod-template-hash';
