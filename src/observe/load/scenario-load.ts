import { join } from 'node:path';
import type { V1Namespace } from '@kubernetes/client-node';
import { watchUntil } from '../../kube/watch-until.ts';
import { emitProgress } from '../../model/events.ts';
import type { RunContext } from '../../model/run-context.ts';
import type { Timeline } from '../../model/timeline.ts';
import { type K6Result, runK6 } from './k6.ts';
import { describeTrends } from './k6-summary.ts';

export const k6FixturesDir = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'k6');

/** "api-slo" names fixtures/k6/api-slo.js; anything with a slash or a .js suffix is a path. */
export function k6Script(script: string): string {
  return script.includes('/') || script.endsWith('.js') ? script : join(k6FixturesDir, `${script}.js`);
}

export interface K6Load {
  /**
   * Resolves once the script's setup() has created its namespace labelled gauntlet.dev/k6-load (api-slo does),
   * i.e. the load is on the cluster: inject after this, or setup() itself may meet the fault.
   * Rejects when k6 ends first. Scripts that create no such namespace never resolve it: do not await it for them.
   */
  started: Promise<void>;
  /** The verdict; rejects on a harness error (bad script, k6 could not run). */
  result: Promise<K6Result>;
}

/**
 * Runs a k6 script against the run's cluster while a chaos scenario does its work: its summary goes to
 * <run dir>/k6/<file>.summary.json and its start, verdict and p99s are marked on the scenario's timeline.
 */
export function loadAlongside(
  run: RunContext,
  timeline: Timeline,
  file: string,
  script: string,
  env: Record<string, string>,
): K6Load {
  timeline.mark(`k6 ${script} started`);
  emitProgress({ event: 'load-start', scenario: timeline.scenario, script });
  const result = runK6({
    script: k6Script(script),
    summaryFile: join(run.outDir, 'k6', `${file}.summary.json`),
    env: { GAUNTLET_K6_RUN_ID: run.runId, GAUNTLET_K6_LOAD: file, ...env },
    kubeconfig: {
      path: run.cluster.kubeconfig,
      ...(run.cluster.context ? { context: run.cluster.context } : {}),
    },
  }).then((r) => {
    const failed = r.summary.thresholds.filter((t) => !t.ok).map((t) => `${t.metric} ${t.expression}`);
    timeline.mark(
      `k6 ${script}: ${r.verdict}${failed.length > 0 ? ` (failed: ${failed.join(', ')})` : ''}; ` +
        describeTrends(r.summary).join('; '),
      r.finishedAt,
    );
    const p99Ms = Object.fromEntries(
      Object.entries(r.summary.trends).flatMap(([metric, f]) =>
        f.p99 === undefined ? [] : [[metric, f.p99]],
      ),
    );
    emitProgress({ event: 'load-end', scenario: timeline.scenario, script, verdict: r.verdict, p99Ms });
    return r;
  });

  const stopWatching = new AbortController();
  const labelSelector = `gauntlet.dev/run=${run.runId},gauntlet.dev/k6-load=${file}`;
  const onCluster = watchUntil<V1Namespace, true>(run.kube, {
    list: () => run.kube.core.listNamespace({ labelSelector }),
    path: '/api/v1/namespaces',
    query: { labelSelector },
    done: (namespaces) => namespaces.length > 0 || undefined,
    what: `the namespace of k6 ${script} (${labelSelector})`,
    // k6 starts in about a second; the bound only matters when something is badly wrong.
    timeoutMs: 60_000,
    signal: stopWatching.signal,
  });
  const ended = result.then(
    () => Promise.reject(new Error(`k6 ${script} ended before its load started`)),
    (error: unknown) => Promise.reject(error),
  );
  const started = Promise.race([onCluster, ended]).then(() => {
    timeline.mark(`k6 ${script} load on the cluster`);
  });
  void started.finally(() => stopWatching.abort()).catch(() => undefined);
  onCluster.catch(() => undefined);
  ended.catch(() => undefined);
  return { started, result };
}
