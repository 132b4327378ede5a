import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import type { Kube } from '../../src/kube/client.ts';
import type { ResilientInformer } from '../../src/kube/informer.ts';
import { replicaSetsOf } from '../support/deployment-state.ts';
import { informers } from '../support/informers.ts';

export interface RolloutMoment {
  at: number;
  /** Sum of spec.replicas over the Deployment's ReplicaSets: what upstream calls "total created". */
  created: number;
  available: number;
}

/**
 * The invariant upstream's rolling-update wait checks at each poll, here at every watch event instead:
 * total replicas created <= replicas + maxSurge and available >= replicas - maxUnavailable. Each bound is
 * judged on one ordered stream (ReplicaSets for surge, the Deployment for availability), so what it sees
 * are states the cluster really passed through. Keeps the worst moment of each.
 */
export class RolloutBounds {
  private readonly replicaSets: ResilientInformer<V1ReplicaSet>;
  private readonly deployments: ResilientInformer<V1Deployment>;
  worstCreated: RolloutMoment | undefined;
  worstAvailable: RolloutMoment | undefined;
  events = 0;

  constructor(
    kube: Kube,
    private readonly namespace: string,
    private readonly name: string,
  ) {
    this.replicaSets = informers.replicaSets(kube, namespace);
    this.deployments = informers.deployments(kube, namespace);
    this.replicaSets.on('change', () => this.observe());
    this.deployments.on('change', () => this.observe());
  }

  async start(): Promise<void> {
    await Promise.all([this.replicaSets.start(), this.deployments.start()]);
    this.observe();
  }

  stop(): void {
    this.replicaSets.stop();
    this.deployments.stop();
  }

  private observe(): void {
    const d = this.deployments.get(this.name, this.namespace);
    if (!d) return;
    this.events += 1;
    const created = replicaSetsOf(d, this.replicaSets.list()).reduce(
      (n, rs) => n + (rs.spec?.replicas ?? 0),
      0,
    );
    const moment = { at: Date.now(), created, available: d.status?.availableReplicas ?? 0 };
    if (!this.worstCreated || moment.created > this.worstCreated.created) this.worstCreated = moment;
    if (!this.worstAvailable || moment.available < this.worstAvailable.available)
      this.worstAvailable = moment;
  }
}
