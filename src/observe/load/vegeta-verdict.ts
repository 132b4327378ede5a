import { build } from 'hdr-histogram-js';
import type { ProbeSample } from '../../model/timeline.ts';

/** Thresholds the harness judges vegeta's results by (vegeta has none). */
export interface VegetaThresholds {
  minSuccessRatio: number;
  maxP99Ms: number;
}

/** One second of the attack: what was sent then and how much of it succeeded. */
export interface VegetaSecond {
  at: number;
  requests: number;
  ok: number;
  p99Ms: number;
}

export interface VegetaResult {
  verdict: 'passed' | 'slo-failed';
  failures: string[];
  requests: number;
  successRatio: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Status codes (or "error") and their counts. */
  codes: Record<string, number>;
  seconds: VegetaSecond[];
  startedAt: number;
  finishedAt: number;
}

/** One line of `vegeta encode --to=json`. */
interface VegetaJsonLine {
  timestamp: string;
  latency: number;
  code: number;
  error?: string;
}

const histogram = (digits: 2 | 3) =>
  build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: digits });

/**
 * Judges the JSON lines of `vegeta encode --to=json` (wherever vegeta ran): success ratio and p99 against the
 * thresholds, every request counted (a failed one with the time it took to fail), bucketed per second.
 * `target` names what was attacked in the failures.
 */
export async function judgeVegetaLines(
  lines: AsyncIterable<string> | Iterable<string>,
  o: VegetaThresholds & { target: string; startedAt: number },
): Promise<VegetaResult> {
  const all = histogram(3);
  const perSecond = new Map<number, { requests: number; ok: number; h: ReturnType<typeof build> }>();
  const codes: Record<string, number> = {};
  let requests = 0;
  let ok = 0;
  for await (const line of lines) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as VegetaJsonLine;
    const us = Math.max(1, Math.round(r.latency / 1000));
    const good = r.code >= 200 && r.code < 400 && !r.error;
    const code = r.code ? String(r.code) : 'error';
    codes[code] = (codes[code] ?? 0) + 1;
    requests++;
    if (good) ok++;
    all.recordValue(us);
    const second = Math.floor(Date.parse(r.timestamp) / 1000) * 1000;
    let bucket = perSecond.get(second);
    if (!bucket) {
      bucket = { requests: 0, ok: 0, h: histogram(2) };
      perSecond.set(second, bucket);
    }
    bucket.requests++;
    if (good) bucket.ok++;
    bucket.h.recordValue(us);
  }
  const successRatio = requests === 0 ? 0 : ok / requests;
  const p99Ms = all.getValueAtPercentile(99) / 1000;
  const failures: string[] = [];
  if (requests === 0) failures.push(`service ${o.target}: no request was made`);
  if (successRatio < o.minSuccessRatio)
    failures.push(
      `service success ratio ${(successRatio * 100).toFixed(2)}% < ${(o.minSuccessRatio * 100).toFixed(2)}% ` +
        `(${requests - ok} of ${requests} failed: ${JSON.stringify(codes)})`,
    );
  if (p99Ms > o.maxP99Ms) failures.push(`service p99 ${p99Ms.toFixed(1)} ms > ${o.maxP99Ms} ms`);
  return {
    verdict: failures.length === 0 ? 'passed' : 'slo-failed',
    failures,
    requests,
    successRatio,
    p50Ms: all.getValueAtPercentile(50) / 1000,
    p99Ms,
    maxMs: all.maxValue / 1000,
    codes,
    seconds: [...perSecond.entries()]
      .sort(([x], [y]) => x - y)
      .map(([at, b]) => ({ at, requests: b.requests, ok: b.ok, p99Ms: b.h.getValueAtPercentile(99) / 1000 })),
    startedAt: o.startedAt,
    finishedAt: Date.now(),
  };
}

/**
 * The per-second buckets as timeline samples (one per second: ok when every request of that second succeeded,
 * latency its p99), so a scenario's chart shows when traffic was lost.
 */
export function vegetaSamples(r: Pick<VegetaResult, 'seconds'>): ProbeSample[] {
  return r.seconds.map((s) => ({
    at: s.at,
    latencyMs: Math.round(s.p99Ms),
    ok: s.ok === s.requests,
    ...(s.ok === s.requests ? {} : { error: `${s.requests - s.ok} of ${s.requests} failed` }),
  }));
}
