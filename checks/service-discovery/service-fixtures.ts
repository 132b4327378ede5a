import type { V1Deployment, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { CheckContext } from '../check.ts';

/** The image every fixture pod names; on kwok nodes nothing runs it, on real ones it is the pause container. */
export const pauseImage = 'registry.k8s.io/pause:3.10';

/** Labels the Service selects: the check's labels plus app=<app>. */
export function appLabels(ctx: CheckContext, app: string): Record<string, string> {
  return { ...ctx.labels, app };
}

/** A Deployment whose pods expose the given named container ports. Builders return fresh objects. */
export function deployment(
  ctx: CheckContext,
  name: string,
  o: {
    replicas: number;
    podLabels: Record<string, string>;
    ports: { name: string; containerPort: number }[];
  },
): V1Deployment {
  return {
    metadata: { name, namespace: ctx.namespace, labels: ctx.labels },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: o.podLabels },
      template: {
        metadata: { labels: o.podLabels },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [
            { name: 'app', image: pauseImage, ports: o.ports.map((p) => ({ ...p, protocol: 'TCP' })) },
          ],
        },
      },
    },
  };
}

/** A bare pod (no controller), e.g. one held in Terminating by a finalizer, or one with a DNS hostname. */
export function pod(
  ctx: CheckContext,
  name: string,
  o: {
    labels: Record<string, string>;
    ports?: { name: string; containerPort: number }[];
    finalizers?: string[];
    hostname?: string;
    subdomain?: string;
  },
): V1Pod {
  return {
    metadata: {
      name,
      namespace: ctx.namespace,
      labels: o.labels,
      ...(o.finalizers ? { finalizers: o.finalizers } : {}),
    },
    spec: {
      terminationGracePeriodSeconds: 0,
      ...(o.hostname ? { hostname: o.hostname } : {}),
      ...(o.subdomain ? { subdomain: o.subdomain } : {}),
      containers: [
        { name: 'app', image: pauseImage, ports: (o.ports ?? []).map((p) => ({ ...p, protocol: 'TCP' })) },
      ],
    },
  };
}

export function service(
  ctx: CheckContext,
  name: string,
  o: { selector: Record<string, string>; ports: V1ServicePort[]; headless?: boolean },
): V1Service {
  return {
    metadata: { name, namespace: ctx.namespace, labels: ctx.labels },
    spec: {
      selector: o.selector,
      ports: o.ports,
      ...(o.headless ? { clusterIP: 'None' } : {}),
    },
  };
}

/** A finalizer the checks put on pods they want to watch in Terminating; they remove it themselves. */
export const holdFinalizer = 'gauntlet.dev/hold';

/** Sets a pod's Ready condition as a kubelet does when a readiness probe changes its mind. */
export async function setPodReady(ctx: CheckContext, name: string, ready: boolean): Promise<void> {
  const status = ready ? 'True' : 'False';
  const now = new Date();
  await ctx.kube.core.patchNamespacedPodStatus(
    {
      name,
      namespace: ctx.namespace,
      body: {
        status: {
          conditions: [
            { type: 'Ready', status, lastTransitionTime: now },
            { type: 'ContainersReady', status, lastTransitionTime: now },
          ],
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
}

/** Removes every finalizer of a pod, letting its pending deletion finish. */
export async function releasePod(ctx: CheckContext, name: string): Promise<void> {
  await ctx.kube.core
    .patchNamespacedPod(
      { name, namespace: ctx.namespace, body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )
    .catch((error: { code?: number }) => {
      if (error.code !== 404) throw error;
    });
}

/** Releases held pods of the namespace so its deletion is not blocked by our own finalizer. */
export async function releaseHeldPods(ctx: CheckContext): Promise<void> {
  const pods = await ctx.kube.core.listNamespacedPod({ namespace: ctx.namespace });
  await Promise.all(
    pods.items
      .filter((p) => p.metadata?.finalizers?.includes(holdFinalizer))
      .map((p) => releasePod(ctx, p.metadata!.name!)),
  );
}

export async function scaleDeployment(ctx: CheckContext, name: string, replicas: number): Promise<void> {
  await ctx.kube.apps.patchNamespacedDeploymentScale(
    { name, namespace: ctx.namespace, body: { spec: { replicas } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}
