import { readFile } from 'node:fs/promises';

/** One threshold expression of a k6 run and whether it held, e.g. http_req_duration{slo:read} p(99)<=1000. */
export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
}

/** A trend's figures from the summary, in the summary's unit (milliseconds for http_req_duration). */
export interface TrendFigures {
  p99?: number;
  p95?: number;
  med?: number;
  max?: number;
  count?: number;
}

export interface K6Summary {
  thresholds: ThresholdResult[];
  /** Every trend metric (and tagged submetric) with its figures, by metric name as k6 writes it. */
  trends: Record<string, TrendFigures>;
}

type MetricEntry = Record<string, unknown> & { thresholds?: Record<string, boolean> };

/**
 * Reads k6's --summary-export file. In that format a threshold maps to true when it FAILED (k6's legacy
 * summary keeps the flag's historic meaning), so ok is its negation.
 */
export async function readK6Summary(file: string): Promise<K6Summary> {
  const body = JSON.parse(await readFile(file, 'utf8')) as { metrics?: Record<string, MetricEntry> };
  const summary: K6Summary = { thresholds: [], trends: {} };
  for (const [metric, entry] of Object.entries(body.metrics ?? {})) {
    for (const [expression, failed] of Object.entries(entry.thresholds ?? {}))
      summary.thresholds.push({ metric, expression, ok: failed !== true });
    if (typeof entry['p(99)'] === 'number') {
      const figure = (key: string) => (typeof entry[key] === 'number' ? (entry[key] as number) : undefined);
      summary.trends[metric] = Object.fromEntries(
        Object.entries({
          p99: figure('p(99)'),
          p95: figure('p(95)'),
          med: figure('med'),
          max: figure('max'),
          count: figure('count'),
        }).filter(([, v]) => v !== undefined),
      );
    }
  }
  return summary;
}

/** "http_req_duration{slo:read} p99 43 ms" lines, for logs and timeline marks. */
export function describeTrends(summary: K6Summary, filter = /\{slo:/): string[] {
  return Object.entries(summary.trends)
    .filter(([metric]) => filter.test(metric))
    .map(([metric, f]) => `${metric} p99 ${f.p99?.toFixed(1)} ms (${f.count ?? '?'} requests)`);
}
