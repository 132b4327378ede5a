import { z } from 'zod';
import { ClusterAssertionError } from '../../src/errors.ts';
import { longestOutageMs, type ProbeSample, type Timeline } from '../../src/model/timeline.ts';
import type { ApiLoadResult } from '../../src/observe/load/api-load.ts';
import { formatSloTable } from '../../src/observe/load/slo-table.ts';

/** What a registered assertion may look at: the scenario's observations so far. */
export interface AssertionContext {
  timeline: Timeline;
  /** The API prober's samples (empty without monitors.apiProber). */
  apiSamples: ProbeSample[];
  /** The API load's SLO table, awaited (undefined without monitors.load). */
  load: () => Promise<ApiLoadResult | undefined>;
}

/** An assertion a scenario file names when data cannot say it: a parameter schema and the judgement. */
interface RegisteredAssertion<P> {
  summary: string;
  params: z.ZodType<P>;
  judge(ctx: AssertionContext, params: P): Promise<void>;
}

const fail = (object: string, expected: string, seen: string) =>
  new ClusterAssertionError({ object, expected, seen });

/**
 * With the only apiserver down, the client's view of the SLOs must show it: error budget spent, a longest outage
 * of at least half the hold, and (open model: requests due while it was down waited for it) the slowest class's
 * p99 at least 0.8 x the prober's downtime (measured here: create p99 12.9 s for a downtime of 10.3 s).
 */
const apiOutageInSlo: RegisteredAssertion<{ holdSeconds: number }> = {
  summary: "a single apiserver's downtime shows in the client's SLO view (availability, outage, p99)",
  params: z.strictObject({ holdSeconds: z.number().min(1) }),
  async judge(ctx, { holdSeconds }) {
    const slo = await ctx.load();
    if (!slo) throw fail('API load', 'an SLO table', 'no load ran (monitors.load)');
    const report = formatSloTable(slo).join('\n');
    const downtime = longestOutageMs(ctx.apiSamples);
    if (slo.verdict !== 'slo-failed')
      throw fail('API SLOs across the downtime', 'slo-failed', `${slo.verdict}\n${report}`);
    if (!(slo.client.availability < slo.client.objective))
      throw fail(
        'client availability',
        `below ${slo.client.objective}`,
        `${slo.client.availability}\n${report}`,
      );
    if (!/client availability .* longest outage \d+ ms/.test(slo.failures.join('\n')))
      throw fail(
        'SLO failures',
        'a client availability failure naming the longest outage',
        slo.failures.join(' | '),
      );
    if (slo.client.longestOutageMs < (holdSeconds * 1000) / 2)
      throw fail(
        'client longest outage',
        `at least ${(holdSeconds * 1000) / 2} ms (half the hold)`,
        `${slo.client.longestOutageMs} ms (prober downtime ${downtime} ms)`,
      );
    const worstP99 = Math.max(...slo.client.operations.map((o) => o.p99Ms));
    if (worstP99 < 0.8 * downtime)
      throw fail(
        'client p99 (slowest class)',
        `at least 0.8 x the prober's downtime ${downtime} ms`,
        `${worstP99} ms\n${report}`,
      );
  },
};

// biome-ignore lint/suspicious/noExplicitAny: the registry holds assertions of every parameter type
export const registeredAssertions: Record<string, RegisteredAssertion<any>> = {
  'api-outage-in-slo': apiOutageInSlo,
};
