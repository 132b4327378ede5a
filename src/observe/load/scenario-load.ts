import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ProvisionedCluster } from '../../model/cluster.ts';
import { emitProgress } from '../../model/events.ts';
import type { Timeline } from '../../model/timeline.ts';
import { type ApiLoadResult, classBoundsMs, runApiLoad } from './api-load.ts';
import { kubeHttpCredentials } from './kube-credentials.ts';
import type { ApiLoadDefinition } from './load-definition.ts';
import { formatSloTable } from './slo-table.ts';

export interface ApiLoad {
  /** Resolves once the scratch namespace exists and the first scrape is in: inject after this. */
  started: Promise<void>;
  /** The SLO table; rejects on a harness error (the load could not be set up). */
  result: Promise<ApiLoadResult>;
}

/** The apiservers to scrape one by one: each member of an embedded cluster, else the kubeconfig's endpoint. */
export function apiServersOf(cluster: ProvisionedCluster, server: string): string[] {
  return cluster.local?.apiServers.map((a) => a.url) ?? [server];
}

/** Where a load's SLO table goes: <run dir>/load/<file>.json. */
export function sloTableFile(runDir: string, file: string): string {
  return join(runDir, 'load', `${file}.json`);
}

/**
 * Runs an API load against a cluster in the background: the SLO table goes to <run dir>/load/<file>.json, every
 * request onto the timeline's "load" series, start and verdict on the timeline and as progress events.
 */
export function startApiLoad(o: {
  cluster: ProvisionedCluster;
  runId: string;
  runDir: string;
  file: string;
  definition: ApiLoadDefinition;
  /** Load and scrape this API server only, with the kubeconfig's credentials. */
  apiServer?: string;
  timeline?: Timeline;
  scenario?: string;
  signal?: AbortSignal;
}): ApiLoad {
  const scenario = o.scenario ?? o.timeline?.scenario ?? o.file;
  const series = o.timeline?.probeSeries('load');
  const boundsMs = classBoundsMs(o.definition);
  let onStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    onStarted = resolve;
  });
  const result = (async () => {
    const resolved = await kubeHttpCredentials(o.cluster.kubeconfig, o.cluster.context);
    const credentials = o.apiServer ? { ...resolved, server: o.apiServer } : resolved;
    const apiServers = o.apiServer ? [o.apiServer] : apiServersOf(o.cluster, credentials.server);
    o.timeline?.mark(`load api ${o.file} started against ${credentials.describe()}`);
    emitProgress({ event: 'load-start', scenario, script: `api ${o.file}` });
    const r = await runApiLoad(
      o.definition,
      { credentials, apiServers, runId: o.runId, name: o.file },
      {
        ...(o.signal ? { signal: o.signal } : {}),
        onStarted: () => {
          o.timeline?.mark(`load api ${o.file} on the cluster`);
          onStarted();
        },
        ...(series
          ? {
              // A sample is good as the client view counts it: answered, and within its class bound.
              onOutcome: (x) => {
                const latencyMs = x.endedAt - x.dueAt;
                const slow = x.ok && latencyMs > boundsMs[x.sloClass];
                series.push({
                  at: Math.round(performance.timeOrigin + x.dueAt),
                  latencyMs: Math.round(latencyMs),
                  ok: x.ok && !slow,
                  ...(x.ok && !slow ? {} : { error: `${x.op} ${slow ? 'slower than its bound' : x.status}` }),
                });
              },
            }
          : {}),
      },
    );
    const file = sloTableFile(o.runDir, o.file);
    await mkdir(join(o.runDir, 'load'), { recursive: true });
    await writeFile(file, `${JSON.stringify(r, null, 2)}\n`);
    o.timeline?.mark(
      `load api ${o.file}: ${r.verdict}${r.failures.length ? ` (${r.failures.join(' | ')})` : ''}`,
      r.finishedAt,
    );
    if (o.timeline) o.timeline.sloTables[o.file] = formatSloTable(r);
    const p99Ms = Object.fromEntries(r.client.operations.map((op) => [op.op, op.p99Ms]));
    emitProgress({ event: 'load-end', scenario, script: `api ${o.file}`, verdict: r.verdict, p99Ms });
    return r;
  })();
  // A load that fails to start must not leave `started` pending forever.
  const settled = Promise.race([started, result.then(() => undefined)]);
  result.catch(() => undefined);
  return { started: settled, result };
}
