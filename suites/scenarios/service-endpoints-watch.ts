import { DiscoveryV1Api, type V1EndpointSlice } from '@kubernetes/client-node';
import type { Kube } from '../../src/kube/client.ts';
import { ResilientInformer } from '../../src/kube/informer.ts';
import type { Timeline } from '../../src/model/timeline.ts';

interface Count {
  at: number;
  ready: number;
  /** The least it may have at that moment: see setFloor. */
  floor: number;
}

/**
 * A Service's ready endpoints, watched through its EndpointSlices for the whole scenario: every change of the
 * count is a transition on the timeline ("<service>-endpoints"), ok while it is at least the floor. The floor
 * starts at what the Service had when the watch started; each fault sets it to the ready endpoints then that are
 * not on a node under a fault (the pods that must keep serving).
 */
export class ServiceEndpointsWatch {
  private readonly informer: ResilientInformer<V1EndpointSlice>;
  private readonly counts: Count[] = [];
  private floor = 0;
  /** Counting starts once the first list is in (its items arrive one by one before that). */
  private started = false;
  private stoppedAt?: number;

  constructor(
    kube: Kube,
    namespace: string,
    readonly service: string,
    private readonly timeline: Timeline,
  ) {
    const discovery = kube.config.makeApiClient(DiscoveryV1Api);
    const labelSelector = `kubernetes.io/service-name=${service}`;
    this.informer = new ResilientInformer<V1EndpointSlice>(kube, {
      path: `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
      list: () => discovery.listNamespacedEndpointSlice({ namespace, labelSelector }),
      labelSelector,
    });
    this.informer.on('change', () => this.record());
  }

  async start(): Promise<void> {
    await this.informer.start();
    this.floor = this.ready().length;
    this.started = true;
    this.record();
  }

  private ready() {
    return this.informer
      .list()
      .flatMap((s) => s.endpoints ?? [])
      .filter((e) => e.conditions?.ready);
  }

  /** A fault began: from now on the Service must keep its ready endpoints on nodes other than these. */
  setFloor(faultedNodes: ReadonlySet<string>): void {
    this.floor = this.ready().filter((e) => !faultedNodes.has(e.nodeName ?? '')).length;
    this.record(true);
  }

  private record(force = false): void {
    if (!this.started || this.stoppedAt !== undefined) return;
    const ready = this.ready().length;
    const last = this.counts.at(-1);
    if (!force && last && last.ready === ready) return;
    const at = Date.now();
    this.counts.push({ at, ready, floor: this.floor });
    this.timeline.transition({
      at,
      observedAt: at,
      check: `${this.service}-endpoints`,
      ok: ready >= this.floor,
      detail: `Service ${this.service} has ${ready} ready endpoints (expected at least ${this.floor})`,
    });
  }

  /** Counts that lasted at least settleMs below their floor, each as "N ready endpoints (at least F) for T ms". */
  breaches(settleMs: number): string[] {
    const until = this.stoppedAt ?? Date.now();
    return this.counts.flatMap((c, i) => {
      const lasted = (this.counts[i + 1]?.at ?? until) - c.at;
      return lasted >= settleMs && c.ready < c.floor
        ? [`${c.ready} ready endpoints (at least ${c.floor}) for ${lasted} ms`]
        : [];
    });
  }

  stop(): void {
    if (this.stoppedAt !== undefined) return;
    this.stoppedAt = Date.now();
    this.informer.stop();
  }
}
