import { join } from 'node:path';
import { toolboxImages } from '../../clusters/local/real-nodes/node-images.ts';
import { ConfigError, InfrastructureError } from '../../src/errors.ts';
import type { RunContext } from '../../src/model/run-context.ts';
import type { ServiceLoadMonitor } from '../../src/model/scenario-file.ts';
import { loadServiceTarget, type ServiceLoadResult } from '../../src/observe/load/service-load.ts';
import { resolveServiceTarget } from '../../src/observe/load/service-target.ts';
import type { Scenario } from '../chaos/scenario.ts';

/** A scenario's service load: resolved once the traffic flows, and its verdict when the attack ends. */
export interface RunningServiceLoad {
  started: Promise<void>;
  result: Promise<ServiceLoadResult>;
  /** Ends the attack early (a scenario that failed before its steps): its Job's namespace goes with it. */
  abort(): void;
}

/**
 * Starts monitors.serviceLoad against a Service of the scenario's namespace: from inside, a vegeta Job on the
 * nodes that run containers (the run's capability probe found them) in a namespace of its own; from outside,
 * through a port-forward. The scenario's timeline gets the "service" series and the verdict.
 */
export function startServiceLoad(
  run: RunContext,
  scenario: Scenario,
  namespace: string,
  m: ServiceLoadMonitor,
): RunningServiceLoad {
  const stop = new AbortController();
  const signal = run.signal ? AbortSignal.any([run.signal, stop.signal]) : stop.signal;
  let flowing!: () => void;
  const started = new Promise<void>((resolve) => {
    flowing = resolve;
  });
  const running = (async () => {
    const target = await resolveServiceTarget(
      run.kube,
      `${namespace}/${m.service}`,
      m.port === undefined ? undefined : String(m.port),
    );
    const image = m.image ?? (run.cluster.local ? toolboxImages[0] : undefined);
    if (m.from === 'inside' && !image)
      throw new ConfigError(
        'monitors.serviceLoad.image: on a cluster the harness did not make, name an image with vegeta and sh',
      );
    const containers = run.capabilities?.containers;
    if (containers && !containers.available)
      throw new InfrastructureError(`monitors.serviceLoad: no pod here serves: ${containers.reason}`);
    const nodes = containers?.nodes;
    return await loadServiceTarget(run.kube, target, {
      ...m,
      ...(image ? { image } : {}),
      ...(nodes ? { nodes } : {}),
      namespace: `gauntlet-load-${scenario.name}-${run.runId}`,
      runId: run.runId,
      dir: join(run.outDir, 'load', `${scenario.name}-service`),
      signal,
      onRunning: flowing,
    });
  })();
  const result = scenario.trackServiceLoad(
    `service ${namespace}/${m.service} (${m.perSecond}/s for ${m.durationSeconds} s from ${m.from})`,
    running,
  );
  return {
    started: Promise.race([started, result.then(() => undefined)]),
    result,
    abort: () => stop.abort(new Error('the scenario ended before its service load')),
  };
}
