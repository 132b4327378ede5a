import type { KubernetesObject } from '@kubernetes/client-node';
import type { Kube } from '../../src/kube/client.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import type { Collection } from './collections.ts';
import { Unmet } from './unmet.ts';

export interface WaitForOptions<T extends KubernetesObject, R> {
  /** A non-undefined result ends the wait. */
  done: (objects: T[]) => R | undefined;
  /** The expectation, naming the object: "Deployment web/demo to have 3 available replicas". */
  what: string;
  /** The state when the deadline passed: "2 of 3 available". */
  progress: (objects: T[]) => string;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * watchUntil for checks: the same watch-driven wait with a deadline, but a missed deadline is a verdict on the
 * cluster (Unmet: "expected <what> within N s; after N s: <progress>") rather than an infrastructure error.
 */
export async function waitFor<T extends KubernetesObject, R>(
  kube: Kube,
  collection: Collection<T>,
  o: WaitForOptions<T, R>,
): Promise<R> {
  let last: T[] = [];
  const started = Date.now();
  try {
    return await watchUntil<T, R>(kube, {
      list: collection.list,
      path: collection.path,
      ...(collection.query ? { query: collection.query } : {}),
      done: (objects) => {
        last = objects;
        return o.done(objects);
      },
      what: o.what,
      progress: o.progress,
      timeoutMs: o.timeoutMs,
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } catch (error) {
    if (error instanceof Unmet || o.signal?.aborted) throw error;
    if (error instanceof Error && /^timed out/.test(error.message)) {
      const waited = ((Date.now() - started) / 1000).toFixed(1);
      throw new Unmet(
        `expected ${o.what} within ${(o.timeoutMs / 1000).toFixed(0)} s; after ${waited} s: ${o.progress(last)}`,
      );
    }
    throw error;
  }
}

/**
 * The negative counterpart: watches for `forMs` and fails as soon as `violation` names something that must
 * not happen ("claim x bound to y"). Reaching the end of the window is the pass; no sleeping involved.
 */
export async function holdsFor<T extends KubernetesObject>(
  kube: Kube,
  collection: Collection<T>,
  o: { violation: (objects: T[]) => string | undefined; what: string; forMs: number },
): Promise<void> {
  let violation: string | undefined;
  try {
    violation = await watchUntil<T, string>(kube, {
      list: collection.list,
      path: collection.path,
      ...(collection.query ? { query: collection.query } : {}),
      done: o.violation,
      what: o.what,
      timeoutMs: o.forMs,
    });
  } catch (error) {
    if (error instanceof Error && /^timed out/.test(error.message)) return;
    throw error;
  }
  throw new Unmet(`expected ${o.what} for ${(o.forMs / 1000).toFixed(0)} s, but ${violation}`);
}
