import type { V1Deployment, V1DeploymentStrategy } from '@kubernetes/client-node';
import type { CheckContext } from '../check.ts';
import { collections } from '../support/collections.ts';
import { describeRollout, isRolledOut } from '../support/deployment-state.ts';
import { podTemplate } from '../support/pause-pod.ts';
import { readModifyWrite } from '../support/read-modify-write.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * How long a rollout of a handful of pods may take on a healthy cluster. Kwok starts pods in well under a
 * second; real nodes pull a tiny image. A broken controller is reported once this has passed.
 */
export const rolloutBoundMs = 20_000;

export function deploymentFixture(
  ctx: CheckContext,
  name: string,
  o: {
    replicas: number;
    strategy: V1DeploymentStrategy;
    progressDeadlineSeconds?: number;
    revision?: string;
  },
): V1Deployment {
  const labels = { ...ctx.labels, app: name };
  return {
    metadata: { name, namespace: ctx.namespace, labels: ctx.labels },
    spec: {
      replicas: o.replicas,
      strategy: o.strategy,
      ...(o.progressDeadlineSeconds ? { progressDeadlineSeconds: o.progressDeadlineSeconds } : {}),
      selector: { matchLabels: { app: name, ...ctx.labels } },
      template: podTemplate(labels, { env: o.revision ?? 'v1' }),
    },
  };
}

export async function createDeployment(ctx: CheckContext, deployment: V1Deployment): Promise<void> {
  await ctx.kube.apps.createNamespacedDeployment({ namespace: ctx.namespace, body: deployment });
}

/** Waits until upstream's WaitForDeploymentComplete would return; Unmet names the Deployment and its state. */
export async function waitRolledOut(
  ctx: CheckContext,
  name: string,
  timeoutMs: number,
): Promise<V1Deployment> {
  return waitFor(ctx.kube, collections.deployment(ctx.kube, ctx.namespace, name), {
    done: ([d]) => (isRolledOut(d) ? d : undefined),
    what: `Deployment ${ctx.namespace}/${name} to complete its rollout (all replicas updated, ready and available, Progressing=NewReplicaSetAvailable)`,
    progress: ([d]) => describeRollout(d),
    timeoutMs,
  });
}

export async function updateDeployment(
  ctx: CheckContext,
  name: string,
  mutate: (d: V1Deployment) => void,
): Promise<V1Deployment> {
  const { apps } = ctx.kube;
  return readModifyWrite(
    () => apps.readNamespacedDeployment({ name, namespace: ctx.namespace }),
    (body) => apps.replaceNamespacedDeployment({ name, namespace: ctx.namespace, body }),
    mutate,
  );
}

/** Changes the pod template (a new revision) by setting the revision marker in the container's env. */
export function setRevision(d: V1Deployment, revision: string): void {
  d.spec!.template.spec!.containers[0]!.env = [{ name: 'GAUNTLET_REVISION', value: revision }];
}
