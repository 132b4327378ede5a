import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  availability,
  longestOutageMs,
  type MonitorOutcome,
  type ProbeSample,
} from '../src/model/timeline.ts';
import { monitorIntervals, type TimelineData } from './timeline-chart.ts';

/** What one chaos scenario measured, for summary.json and the step summary. Times in ms, moments in ISO. */
export interface ScenarioFigures {
  scenario: string;
  faults: { fault: string; target: string; injectedAt: string; revertedAt?: string; durationMs?: number }[];
  recovery: {
    /** Every monitored check ends held and every prober still running after the revert ends succeeding. */
    recovered: boolean;
    /** The last moment a signal that had failed became healthy again (absent when nothing failed). */
    recoveredAt?: string;
    /**
     * From the first injection (or the first failure, when a signal failed while the fault was still being applied:
     * a window is recorded once inject() returns) to recoveredAt: how long the damage was visible.
     */
    timeToRecoverMs?: number;
    /** From the last revert to recoveredAt; negative when everything healed while the fault was still on. */
    afterRevertMs?: number;
    /** The checks and probers that failed at some point, and when each was healthy again. */
    signals: { name: string; failedAt: string; recoveredAt?: string }[];
    /** The scenario's own measurements ("leadership moved after 17 s", "converged ... after revert"). */
    marks: { atMs: number; what: string }[];
  };
  /** Per conformance monitor: how long and how often its behaviour was broken (when the scenario ran monitors). */
  monitors?: MonitorOutcome[];
  /** Per prober: the SLO-style figures. */
  slo: Record<
    string,
    { samples: number; availability: number; longestOutageMs: number; p99LatencyMs?: number }
  >;
  /** The scenario's load SLO table (<run dir>/load/<scenario>.json: server SLI and client view), when it ran one. */
  load?: LoadFigures;
}

/** The SLO table of a load as summary.json carries it. */
export interface LoadFigures {
  verdict: string;
  failures: string[];
  server: unknown[];
  client: unknown;
  scrapes?: unknown[];
}

const iso = (t: number) => new Date(t).toISOString();

function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** When a signal first failed and, if it was healthy at the end, when it last became healthy. */
function probeSignal(name: string, samples: ProbeSample[]) {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  const firstFailed = sorted.find((s) => !s.ok);
  if (!firstFailed) return undefined;
  const lastFailedIndex = sorted.findLastIndex((s) => !s.ok);
  const back = sorted[lastFailedIndex + 1];
  // Healthy again when the first good answer arrived, not when it was asked.
  return { name, failedAt: firstFailed.at, ...(back ? { recoveredAt: back.at + back.latencyMs } : {}) };
}

export function scenarioFigures(t: TimelineData, sloTable?: unknown): ScenarioFigures {
  const signals: { name: string; failedAt: number; recoveredAt?: number }[] = [];
  for (const [check, all] of monitorIntervals(t)) {
    // A monitor is "not yet" healthy while its fixtures come up: only a break after it first held counts.
    const intervals = all.slice(
      Math.max(
        0,
        all.findIndex((i) => i.ok),
      ),
    );
    if (!intervals[0]?.ok) continue;
    const firstFailed = intervals.find((i) => !i.ok);
    if (!firstFailed) continue;
    const last = intervals.at(-1)!;
    signals.push({ name: check, failedAt: firstFailed.from, ...(last.ok ? { recoveredAt: last.from } : {}) });
  }
  const firstInjected = t.faults.length ? Math.min(...t.faults.map((f) => f.injectedAt)) : undefined;
  const reverted = t.faults.map((f) => f.revertedAt).filter((r): r is number => r !== undefined);
  const lastReverted = reverted.length ? Math.max(...reverted) : undefined;
  for (const [name, samples] of Object.entries(t.probes)) {
    // A series that stopped before the revert (etcd-pressure's fill writes end at NOSPACE, by design) says
    // nothing about recovery: it is reported in slo, not judged here.
    const lastAt = Math.max(...samples.map((s) => s.at));
    if (lastReverted !== undefined && lastAt < lastReverted) continue;
    const signal = probeSignal(name, samples);
    if (signal) signals.push(signal);
  }
  const endsBroken = [...monitorIntervals(t).values()].some((intervals) => !intervals.at(-1)?.ok);
  const recovered = !endsBroken && signals.every((s) => s.recoveredAt !== undefined);
  const recoveredAt =
    recovered && signals.length > 0 ? Math.max(...signals.map((s) => s.recoveredAt!)) : undefined;
  const origin = firstInjected ?? t.startedAt;
  return {
    scenario: t.scenario,
    faults: t.faults.map((f) => ({
      fault: f.fault,
      target: f.target,
      injectedAt: iso(f.injectedAt),
      ...(f.revertedAt ? { revertedAt: iso(f.revertedAt), durationMs: f.revertedAt - f.injectedAt } : {}),
    })),
    recovery: {
      recovered,
      ...(recoveredAt !== undefined
        ? {
            recoveredAt: iso(recoveredAt),
            ...(firstInjected !== undefined
              ? { timeToRecoverMs: recoveredAt - Math.min(firstInjected, ...signals.map((s) => s.failedAt)) }
              : {}),
            // Already healthy when the revert was recorded (a restart that returns once the member is ready): 0.
            ...(lastReverted !== undefined ? { afterRevertMs: Math.max(0, recoveredAt - lastReverted) } : {}),
          }
        : {}),
      signals: signals.map((s) => ({
        name: s.name,
        failedAt: iso(s.failedAt),
        ...(s.recoveredAt !== undefined ? { recoveredAt: iso(s.recoveredAt) } : {}),
      })),
      marks: t.marks.map((m) => ({ atMs: m.at - origin, what: m.what })),
    },
    slo: Object.fromEntries(
      Object.entries(t.probes).map(([name, samples]) => {
        const p99 = percentile(
          samples.filter((s) => s.ok).map((s) => s.latencyMs),
          99,
        );
        return [
          name,
          {
            samples: samples.length,
            availability: Math.round(availability(samples) * 10_000) / 10_000,
            longestOutageMs: longestOutageMs([...samples].sort((a, b) => a.at - b.at)),
            ...(p99 !== undefined ? { p99LatencyMs: Math.round(p99) } : {}),
          },
        ];
      }),
    ),
    ...(t.monitorOutcomes ? { monitors: t.monitorOutcomes } : {}),
    ...(sloTable ? { load: loadFigures(sloTable) } : {}),
  };
}

/** The SLO table's verdict, misses, server SLI rows and client view; the load's definition and clock stay out. */
export function loadFigures(table: unknown): LoadFigures {
  const t = table as Partial<LoadFigures>;
  return {
    verdict: String(t.verdict ?? 'unknown'),
    failures: Array.isArray(t.failures) ? t.failures.map(String) : [],
    server: Array.isArray(t.server) ? t.server : [],
    client: t.client ?? null,
    ...(Array.isArray(t.scrapes) ? { scrapes: t.scrapes } : {}),
  };
}

/** The figures of every scenario timeline in a run directory, by scenario name. */
export async function runScenarioFigures(runDir: string): Promise<ScenarioFigures[]> {
  const dir = join(runDir, 'timelines');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  const figures: ScenarioFigures[] = [];
  for (const file of files) {
    const t = JSON.parse(await readFile(join(dir, file), 'utf8')) as TimelineData;
    const table = await readFile(join(runDir, 'load', `${t.scenario}.json`), 'utf8').then(
      (s) => JSON.parse(s) as unknown,
      () => undefined,
    );
    figures.push(scenarioFigures(t, table));
  }
  return figures;
}
