import type { SloBounds } from './load-definition.ts';
import { count } from './sli-deltas.ts';
import type { SliBuckets } from './sli-metrics-parser.ts';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY']);

/** One (verb, resource, subresource, scope) judged by the sig-scalability SLO that applies to it. */
export interface ServerSliResult {
  key: string;
  sloClass: 'mutating' | 'resource-read' | 'namespace-read' | 'cluster-read';
  boundSeconds: number;
  /** The bucket edge judged: the largest one not above the bound (1, 5 and 30 s are edges). */
  judgedAtSeconds: number;
  requests: number;
  withinBound: number;
  /** The smallest bucket edge below which 99% of the requests fell (an upper estimate of p99). */
  p99AtMostSeconds: number;
  ok: boolean;
}

export function sliClassOf(verb: string, scope: string): ServerSliResult['sloClass'] | undefined {
  if (MUTATING.has(verb)) return 'mutating';
  if (verb !== 'GET' && verb !== 'LIST') return undefined;
  if (scope === 'resource') return 'resource-read';
  if (scope === 'namespace') return 'namespace-read';
  if (scope === 'cluster') return 'cluster-read';
  return undefined;
}

export function boundOf(sloClass: ServerSliResult['sloClass'], slo: SloBounds): number {
  return {
    mutating: slo.mutatingSeconds,
    'resource-read': slo.resourceReadSeconds,
    'namespace-read': slo.namespaceReadSeconds,
    'cluster-read': slo.clusterReadSeconds,
  }[sloClass];
}

/** "p99 <= bound" is "the count at the bound's bucket >= objective x the +Inf count". */
export function judgeServerSli(delta: SliBuckets, slo: SloBounds): ServerSliResult[] {
  const results: ServerSliResult[] = [];
  for (const [key, series] of delta) {
    const sloClass = sliClassOf(series.verb, series.scope);
    const requests = count(series);
    if (!sloClass || requests <= 0) continue;
    const boundSeconds = boundOf(sloClass, slo);
    const edges = [...series.buckets.keys()].sort((a, b) => a - b);
    const judged = edges.filter((le) => le <= boundSeconds).at(-1);
    const withinBound = judged === undefined ? 0 : (series.buckets.get(judged) ?? 0);
    const p99 = edges.find((le) => (series.buckets.get(le) ?? 0) >= slo.objective * requests);
    results.push({
      key,
      sloClass,
      boundSeconds,
      judgedAtSeconds: judged ?? 0,
      requests,
      withinBound,
      p99AtMostSeconds: p99 ?? Number.POSITIVE_INFINITY,
      ok: withinBound >= slo.objective * requests,
    });
  }
  return results.sort((a, b) => a.key.localeCompare(b.key));
}
