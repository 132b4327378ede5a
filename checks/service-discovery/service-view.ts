import { DiscoveryV1Api, type V1EndpointSlice, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { ResilientInformer } from '../../src/kube/informer.ts';
import type { CheckContext } from '../check.ts';
import { serviceNameLabel } from './endpoint-expectation.ts';

/**
 * A live view of one Service, the pods of its namespace and its EndpointSlices, kept by informers.
 * Every change calls the listeners with the time the watch event arrived (for detection latency).
 */
export class ServiceView {
  private readonly services: ResilientInformer<V1Service>;
  private readonly podInformer: ResilientInformer<V1Pod>;
  private readonly sliceInformer: ResilientInformer<V1EndpointSlice>;
  private readonly listeners: ((observedAt: number) => void)[] = [];

  constructor(
    ctx: CheckContext,
    readonly serviceName: string,
  ) {
    const { kube, namespace } = ctx;
    const discovery = kube.config.makeApiClient(DiscoveryV1Api);
    const fieldSelector = `metadata.name=${serviceName}`;
    const labelSelector = `${serviceNameLabel}=${serviceName}`;
    this.services = new ResilientInformer<V1Service>(kube, {
      path: `/api/v1/namespaces/${namespace}/services`,
      list: () => kube.core.listNamespacedService({ namespace, fieldSelector }),
      fieldSelector,
    });
    this.podInformer = new ResilientInformer<V1Pod>(kube, {
      path: `/api/v1/namespaces/${namespace}/pods`,
      list: () => kube.core.listNamespacedPod({ namespace }),
    });
    this.sliceInformer = new ResilientInformer<V1EndpointSlice>(kube, {
      path: `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
      list: () => discovery.listNamespacedEndpointSlice({ namespace, labelSelector }),
      labelSelector,
    });
    const changed = () => {
      const observedAt = Date.now();
      for (const fn of this.listeners) fn(observedAt);
    };
    for (const informer of [this.services, this.podInformer, this.sliceInformer])
      informer.on('change', changed);
  }

  onChange(fn: (observedAt: number) => void): () => void {
    this.listeners.push(fn);
    return () => {
      const at = this.listeners.indexOf(fn);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.podInformer.start(), this.sliceInformer.start()]);
  }

  stop(): void {
    this.services.stop();
    this.podInformer.stop();
    this.sliceInformer.stop();
  }

  service(): V1Service | undefined {
    return this.services.list()[0];
  }

  pods(): readonly V1Pod[] {
    return this.podInformer.list();
  }

  slices(): readonly V1EndpointSlice[] {
    return this.sliceInformer.list();
  }
}
