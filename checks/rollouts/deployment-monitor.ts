import type { V1Deployment } from '@kubernetes/client-node';
import type { Transition } from '../../src/model/timeline.ts';
import type { CheckContext } from '../check.ts';
import { describeRollout } from '../support/deployment-state.ts';
import { informers } from '../support/informers.ts';
import { monitorVerdict } from '../support/verdict-monitor.ts';

/** Replicas a Deployment may have unavailable by its strategy (Recreate: all of them during a rollout). */
export function minAvailable(d: V1Deployment): number {
  const replicas = d.spec?.replicas ?? 1;
  const strategy = d.spec?.strategy;
  if (strategy?.type === 'Recreate') return replicas;
  const maxUnavailable = strategy?.rollingUpdate?.maxUnavailable ?? '25%';
  const allowed =
    typeof maxUnavailable === 'number'
      ? maxUnavailable
      : Math.floor((replicas * Number.parseInt(maxUnavailable, 10)) / 100);
  return Math.max(0, replicas - allowed);
}

/**
 * The monitor the rollout checks share: every Deployment of the check keeps at least as many replicas
 * available as its strategy promises (replicas - maxUnavailable) once its first rollout is over.
 */
export function monitorDeployments(
  ctx: CheckContext,
  signal: AbortSignal,
  emit: (t: Omit<Transition, 'check'>) => void,
  names: string[],
): Promise<void> {
  const deployments = informers.deployments(ctx.kube, ctx.namespace);
  return monitorVerdict({
    informers: [deployments],
    signal,
    emit,
    judge: () => {
      for (const name of names) {
        const d = deployments.get(name, ctx.namespace);
        const min = d ? minAvailable(d) : 1;
        if (!d || (d.status?.availableReplicas ?? 0) < min)
          return {
            ok: false,
            detail: `Deployment ${ctx.namespace}/${name}: expected at least ${min} available replicas; ${describeRollout(d)}`,
          };
      }
      return {
        ok: true,
        detail: `Deployments ${names.join(', ')} in ${ctx.namespace} have their replicas available`,
      };
    },
  });
}
