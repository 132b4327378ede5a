import { performance } from 'node:perf_hooks';
import { InfrastructureError } from '../../errors.ts';
import { ApiConnection } from './api-connection.ts';
import { type OperationContext, type OperationName, runOperation } from './api-operations.ts';
import { runArrivals } from './arrival-schedule.ts';
import { ClientView, type RequestOutcome, type SloClass } from './client-view.ts';
import type { KubeHttpCredentials } from './kube-credentials.ts';
import type { ApiLoadDefinition } from './load-definition.ts';
import { MetricsScraper } from './metrics-scraper.ts';
import { judgeServerSli } from './server-sli-verdict.ts';
import { sliDelta, sumSli } from './sli-deltas.ts';
import { clientFailures, type SloTable, serverFailure } from './slo-table.ts';

export interface ApiLoadTarget {
  credentials: KubeHttpCredentials;
  /** Every apiserver to scrape on its own; on an existing cluster, the endpoint the kubeconfig reaches. */
  apiServers: string[];
  /** Labels the scratch namespace gauntlet.dev/run=<runId>, gauntlet.dev/load=<name>. */
  runId: string;
  name: string;
}

export interface ApiLoadHooks {
  signal?: AbortSignal;
  /** Called once the scratch namespace exists and the first scrape is in: the load is about to start. */
  onStarted?: () => void;
  /** Every request's outcome as it ends (times on the performance.now() clock). */
  onOutcome?: (o: RequestOutcome) => void;
}

export interface ApiLoadResult extends SloTable {
  startedAt: number;
  finishedAt: number;
  namespace: string;
  definition: ApiLoadDefinition;
}

/** Each client SLO class's bound in ms, from the definition's seconds. */
export function classBoundsMs(def: ApiLoadDefinition): Record<SloClass, number> {
  return {
    mutating: def.slo.mutatingSeconds * 1000,
    'resource-read': def.slo.resourceReadSeconds * 1000,
    'namespace-read': def.slo.namespaceReadSeconds * 1000,
    'cluster-read': def.slo.clusterReadSeconds * 1000,
    'watch-open': def.slo.watchOpenSeconds * 1000,
  };
}

/**
 * An open-model load on the Kubernetes API: the definition's operations at their arrival rates in a scratch
 * namespace, every apiserver's /metrics read before, every scrapeIntervalSeconds during, and after, then the
 * verdict from both sides: the server's SLI deltas and the client's error budget. Resolves with the SLO table
 * (passed or slo-failed); rejects with an InfrastructureError when the load cannot be set up at all.
 */
export async function runApiLoad(
  def: ApiLoadDefinition,
  target: ApiLoadTarget,
  hooks: ApiLoadHooks = {},
): Promise<ApiLoadResult> {
  const timeoutMs = def.requestTimeoutSeconds * 1000;
  const api = new ApiConnection(target.credentials.server, target.credentials, def.connections, timeoutMs);
  const scraper = new MetricsScraper(target.apiServers, target.credentials);
  const namespace = `gauntlet-load-${target.runId
    .slice(-8)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')}-${process.pid}`;
  const startedAt = Date.now();
  const view = new ClientView(classBoundsMs(def), def.slo.objective, hooks.onOutcome);
  let scraping: NodeJS.Timeout | undefined;
  try {
    const created = await api.request('POST', '/api/v1/namespaces', performance.now() + timeoutMs, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: { 'gauntlet.dev/run': target.runId, 'gauntlet.dev/load': target.name },
      },
    });
    if (!created.ok)
      throw new InfrastructureError(
        `load ${target.name}: could not create namespace ${namespace} on ${target.credentials.describe()}: ${created.status}`,
      );
    if ((await scraper.scrapeAll()) < target.apiServers.length)
      throw new InfrastructureError(
        `load ${target.name}: /metrics unreadable before the load: ` +
          scraper.results
            .filter((r) => r.failed > 0)
            .map((r) => `${r.server}: ${r.lastError}`)
            .join('; '),
      );
    // The pool's connections are opened before the first arrival (TLS handshakes cost the event loop
    // milliseconds each: at the start they would make the first arrivals late).
    await Promise.all(
      Array.from({ length: def.connections }, () =>
        api.request('GET', '/livez', performance.now() + timeoutMs),
      ),
    );
    hooks.onStarted?.();
    // The scrape interval is the measurement's resolution (a restart between two scrapes loses what the
    // restarted member served since the earlier one), not a wait for anything.
    let scrapeInFlight: Promise<number> | undefined;
    scraping = setInterval(() => {
      scrapeInFlight ??= scraper.scrapeAll().finally(() => {
        scrapeInFlight = undefined;
      });
    }, def.scrapeIntervalSeconds * 1000);
    const ctx: OperationContext = {
      api,
      namespace,
      timeoutMs,
      watchHoldMs: def.operations.watches.holdSeconds * 1000,
      record: (o) => view.record(o),
    };
    const inFlight = new Set<Promise<void>>();
    const streams = (Object.keys(def.operations) as OperationName[]).map((name) => ({
      name,
      perSecond: def.operations[name].perSecond,
    }));
    await runArrivals(
      streams,
      def.durationSeconds * 1000,
      (name, dueAt) => {
        const p = runOperation(name as OperationName, ctx, dueAt).finally(() => inFlight.delete(p));
        inFlight.add(p);
      },
      hooks.signal,
    );
    await Promise.all(inFlight);
    clearInterval(scraping);
    await scrapeInFlight;
    await scraper.scrapeAll();
  } finally {
    clearInterval(scraping);
    // The namespace goes with its objects; the load does not wait for the namespace controller.
    await api
      .request('DELETE', `/api/v1/namespaces/${namespace}`, performance.now() + 10_000)
      .catch(() => undefined);
    await Promise.all([api.close(), scraper.close()]);
  }

  const server = judgeServerSli(sumSli(scraper.results.map((r) => sliDelta(r.scrapes))), def.slo);
  const client = view.figures();
  const failures = [
    ...server.filter((r) => !r.ok).map((r) => serverFailure(r, def.slo.objective)),
    ...scraper.results
      .filter((r) => r.scrapes.length < 2)
      .map((r) => `server SLI of ${r.server} unknown: ${r.scrapes.length} scrape(s) read (${r.lastError})`),
    ...clientFailures(client),
  ];
  return {
    verdict: failures.length === 0 ? 'passed' : 'slo-failed',
    failures,
    server,
    client,
    scrapes: scraper.results.map((r) => ({ server: r.server, read: r.scrapes.length, missed: r.failed })),
    startedAt,
    finishedAt: Date.now(),
    namespace,
    definition: def,
  };
}
