import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { build } from 'hdr-histogram-js';
import { InfrastructureError } from '../../errors.ts';
import type { ProbeSample } from '../../model/timeline.ts';
import { resolveTool } from '../../tools/index.ts';

export interface VegetaAttack {
  url: string;
  perSecond: number;
  durationSeconds: number;
  /** Thresholds the harness judges (vegeta has none). */
  minSuccessRatio: number;
  maxP99Ms: number;
  /** vegeta's binary results; the JSON lines are read from it with `vegeta encode`. */
  resultsFile: string;
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /** Default: the pinned vegeta from the tools cache (built from github.com/tsenart/vegeta/v12 the first time). */
  vegetaPath?: string;
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

interface VegetaJsonLine {
  timestamp: string;
  latency: number;
  code: number;
  error?: string;
}

/** Runs `vegeta attack` at a fixed rate, then judges success ratio and p99 from `vegeta encode --to=json`. */
export async function runVegeta(a: VegetaAttack): Promise<VegetaResult> {
  const vegeta = a.vegetaPath ?? (await resolveTool('vegeta', a.signal ? { signal: a.signal } : {})).path;
  await mkdir(dirname(a.resultsFile), { recursive: true });
  const startedAt = Date.now();
  const attack = await execa(
    vegeta,
    [
      'attack',
      `-rate=${a.perSecond}/1s`,
      `-duration=${a.durationSeconds}s`,
      `-timeout=${a.timeoutSeconds ?? 10}s`,
      `-output=${a.resultsFile}`,
    ],
    { input: `GET ${a.url}\n`, reject: false, all: true, ...(a.signal ? { cancelSignal: a.signal } : {}) },
  );
  if (attack.exitCode !== 0)
    throw new InfrastructureError(`vegeta attack ${a.url} failed (exit ${attack.exitCode}): ${attack.all}`);
  const encode = execa(vegeta, ['encode', '--to=json', a.resultsFile], { buffer: false });
  const all = build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3 });
  const perSecond = new Map<number, { requests: number; ok: number; h: ReturnType<typeof build> }>();
  const codes: Record<string, number> = {};
  let requests = 0;
  let ok = 0;
  for await (const line of createInterface({ input: encode.stdout! })) {
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
      bucket = {
        requests: 0,
        ok: 0,
        h: build({ lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 2 }),
      };
      perSecond.set(second, bucket);
    }
    bucket.requests++;
    if (good) bucket.ok++;
    bucket.h.recordValue(us);
  }
  await encode;
  const successRatio = requests === 0 ? 0 : ok / requests;
  const p99Ms = all.getValueAtPercentile(99) / 1000;
  const failures: string[] = [];
  if (requests === 0) failures.push(`service ${a.url}: no request was made`);
  if (successRatio < a.minSuccessRatio)
    failures.push(
      `service success ratio ${(successRatio * 100).toFixed(2)}% < ${(a.minSuccessRatio * 100).toFixed(2)}% ` +
        `(${requests - ok} of ${requests} failed: ${JSON.stringify(codes)})`,
    );
  if (p99Ms > a.maxP99Ms) failures.push(`service p99 ${p99Ms.toFixed(1)} ms > ${a.maxP99Ms} ms`);
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
    startedAt,
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
