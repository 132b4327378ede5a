import type {
  CoreV1Event,
  KubernetesObject,
  V1Deployment,
  V1Job,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ReplicaSet,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { Kube } from '../../src/kube/client.ts';
import { checkApis } from './apis.ts';

/** A list call and the watch path of the same collection: what waitFor needs to follow a kind. */
export interface Collection<T extends KubernetesObject> {
  list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  path: string;
  query?: Record<string, string>;
}

const named = (name: string): Record<string, string> => ({ fieldSelector: `metadata.name=${name}` });

/** Collections in a namespace, optionally narrowed to one object by name. */
export const collections = {
  pods: (kube: Kube, namespace: string, labelSelector?: string): Collection<V1Pod> => ({
    list: () => kube.core.listNamespacedPod({ namespace, ...(labelSelector ? { labelSelector } : {}) }),
    path: `/api/v1/namespaces/${namespace}/pods`,
    query: labelSelector ? { labelSelector } : {},
  }),
  deployment: (kube: Kube, namespace: string, name: string): Collection<V1Deployment> => ({
    list: () => kube.apps.listNamespacedDeployment({ namespace, ...named(name) }),
    path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
    query: named(name),
  }),
  replicaSets: (kube: Kube, namespace: string): Collection<V1ReplicaSet> => ({
    list: () => kube.apps.listNamespacedReplicaSet({ namespace }),
    path: `/apis/apps/v1/namespaces/${namespace}/replicasets`,
  }),
  statefulSet: (kube: Kube, namespace: string, name: string): Collection<V1StatefulSet> => ({
    list: () => kube.apps.listNamespacedStatefulSet({ namespace, ...named(name) }),
    path: `/apis/apps/v1/namespaces/${namespace}/statefulsets`,
    query: named(name),
  }),
  jobs: (kube: Kube, namespace: string): Collection<V1Job> => ({
    list: () => checkApis(kube).batch.listNamespacedJob({ namespace }),
    path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
  }),
  claims: (kube: Kube, namespace: string): Collection<V1PersistentVolumeClaim> => ({
    list: () => kube.core.listNamespacedPersistentVolumeClaim({ namespace }),
    path: `/api/v1/namespaces/${namespace}/persistentvolumeclaims`,
  }),
  /** Events about one object of the namespace, e.g. a claim's ProvisioningFailed. */
  eventsOf: (kube: Kube, namespace: string, involvedName: string): Collection<CoreV1Event> => ({
    list: () =>
      kube.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${involvedName}` }),
    path: `/api/v1/namespaces/${namespace}/events`,
    query: { fieldSelector: `involvedObject.name=${involvedName}` },
  }),
  volumes: (kube: Kube, labelSelector: string): Collection<V1PersistentVolume> => ({
    list: () => kube.core.listPersistentVolume({ labelSelector }),
    path: '/api/v1/persistentvolumes',
    query: { labelSelector },
  }),
};
