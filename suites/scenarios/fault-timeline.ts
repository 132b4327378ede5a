import type { Injection } from '../../faults/engine/fault-engine.ts';
import type { EtcdPressureMeasurements } from '../../faults/local/etcd-pressure.ts';
import type { Timeline } from '../../src/model/timeline.ts';

/**
 * How a fault's own observations reach a scenario's timeline. etcd-pressure measures every write of its fill:
 * they become the "etcd-fill-writes" series, and the fill time and latencies a mark.
 */
export function recordMeasurements(injection: Injection, timeline: Timeline): void {
  if (injection.fault !== 'etcd-pressure' || !injection.measurements) return;
  const m = injection.measurements as EtcdPressureMeasurements;
  const series = timeline.probeSeries('etcd-fill-writes');
  for (const s of m.samples)
    series.push({
      at: Date.parse(s.at),
      latencyMs: s.latencyMs,
      ok: s.ok,
      ...(s.error ? { error: s.error } : {}),
    });
  const reached = m.alarmRaised ? 'NOSPACE' : `its target (stopped by ${m.stoppedBy})`;
  timeline.mark(
    `filled to ${reached} in ${m.fillMs} ms; write latency p50 ${m.latency?.p50} ms, p99 ${m.latency?.p99} ms`,
  );
}

/** What a revert does when it is more than undoing one change: said in its mark, as the time it took. */
const revertSays: Record<string, string> = {
  'etcd-pressure': 'filler deleted, compacted, defragmented, alarm disarmed',
};

export function revertMark(injection: Injection, ms: number): string {
  const says = revertSays[injection.fault];
  return `reverted ${injection.fault} on ${injection.target}${says ? ` (${says})` : ''} in ${ms} ms`;
}
