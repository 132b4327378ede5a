import type { KubernetesObject, ListPromise } from '@kubernetes/client-node';
import { ClusterAssertionError, ExitCode, InfrastructureError } from '../errors.ts';
import type { Kube } from './client.ts';
import { ResilientInformer } from './informer.ts';

export interface WatchUntilOptions<T extends KubernetesObject> {
  /** Lists the objects; its resourceVersion is where the watch starts. */
  list: ListPromise<T>;
  /** The watch path of the same collection, e.g. /api/v1/nodes. */
  path: string;
  /** labelSelector / fieldSelector, applied to the list (by the caller) and to the watch. */
  query?: { labelSelector?: string; fieldSelector?: string };
  /** Called with every object currently known after each change; a result other than undefined/false ends the wait. */
  done: (objects: T[]) => unknown;
  /** What is being awaited, for the timeout message: "9 nodes Ready". */
  what: string;
  /** Describes the current state on timeout: "6 of 9 Ready". */
  progress?: (objects: T[]) => string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Waits for a condition over a live set of objects, re-evaluated on every watch event, bounded by a deadline,
 * never by sleeping. The list-watch is a ResilientInformer, so a closed watch resumes, a 410 relists and a
 * failed connection (an apiserver restarting) is retried.
 */
export async function watchUntil<T extends KubernetesObject, R>(
  kube: Kube,
  o: WatchUntilOptions<T>,
): Promise<R> {
  const informer = new ResilientInformer<T>(kube, {
    path: o.path,
    list: o.list,
    ...(o.query?.labelSelector ? { labelSelector: o.query.labelSelector } : {}),
    ...(o.query?.fieldSelector ? { fieldSelector: o.query.fieldSelector } : {}),
  });
  const started = Date.now();
  const objects = () => [...informer.list()];
  return await new Promise<R>((resolve, reject) => {
    let finished = false;
    const finish = (error: Error | undefined, value?: R) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      informer.stop();
      if (error) reject(error);
      else resolve(value as R);
    };
    const evaluate = () => {
      if (finished) return;
      try {
        const result = o.done(objects());
        if (result !== undefined && result !== false) finish(undefined, result as R);
      } catch (error) {
        finish(error as Error);
      }
    };
    const onAbort = () => finish(new InfrastructureError(`interrupted while waiting for ${o.what}`));
    const timer = setTimeout(() => {
      const seen = o.progress?.(objects());
      const waitedMs = Date.now() - started;
      // The cluster never reached the awaited state: a verdict about the cluster (a failed test in a suite),
      // still exit 3 where a command (cluster up) waits for it.
      finish(
        new ClusterAssertionError(
          {
            object: o.what,
            expected: o.what,
            ...(seen !== undefined ? { seen } : {}),
            waitedMs,
            message: `timed out after ${Math.round(waitedMs / 1000)} s waiting for ${o.what}${seen ? `: ${seen}` : ''}`,
          },
          ExitCode.Infrastructure,
        ),
      );
    }, o.timeoutMs);
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    informer.on('change', evaluate);
    informer.start().then(evaluate, (error: Error) => finish(error));
  });
}
