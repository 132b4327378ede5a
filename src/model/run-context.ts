import type { GauntletConfig } from '../config/schema.ts';
import { type Kube, kubeFromFile } from '../kube/client.ts';
import type { ProvisionedCluster } from './cluster.ts';
import type { ClusterCapabilities } from './cluster-capabilities.ts';

/** What a suite needs to know about the run it is part of. Set by the runner before mocha loads suites. */
export interface RunContext {
  runId: string;
  config: GauntletConfig;
  cluster: ProvisionedCluster;
  kube: Kube;
  outDir: string;
  /** Aborted on SIGINT/SIGTERM; scenarios hand it to the faults they inject. */
  signal?: AbortSignal;
  /** What the cluster can do, probed once before the suites (checks/capabilities-probe.ts). */
  capabilities?: ClusterCapabilities;
}

let current: RunContext | undefined;

export function setRunContext(context: Omit<RunContext, 'kube'>): RunContext {
  current = { ...context, kube: kubeFromFile(context.cluster.kubeconfig, context.cluster.context) };
  return current;
}

/** For suites: the run's cluster and config. Throws when a suite file is run outside `gauntlet run`. */
export function runContext(): RunContext {
  if (!current)
    throw new Error('no run context: suites run through `gauntlet run` (or the test helpers that set one)');
  return current;
}
