import type { z } from 'zod';
import type { AwsContext } from '../src/aws/clients.ts';
import type { SafetyConfig } from '../src/config/schema.ts';
import type { Kube } from '../src/kube/client.ts';
import type { ProvisionedCluster } from '../src/model/cluster.ts';

export interface FaultContext {
  kube: Kube;
  cluster: ProvisionedCluster;
  /** Aborted on SIGINT/SIGTERM: a long apply (filling etcd) stops early, and the engine then reverts it. */
  signal?: AbortSignal;
  /** The AWS backend, when the config has an aws section (faults/aws/). */
  aws?: AwsContext;
  /** The config's safety section: what destructive faults need to be allowed. */
  safety?: SafetyConfig;
  /** The run injecting, so what a fault creates can be tagged with it. */
  runId?: string;
}

/** What a fault acts on; chosen by faults/targets.ts, never by the fault itself. */
export type FaultTarget =
  | { kind: 'node'; name: string; zone?: string }
  | { kind: 'component'; id: string; role: string }
  | { kind: 'zone'; name: string }
  /** A cloud instance (EC2 id), with the Node it backs and the Auto Scaling group holding it, when there are. */
  | { kind: 'instance'; name: string; zone: string; role: string; node?: string; autoScalingGroup?: string }
  /** The whole cluster, for damage with no narrower target (etcd filling up). */
  | { kind: 'cluster'; name: string };

export const describeTarget = (t: FaultTarget) =>
  t.kind === 'component' ? `component/${t.id}` : `${t.kind}/${t.name}`;

/**
 * What an apply observed while it acted (e.g. API write latencies while etcd filled up), JSON-serialisable.
 * The engine hands it back on the injection and writes it to the run directory for scenarios and reports.
 */
export type Measurements = Record<string, unknown>;

/**
 * One kind of damage, for ONE target, with exactly two verbs (after chaos-mesh): apply and revert.
 * capture reads what revert will need and changes nothing; it is journaled before apply runs, so revert
 * works from the ledger alone, after a crash, and is idempotent (reverting twice, or reverting an intent
 * whose apply never ran, is harmless).
 */
export interface Fault<Spec, Undo> {
  kind: string;
  summary: string;
  spec: z.ZodType<Spec>;
  /** What capture returns, checked when the ledger hands it back: a revert never acts on undo data it cannot read. */
  undo: z.ZodType<Undo>;
  /** Which target kind it acts on. */
  targets: FaultTarget['kind'];
  /** The exact actions, for --dry-run and the ledger. */
  describe(spec: Spec, target: FaultTarget): string;
  capture(ctx: FaultContext, spec: Spec, target: FaultTarget): Promise<Undo>;
  /** Changes the cluster; may resolve to what it measured on the way (optional, most faults measure nothing). */
  // biome-ignore lint/suspicious/noConfusingVoidType: void keeps `async apply() {}` of faults that measure nothing valid
  apply(ctx: FaultContext, spec: Spec, target: FaultTarget, undo: Undo): Promise<void | Measurements>;
  revert(ctx: FaultContext, undo: Undo): Promise<void>;
  /** Cloud faults: 'aws' needs ctx.aws and the safety guards (src/aws/guards.ts) before any change. */
  backend?: 'aws';
  /**
   * For --dry-run: asks the cloud whether the change would be allowed (EC2 DryRun=true) without making it;
   * resolves to one line per call checked.
   */
  verify?(ctx: FaultContext, spec: Spec, target: FaultTarget): Promise<string[]>;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds faults of every spec and undo type
export type AnyFault = Fault<any, any>;
