import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import type { Transition } from '../../src/model/timeline.ts';
import type { CheckContext } from '../check.ts';
import { describeRollout, replicaSetsOf } from '../support/deployment-state.ts';
import { informers } from '../support/informers.ts';
import { monitorVerdict } from '../support/verdict-monitor.ts';

/**
 * What a RollingUpdate strategy's maxUnavailable or maxSurge allows, in replicas: an int as is, a percentage of
 * replicas rounded as the deployment controller does (down for maxUnavailable, up for maxSurge); upstream's
 * defaults are 25% each.
 */
function allowance(d: V1Deployment, field: 'maxUnavailable' | 'maxSurge'): number {
  const replicas = d.spec?.replicas ?? 1;
  const value = d.spec?.strategy?.rollingUpdate?.[field] ?? '25%';
  if (typeof value === 'number') return value;
  const share = (replicas * Number.parseInt(value, 10)) / 100;
  return field === 'maxSurge' ? Math.ceil(share) : Math.floor(share);
}

const isRecreate = (d: V1Deployment) => d.spec?.strategy?.type === 'Recreate';

/** Replicas a Deployment must keep available by its strategy (Recreate: all of them). */
export function minAvailable(d: V1Deployment): number {
  const replicas = d.spec?.replicas ?? 1;
  return isRecreate(d) ? replicas : Math.max(0, replicas - allowance(d, 'maxUnavailable'));
}

/** Replicas a Deployment may have created in total by its strategy (replicas + maxSurge). */
export function maxCreated(d: V1Deployment): number {
  const replicas = d.spec?.replicas ?? 1;
  return isRecreate(d) ? replicas : replicas + allowance(d, 'maxSurge');
}

const clock = (at: number) => new Date(at).toISOString().slice(11, 23);

/** The deployment controller's own record of replicas + maxSurge when it last sized this ReplicaSet. */
const recordedMaxReplicas = (rs: V1ReplicaSet) =>
  Number(rs.metadata?.annotations?.['deployment.kubernetes.io/max-replicas'] ?? 0) || 0;

/**
 * The monitor the rollout checks share: every Deployment of the check keeps at least as many replicas
 * available as its strategy promises (replicas - maxUnavailable) once its first rollout is over, and never has
 * more replicas created across its ReplicaSets than replicas + maxSurge (upstream's "total created" bound),
 * the worst moment of each breach reported.
 */
export function monitorDeployments(
  ctx: CheckContext,
  signal: AbortSignal,
  emit: (t: Omit<Transition, 'check'>) => void,
  names: string[],
): Promise<void> {
  const deployments = informers.deployments(ctx.kube, ctx.namespace);
  const replicaSets = informers.replicaSets(ctx.kube, ctx.namespace);
  const worst = new Map<string, { created: number; at: number }>();
  return monitorVerdict({
    informers: [deployments, replicaSets],
    signal,
    emit,
    judge: () => {
      for (const name of names) {
        const d = deployments.get(name, ctx.namespace);
        if (d) {
          const owned = replicaSetsOf(d, replicaSets.list());
          const created = owned.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
          // Right after a scale-down the ReplicaSets still hold the old size: the bound the controller wrote on
          // them (max-replicas) holds until it scales them, so that is allowed too.
          const max = Math.max(maxCreated(d), ...owned.map(recordedMaxReplicas));
          if (created > max) {
            const seen = worst.get(name);
            if (!seen || created > seen.created) worst.set(name, { created, at: Date.now() });
            const w = worst.get(name)!;
            return {
              ok: false,
              detail: `Deployment ${ctx.namespace}/${name}: ${created} replicas created across its ReplicaSets; replicas ${d.spec?.replicas ?? 1} + maxSurge allow ${max} (worst: ${w.created} at ${clock(w.at)})`,
            };
          }
        }
        const min = d ? minAvailable(d) : 1;
        if (!d || (d.status?.availableReplicas ?? 0) < min)
          return {
            ok: false,
            detail: `Deployment ${ctx.namespace}/${name}: expected at least ${min} available replicas; ${describeRollout(d)}`,
          };
      }
      const breaches = [...worst].map(([name, w]) => `${name}: ${w.created} created at ${clock(w.at)}`);
      return {
        ok: true,
        detail:
          `Deployments ${names.join(', ')} in ${ctx.namespace} have their replicas available, within maxSurge` +
          (breaches.length > 0 ? ` (worst breach so far: ${breaches.join(', ')})` : ''),
      };
    },
  });
}
