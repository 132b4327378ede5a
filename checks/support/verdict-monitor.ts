import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResilientInformer } from '../../src/kube/informer.ts';
import type { Transition } from '../../src/model/timeline.ts';

export interface Verdict {
  ok: boolean;
  /** Names the object and the expectation, as the assess messages do. */
  detail: string;
}

/**
 * The shape of every check's monitor: informers over the check's fixtures, a judgement over their caches
 * re-made on every event, and a transition emitted whenever the verdict flips (and once at the start).
 * observedAt is when the event reached us, at when the judgement was made: their gap is detection latency.
 */
export async function monitorVerdict(o: {
  // biome-ignore lint/suspicious/noExplicitAny: informers of different object kinds are judged together
  informers: ResilientInformer<any>[];
  judge: () => Verdict;
  signal: AbortSignal;
  emit: (t: Omit<Transition, 'check'>) => void;
}): Promise<void> {
  if (o.signal.aborted) return;
  let last: boolean | undefined;
  let synced = false;
  const evaluate = (observedAt: number) => {
    if (!synced) return;
    const verdict = o.judge();
    if (verdict.ok === last) return;
    last = verdict.ok;
    o.emit({ at: Date.now(), observedAt, ok: verdict.ok, detail: verdict.detail });
  };
  for (const informer of o.informers)
    (informer as ResilientInformer<KubernetesObject>).on('change', () => evaluate(Date.now()));
  try {
    await Promise.all(o.informers.map((i) => i.start()));
    synced = true;
    evaluate(Date.now());
    await new Promise<void>((resolve) => {
      if (o.signal.aborted) resolve();
      else o.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    for (const informer of o.informers) informer.stop();
  }
}
