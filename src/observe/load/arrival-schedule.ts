import { performance } from 'node:perf_hooks';

/** One stream of arrivals: `perSecond` sends of `name`, evenly spaced from the start. */
export interface ArrivalStream {
  name: string;
  perSecond: number;
}

/**
 * An open-model schedule: the i-th arrival of a stream is due at start + i / rate, whatever happened to the
 * requests before it. send() is handed the time the arrival was due (performance.now() clock, ms), so a
 * request's latency is measured from its due time and a late send (a busy event loop) counts against it.
 * Resolves when the last arrival before the end has been sent, or at once when the signal aborts.
 */
export async function runArrivals(
  streams: ArrivalStream[],
  durationMs: number,
  send: (name: string, dueAt: number) => void,
  signal?: AbortSignal,
): Promise<{ startedAt: number; sent: number }> {
  const active = streams.filter((s) => s.perSecond > 0);
  const startedAt = performance.now();
  const next = active.map(() => 0);
  let sent = 0;
  // Offsets from the start, compared with the duration as offsets: startedAt + x - startedAt need not be x.
  const offsetOf = (k: number) => (next[k]! * 1000) / active[k]!.perSecond;
  await new Promise<void>((resolve) => {
    const tick = () => {
      if (signal?.aborted) return resolve();
      const now = performance.now();
      let earliest = Number.POSITIVE_INFINITY;
      for (let k = 0; k < active.length; k++) {
        for (let at = offsetOf(k); at < durationMs && startedAt + at <= now; at = offsetOf(k)) {
          send(active[k]!.name, startedAt + at);
          next[k]!++;
          sent++;
        }
        const at = offsetOf(k);
        if (at < durationMs) earliest = Math.min(earliest, startedAt + at);
      }
      if (earliest === Number.POSITIVE_INFINITY) return resolve();
      const wait = earliest - performance.now();
      // setTimeout cannot wait less than ~1 ms; an arrival due sooner goes out on the next turn of the loop.
      if (wait < 1) setImmediate(tick);
      else setTimeout(tick, Math.floor(wait));
    };
    signal?.addEventListener('abort', () => resolve(), { once: true });
    tick();
  });
  return { startedAt, sent };
}
