import type { Transition } from '../../src/model/timeline.ts';
import type { CheckResult, Deadline } from '../check.ts';

/** Says what is wrong (one line naming the object and the expectation), or undefined when all is well. */
export type Judge = () => string | undefined | Promise<string | undefined>;

/** Something that announces changes worth re-judging, with the time the causing event arrived. */
export interface ChangeSource {
  onChange(fn: (observedAt: number) => void): () => void;
}

/**
 * Re-judges on every change, one judgement at a time (a change during a judgement re-runs it after).
 * `pollMs` adds judgements at that interval for what has no watch (a DNS server's answers).
 */
function judgeOnChange(
  source: ChangeSource,
  judge: Judge,
  onVerdict: (problem: string | undefined, observedAt: number) => void,
  o: { pollMs?: number },
): () => void {
  let running = false;
  let again: number | undefined;
  let stopped = false;
  const run = async (observedAt: number) => {
    if (stopped) return;
    if (running) {
      again ??= observedAt;
      return;
    }
    running = true;
    try {
      const problem = await judge();
      if (!stopped) onVerdict(problem, observedAt);
    } catch (error) {
      if (!stopped) onVerdict(`judging failed: ${(error as Error).message}`, observedAt);
    } finally {
      running = false;
      if (again !== undefined && !stopped) {
        const next = again;
        again = undefined;
        void run(next);
      }
    }
  };
  const unsubscribe = source.onChange((observedAt) => void run(observedAt));
  const poll = o.pollMs ? setInterval(() => void run(Date.now()), o.pollMs) : undefined;
  void run(Date.now());
  return () => {
    stopped = true;
    unsubscribe();
    clearInterval(poll);
  };
}

/**
 * Assess: passes as soon as the judge finds nothing wrong; fails at the deadline with the last problem
 * and the time waited. Driven by the source's changes (plus `pollMs` where nothing can be watched).
 */
export function untilRight(
  source: ChangeSource,
  judge: Judge,
  deadline: Deadline,
  o: { what: string; pollMs?: number },
): Promise<CheckResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let last = 'not judged yet';
    const finish = (result: CheckResult) => {
      clearTimeout(timer);
      stop();
      deadline.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const stop = judgeOnChange(
      source,
      judge,
      (problem) => {
        if (problem === undefined) finish({ status: 'passed' });
        else last = problem;
      },
      o,
    );
    const timer = setTimeout(() => {
      const waited = ((Date.now() - started) / 1000).toFixed(1);
      finish({ status: 'failed', message: `${last} (waited ${waited} s for ${o.what})` });
    }, deadline.timeoutMs);
    const onAbort = () =>
      finish({ status: 'failed', message: `interrupted while waiting for ${o.what}: ${last}` });
    deadline.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Monitor: emits a transition whenever the verdict changes. Recovery is reported at once; a problem only
 * once it has lasted `graceMs`, because controllers legitimately lag the objects they follow by a few
 * milliseconds (a pod turns unready before its EndpointSlice does). observedAt is when the event that
 * first showed the problem arrived, so at - observedAt is the detection latency. Resolves when signal aborts.
 */
export function watchVerdict(
  source: ChangeSource,
  judge: Judge,
  signal: AbortSignal,
  emit: (t: Omit<Transition, 'check'>) => void,
  o: { graceMs: number; pollMs?: number },
): Promise<void> {
  return new Promise((resolve) => {
    let ok: boolean | undefined;
    let pending: { since: number; timer: NodeJS.Timeout } | undefined;
    let latest: string | undefined;
    const clearPending = () => {
      if (pending) clearTimeout(pending.timer);
      pending = undefined;
    };
    const stop = judgeOnChange(
      source,
      judge,
      (problem, observedAt) => {
        latest = problem;
        if (problem === undefined) {
          clearPending();
          if (ok !== true) emit({ at: Date.now(), observedAt, ok: true, detail: 'as expected' });
          ok = true;
          return;
        }
        if (ok === false || pending) return;
        const since = observedAt;
        const fire = () => {
          pending = undefined;
          if (latest === undefined || ok === false) return;
          ok = false;
          emit({ at: Date.now(), observedAt: since, ok: false, detail: latest });
        };
        const remaining = o.graceMs - (Date.now() - since);
        if (remaining <= 0) fire();
        else pending = { since, timer: setTimeout(fire, remaining) };
      },
      o,
    );
    signal.addEventListener(
      'abort',
      () => {
        clearPending();
        stop();
        resolve();
      },
      { once: true },
    );
  });
}
