import type { SliBuckets, SliSeries } from './sli-metrics-parser.ts';

/**
 * What was observed between consecutive scrapes of ONE apiserver, summed over the scrapes. A counter that went
 * down (its +Inf count fell) means the apiserver restarted in between: its counters began again from zero, so
 * the later scrape itself is the delta of that interval. Series first seen after the first scrape count whole.
 */
export function sliDelta(scrapes: SliBuckets[]): SliBuckets {
  const total: SliBuckets = new Map();
  for (let i = 1; i < scrapes.length; i++) {
    const before = scrapes[i - 1]!;
    const after = scrapes[i]!;
    for (const [key, series] of after) {
      const prior = before.get(key);
      const reset = prior !== undefined && count(series) < count(prior);
      add(total, key, series, prior && !reset ? prior : undefined);
    }
  }
  return total;
}

/** Sums the deltas of several apiservers (each member of an HA control plane scraped on its own). */
export function sumSli(parts: SliBuckets[]): SliBuckets {
  const total: SliBuckets = new Map();
  for (const part of parts) for (const [key, series] of part) add(total, key, series, undefined);
  return total;
}

export function count(series: SliSeries): number {
  return series.buckets.get(Number.POSITIVE_INFINITY) ?? 0;
}

function add(total: SliBuckets, key: string, series: SliSeries, minus: SliSeries | undefined): void {
  let entry = total.get(key);
  if (!entry) {
    entry = { ...series, buckets: new Map() };
    total.set(key, entry);
  }
  for (const [le, n] of series.buckets)
    entry.buckets.set(le, (entry.buckets.get(le) ?? 0) + n - (minus?.buckets.get(le) ?? 0));
}
