import { type KubernetesObject, type ListPromise, ListWatch } from '@kubernetes/client-node';
import type { Kube } from './client.ts';

export interface InformerOptions<T extends KubernetesObject> {
  /** Watch path of the collection, e.g. /api/v1/namespaces/web/pods. */
  path: string;
  list: ListPromise<T>;
  labelSelector?: string;
  fieldSelector?: string;
}

/** The longest wait before restarting a failed watch. */
const maxBackoffMs = 2000;

export type InformerEvent = 'add' | 'update' | 'delete';

/**
 * A list-watch cache that keeps going. client-node's ListWatch resumes a closed watch from the last
 * resourceVersion and relists on 410 Gone, but it stops for good on any other error (connection refused
 * while an apiserver restarts, a reset stream): this restarts it, resuming from where it was, after a
 * short backoff. Every watch in gauntlet goes through here.
 */
export class ResilientInformer<T extends KubernetesObject> {
  private readonly listWatch: ListWatch<T>;
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastFailureAt = 0;
  private readonly listeners: { event: InformerEvent | 'change'; fn: (obj: T) => void }[] = [];
  private readonly errorListeners: ((error: unknown) => void)[] = [];
  private syncedOnce: Promise<void>;
  private markSynced!: () => void;

  constructor(kube: Kube, o: InformerOptions<T>) {
    this.listWatch = new ListWatch(o.path, kube.watch, o.list, false, o.labelSelector, o.fieldSelector);
    this.syncedOnce = new Promise((resolve) => {
      this.markSynced = resolve;
    });
    const dispatch = (event: InformerEvent) => (obj: T) => {
      this.failures = 0; // an event arrived: the watch works again
      for (const l of this.listeners) if (l.event === event || l.event === 'change') l.fn(obj);
    };
    this.listWatch.on('add', dispatch('add'));
    this.listWatch.on('update', dispatch('update'));
    this.listWatch.on('delete', dispatch('delete'));
    this.listWatch.on('error', (error) => {
      for (const fn of this.errorListeners) fn(error);
      this.scheduleRestart();
    });
  }

  on(event: InformerEvent | 'change', fn: (obj: T) => void): this {
    this.listeners.push({ event, fn });
    return this;
  }

  onError(fn: (error: unknown) => void): this {
    this.errorListeners.push(fn);
    return this;
  }

  /** Starts listing and watching; resolves once the first list has been delivered. */
  async start(): Promise<void> {
    this.stopped = false;
    this.startOnce();
    await this.syncedOnce;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    void this.listWatch.stop();
  }

  list(): readonly T[] {
    return this.listWatch.list();
  }

  get(name: string, namespace?: string): T | undefined {
    return this.listWatch.get(name, namespace);
  }

  private startOnce(): void {
    this.listWatch.start().then(
      () => {
        // stop() during the initial list cannot abort the watch ListWatch opens after it: close that one now.
        if (this.stopped) void this.listWatch.stop();
        else this.markSynced();
      },
      () => this.scheduleRestart(),
    );
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    // ListWatch announces 'connect' before its list or watch has succeeded, so that cannot reset the backoff;
    // an event does, and so does a quiet watch that has run longer than the longest backoff since it last failed.
    const now = Date.now();
    if (now - this.lastFailureAt > 2 * maxBackoffMs) this.failures = 0;
    this.lastFailureAt = now;
    this.failures += 1;
    // Backoff for restarting a failed watch: 100 ms doubling to 2 s, reset once a watch connects again.
    const delayMs = Math.min(100 * 2 ** (this.failures - 1), maxBackoffMs);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) this.startOnce();
    }, delayMs);
    this.restartTimer.unref();
  }
}
