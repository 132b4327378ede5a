import type { V1Pod } from '@kubernetes/client-node';
import type { Kube } from '../../src/kube/client.ts';
import { ResilientInformer } from '../../src/kube/informer.ts';

export interface DeletedPod {
  name: string;
  uid: string;
  node: string;
}

/**
 * The pods of a namespace from start() on: those there at the start (not terminating), and every pod deleted
 * since (gone, or given a deletionTimestamp), with the node it was on.
 */
export class PodDeletionHistory {
  private readonly pods: ResilientInformer<V1Pod>;
  private readonly known = new Map<string, V1Pod>();
  private readonly gone = new Map<string, DeletedPod>();
  private started = false;
  /** Uids of the pods there when the history started. */
  readonly initial = new Set<string>();

  constructor(kube: Kube, namespace: string) {
    this.pods = new ResilientInformer<V1Pod>(kube, {
      path: `/api/v1/namespaces/${namespace}/pods`,
      list: () => kube.core.listNamespacedPod({ namespace }),
    });
    this.pods.on('change', () => this.note());
  }

  async start(): Promise<void> {
    await this.pods.start();
    for (const p of this.pods.list()) if (!p.metadata?.deletionTimestamp) this.initial.add(p.metadata!.uid!);
    this.started = true;
    this.note();
  }

  stop(): void {
    this.pods.stop();
  }

  private note(): void {
    if (!this.started) return;
    const now = new Map(this.pods.list().map((p) => [p.metadata!.uid!, p]));
    for (const [uid, p] of [...this.known, ...now]) {
      if (p.metadata?.deletionTimestamp || !now.has(uid))
        this.gone.set(uid, { name: p.metadata!.name!, uid, node: p.spec?.nodeName ?? '' });
      this.known.set(uid, p);
    }
  }

  get deleted(): DeletedPod[] {
    return [...this.gone.values()];
  }

  /** The pods now, not terminating, by uid. */
  current(): Set<string> {
    return new Set(
      this.pods
        .list()
        .filter((p) => !p.metadata?.deletionTimestamp)
        .map((p) => p.metadata!.uid!),
    );
  }
}
