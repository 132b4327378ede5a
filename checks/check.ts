import type { Kube } from '../src/kube/client.ts';
import type { ProvisionedCluster } from '../src/model/cluster.ts';
import type { ClusterCapabilities } from '../src/model/cluster-capabilities.ts';
import type { Transition } from '../src/model/timeline.ts';

export interface CheckContext {
  kube: Kube;
  cluster: ProvisionedCluster;
  runId: string;
  /** What the cluster can do (probed once per run): a check that needs what is missing skips with the reason. */
  capabilities: ClusterCapabilities;
  /** The check's own namespace (created by the runner, labelled with the run id, deleted at teardown). */
  namespace: string;
  /** Labels every object the check creates must carry. */
  labels: Record<string, string>;
  /** Probe pods (DNS lookups, environment) on existing clusters, whose pods run containers: config checks.*. */
  probe?: { image: string; clusterDomain: string };
}

export type CheckResult =
  | { status: 'passed'; detail?: string }
  | { status: 'failed'; message: string }
  | { status: 'skipped'; reason: string };

export interface Deadline {
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * A conformance behaviour people depend on. setup creates fixtures in ctx.namespace; assess is a one-shot
 * judgement within a deadline; monitor keeps judging from watches (never sleeps) and emits a transition
 * whenever the verdict changes, until the signal aborts; teardown removes the fixtures.
 */
export interface Check {
  /** kebab-case, unique: "endpoint-slices". */
  name: string;
  /** Suite tags without brackets: ["ServiceDiscovery"]. */
  tags: string[];
  setup(ctx: CheckContext): Promise<void>;
  assess(ctx: CheckContext, deadline: Deadline): Promise<CheckResult>;
  monitor(
    ctx: CheckContext,
    signal: AbortSignal,
    emit: (t: Omit<Transition, 'check'>) => void,
  ): Promise<void>;
  teardown(ctx: CheckContext): Promise<void>;
}
