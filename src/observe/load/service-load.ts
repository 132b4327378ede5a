import { join } from 'node:path';
import type { V1NodeSelectorTerm } from '@kubernetes/client-node';
import { InfrastructureError } from '../../errors.ts';
import type { Kube } from '../../kube/client.ts';
import { forwardLocalPort } from '../../kube/port-forward.ts';
import { readyEndpointPod, type ServiceTarget, serviceVip } from './service-target.ts';
import { runVegeta } from './vegeta.ts';
import { runVegetaInCluster } from './vegeta-in-cluster.ts';
import type { VegetaResult, VegetaThresholds } from './vegeta-verdict.ts';

export interface ServiceLoad extends VegetaThresholds {
  perSecond: number;
  durationSeconds: number;
  /** inside: a vegeta Job through the VIP and kube-proxy; outside: this host through a port-forward to one pod. */
  from: 'inside' | 'outside';
  path: string;
  /** inside: an image with vegeta and sh, and the nodes whose pods run containers. */
  image?: string;
  nodes?: V1NodeSelectorTerm;
  /** inside: the Job's namespace (default gauntlet-load-<run id>). */
  namespace?: string;
  runId: string;
  /** Where vegeta's results are kept (service.vegeta.bin or .jsonl). */
  dir: string;
  signal?: AbortSignal;
  /** Called (possibly more than once) when the traffic starts to flow. */
  onRunning?: () => void;
}

export type ServiceLoadResult = VegetaResult & { from: string };

/** Loads a Service from inside or outside the cluster; `from` in the result says which way the traffic went. */
export async function loadServiceTarget(
  kube: Kube,
  target: ServiceTarget,
  l: ServiceLoad,
): Promise<ServiceLoadResult> {
  const signal = l.signal ? { signal: l.signal } : {};
  if (l.from === 'outside') {
    const { pod, podPort } = await readyEndpointPod(kube, target);
    const forward = await forwardLocalPort(kube, target.namespace, pod, podPort);
    try {
      l.onRunning?.();
      const result = await runVegeta({
        ...l,
        url: `http://127.0.0.1:${forward.port}${l.path}`,
        resultsFile: join(l.dir, 'service.vegeta.bin'),
        ...signal,
      });
      return { ...result, from: `outside, port-forward to pod ${target.namespace}/${pod}:${podPort}` };
    } finally {
      await forward.close();
    }
  }
  const vip = serviceVip(target);
  if (!l.image) throw new InfrastructureError('load service from inside: no image with vegeta and sh named');
  const result = await runVegetaInCluster(kube, {
    ...l,
    url: `http://${vip}:${target.port.port}${l.path}`,
    image: l.image,
    resultsFile: join(l.dir, 'service.vegeta.jsonl'),
    ...signal,
  });
  return { ...result, from: `inside, a vegeta pod on ${result.node} through the VIP ${vip}` };
}
