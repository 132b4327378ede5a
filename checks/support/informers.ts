import type {
  V1Deployment,
  V1Job,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ReplicaSet,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { Kube } from '../../src/kube/client.ts';
import { ResilientInformer } from '../../src/kube/informer.ts';
import { checkApis } from './apis.ts';

/** Informers over the kinds checks watch, scoped to a namespace (and a label selector when given). */
export const informers = {
  pods: (kube: Kube, namespace: string, labelSelector?: string) =>
    new ResilientInformer<V1Pod>(kube, {
      path: `/api/v1/namespaces/${namespace}/pods`,
      list: () => kube.core.listNamespacedPod({ namespace, ...(labelSelector ? { labelSelector } : {}) }),
      ...(labelSelector ? { labelSelector } : {}),
    }),
  deployments: (kube: Kube, namespace: string) =>
    new ResilientInformer<V1Deployment>(kube, {
      path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
      list: () => kube.apps.listNamespacedDeployment({ namespace }),
    }),
  replicaSets: (kube: Kube, namespace: string) =>
    new ResilientInformer<V1ReplicaSet>(kube, {
      path: `/apis/apps/v1/namespaces/${namespace}/replicasets`,
      list: () => kube.apps.listNamespacedReplicaSet({ namespace }),
    }),
  statefulSets: (kube: Kube, namespace: string) =>
    new ResilientInformer<V1StatefulSet>(kube, {
      path: `/apis/apps/v1/namespaces/${namespace}/statefulsets`,
      list: () => kube.apps.listNamespacedStatefulSet({ namespace }),
    }),
  jobs: (kube: Kube, namespace: string) =>
    new ResilientInformer<V1Job>(kube, {
      path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
      list: () => checkApis(kube).batch.listNamespacedJob({ namespace }),
    }),
  claims: (kube: Kube, namespace: string) =>
    new ResilientInformer<V1PersistentVolumeClaim>(kube, {
      path: `/api/v1/namespaces/${namespace}/persistentvolumeclaims`,
      list: () => kube.core.listNamespacedPersistentVolumeClaim({ namespace }),
    }),
  volumes: (kube: Kube, labelSelector: string) =>
    new ResilientInformer<V1PersistentVolume>(kube, {
      path: '/api/v1/persistentvolumes',
      list: () => kube.core.listPersistentVolume({ labelSelector }),
      labelSelector,
    }),
};
