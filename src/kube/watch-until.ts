import type { KubernetesObject } from '@kubernetes/client-node';
import { InfrastructureError } from '../errors.ts';
import type { Kube } from './client.ts';

export interface WatchUntilOptions<T extends KubernetesObject> {
  /** Lists the objects; its resourceVersion is where the watch starts. */
  list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  /** The watch path of the same collection, e.g. /api/v1/nodes. */
  path: string;
  query?: Record<string, string>;
  /** Called with every object currently known after each change; a non-undefined result ends the wait. */
  done: (objects: T[]) => unknown;
  /** What is being awaited, for the timeout message: "9 nodes Ready". */
  what: string;
  /** Describes the current state on timeout: "6 of 9 Ready". */
  progress?: (objects: T[]) => string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Lists, then watches from the list's resourceVersion and re-evaluates a condition over the live set of
 * objects on every event. A watch the server ends is resumed from the last resourceVersion seen; a 410 Gone
 * (history compacted) relists. Bounded by a deadline, never by sleeping.
 */
export async function watchUntil<T extends KubernetesObject, R>(
  kube: Kube,
  o: WatchUntilOptions<T>,
): Promise<R> {
  const objects = new Map<string, T>();
  const key = (obj: T) => `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
  const started = Date.now();
  let abortWatch: AbortController | undefined;
  let finished = false;

  return await new Promise<R>((resolve, reject) => {
    const finish = (error: Error | undefined, value?: R) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      abortWatch?.abort();
      if (error) reject(error);
      else resolve(value as R);
    };
    const evaluate = () => {
      try {
        const result = o.done([...objects.values()]);
        if (result !== undefined && result !== false) finish(undefined, result as R);
      } catch (error) {
        finish(error as Error);
      }
    };
    const timer = setTimeout(() => {
      const state = o.progress ? `: ${o.progress([...objects.values()])}` : '';
      finish(
        new InfrastructureError(
          `timed out after ${Math.round((Date.now() - started) / 1000)} s waiting for ${o.what}${state}`,
        ),
      );
    }, o.timeoutMs);
    const onAbort = () => finish(new InfrastructureError(`interrupted while waiting for ${o.what}`));
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });

    const relist = async (): Promise<void> => {
      const list = await o.list();
      objects.clear();
      for (const item of list.items) objects.set(key(item), item);
      evaluate();
      if (!finished) await watchFrom(list.metadata?.resourceVersion ?? '');
    };
    const watchFrom = async (resourceVersion: string): Promise<void> => {
      let lastVersion = resourceVersion;
      let gone = false;
      const controller = await kube.watch.watch(
        o.path,
        { ...o.query, resourceVersion, allowWatchBookmarks: true },
        (phase, obj: T & { code?: number }) => {
          if (phase === 'ERROR') {
            if (obj.code === 410) gone = true;
            return;
          }
          lastVersion = obj.metadata?.resourceVersion ?? lastVersion;
          if (phase === 'BOOKMARK') return;
          if (phase === 'DELETED') objects.delete(key(obj));
          else objects.set(key(obj), obj);
          evaluate();
        },
        (error: unknown) => {
          if (finished) return;
          // A watch the server closed normally resumes at once; 410 Gone relists; a failed connection
          // (apiserver restarting) is retried after a pause so a down API is not hammered.
          if (error && !gone) return retryLater();
          (gone ? relist() : watchFrom(lastVersion)).catch(retryLater);
        },
      );
      // The wait may have ended while this watch was being opened: close it rather than leak it.
      if (finished) controller.abort();
      else abortWatch = controller;
    };
    const retryLater = () => {
      if (finished) return;
      const retryIntervalMs = 500;
      setTimeout(() => relist().catch(retryLater), retryIntervalMs).unref();
    };
    relist().catch(retryLater);
  });
}
