import type { ClientFigures } from './client-view.ts';
import type { ServerSliResult } from './server-sli-verdict.ts';

/** The SLO table of one load: the server's SLI per (verb, resource, subresource, scope) and the client's view. */
export interface SloTable {
  verdict: 'passed' | 'slo-failed';
  /** One line per miss, naming the class and the figure. */
  failures: string[];
  server: ServerSliResult[];
  client: ClientFigures;
  /** Per apiserver: scrapes read and missed (a killed member misses some). */
  scrapes: { server: string; read: number; missed: number }[];
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const secs = (x: number) => (Number.isFinite(x) ? `${x} s` : '> the largest bucket');

export function serverFailure(r: ServerSliResult, objective: number): string {
  return (
    `server SLI ${r.sloClass} ${r.key}: ${pct(r.requests ? r.withinBound / r.requests : 0)} of ${r.requests} ` +
    `within ${r.boundSeconds} s (objective ${pct(objective)}; p99 <= ${secs(r.p99AtMostSeconds)})`
  );
}

export function clientFailures(c: ClientFigures): string[] {
  if (c.availability >= c.objective) return [];
  const ops = c.operations
    .filter((o) => o.failed + o.slow > 0)
    .map(
      (o) =>
        `${o.op} (${o.sloClass}, bound ${o.boundMs} ms): ${o.failed} failed, ${o.slow} slower than the bound, ` +
        `p99 ${o.p99Ms.toFixed(1)} ms, max ${o.maxMs.toFixed(1)} ms`,
    );
  return [
    `client availability ${pct(c.availability)} < ${pct(c.objective)} (error budget ${c.errorBudget.allowed} ` +
      `of ${c.requests} requests, spent ${c.errorBudget.spent}; longest outage ${c.longestOutageMs} ms): ` +
      ops.join('; '),
  ];
}

/** The table as text lines, for stdout, logs and timeline marks. */
export function formatSloTable(t: SloTable): string[] {
  const lines = [`verdict: ${t.verdict}`];
  for (const r of t.server)
    lines.push(
      `${r.ok ? 'ok    ' : 'FAILED'} server ${r.sloClass.padEnd(14)} ${r.key.padEnd(40)} ${r.requests} requests, ` +
        `${pct(r.requests ? r.withinBound / r.requests : 0)} within ${r.boundSeconds} s, p99 <= ${secs(r.p99AtMostSeconds)}`,
    );
  const c = t.client;
  lines.push(
    `${c.availability >= c.objective ? 'ok    ' : 'FAILED'} client availability ${pct(c.availability)} of ${c.requests} ` +
      `requests (objective ${pct(c.objective)}), longest outage ${c.longestOutageMs} ms, send lag p99 ${c.sendLagP99Ms.toFixed(2)} ms`,
  );
  for (const o of c.operations)
    lines.push(
      `       client ${o.op.padEnd(15)} ${o.requests} requests, ${o.failed} failed, ${o.slow} slow, ${o.late} late; ` +
        `p50 ${o.p50Ms.toFixed(1)} ms, p99 ${o.p99Ms.toFixed(1)} ms, max ${o.maxMs.toFixed(1)} ms`,
    );
  for (const s of t.scrapes) lines.push(`       /metrics ${s.server}: ${s.read} scrapes, ${s.missed} missed`);
  return lines;
}
