import type { V1Node } from '@kubernetes/client-node';
import type { Kube } from '../../src/kube/client.ts';
import { ResilientInformer } from '../../src/kube/informer.ts';

/** The taints the node lifecycle controller evicts with. */
const evictionTaints = (node: V1Node) =>
  (node.spec?.taints ?? []).filter(
    (t) =>
      t.effect === 'NoExecute' &&
      (t.key === 'node.kubernetes.io/unreachable' || t.key === 'node.kubernetes.io/not-ready'),
  );

/** The latest eviction taint's timeAdded, in ms (Infinity when the controller did not say: counted as new). */
const taintedAt = (node: V1Node) =>
  Math.max(
    ...evictionTaints(node).map((t) =>
      t.timeAdded ? Date.parse(String(t.timeAdded)) : Number.POSITIVE_INFINITY,
    ),
  );

/**
 * Every eviction taint (NoExecute unreachable / not-ready) seen on each node since start(), by its timeAdded:
 * taints removed again since count too. Watched from before a fault, so none added and removed is missed.
 */
export class NodeTaintHistory {
  private readonly added = new Map<string, Set<number>>();
  private readonly nodes: ResilientInformer<V1Node>;

  constructor(kube: Kube) {
    this.nodes = new ResilientInformer<V1Node>(kube, {
      path: '/api/v1/nodes',
      list: () => kube.core.listNode(),
    });
    this.nodes.on('change', () => this.note());
  }

  async start(): Promise<void> {
    await this.nodes.start();
    this.note();
  }

  stop(): void {
    this.nodes.stop();
  }

  private note(): void {
    for (const n of this.nodes.list()) {
      if (evictionTaints(n).length === 0) continue;
      const name = n.metadata!.name!;
      const times = this.added.get(name) ?? new Set<number>();
      times.add(taintedAt(n));
      this.added.set(name, times);
    }
  }

  /** Nodes with an eviction taint added at or before `at`. */
  before(at: number): string[] {
    return [...this.added]
      .filter(([, times]) => [...times].some((t) => t <= at))
      .map(([n]) => n)
      .sort();
  }

  /** Nodes with an eviction taint added after `at`, each with how long after. */
  after(at: number): string[] {
    return [...this.added]
      .flatMap(([n, times]) =>
        [...times].filter((t) => t > at).map((t) => `${n} (tainted ${((t - at) / 1000).toFixed(0)} s after)`),
      )
      .sort();
  }
}
