import type { ProvisionedCluster } from '../clusters/provisioned-cluster.ts';
import type { Kube } from '../src/kube/client.ts';

/** Label on everything a run creates; the janitor deletes what carries it once its run is over. */
export const runLabel = 'gauntlet.dev/run';
/** Label naming the check that created an object. */
export const checkLabel = 'gauntlet.dev/check';

export interface CheckContext {
  kube: Kube;
  cluster: ProvisionedCluster;
  runId: string;
  /** The check's own namespace (created by the runner, labelled with the run id, deleted at teardown). */
  namespace: string;
  /** Labels every object the check creates must carry. */
  labels: Record<string, string>;
  /** Probe pods (DNS lookups, environment) on existing clusters, whose pods run containers: config checks.*. */
  probe?: { image: string; clusterDomain: string };
}

/** One observed change of a monitored behaviour. Times are epoch milliseconds. */
export interface Transition {
  /** When the check decided (after processing the event). */
  at: number;
  /** When the watch event that caused it arrived, for detection-latency figures. */
  observedAt: number;
  check: string;
  ok: boolean;
  /** Names the object and the expectation: "EndpointSlices of web/api list 2 of 3 ready pods". */
  detail: string;
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
