import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { restartExited } from '../../clusters/local/restart-exited.ts';
import { ConfigError, InfrastructureError } from '../../src/errors.ts';
import { type EtcdAccess, Etcdctl, etcdAccessSchema } from '../../src/etcd/etcdctl.ts';
import { reclaimSpace } from '../../src/etcd/reclaim-space.ts';
import { resolveTool } from '../../src/tools/index.ts';
import type { Fault } from '../fault.ts';
import { type BackendSize, watchBackendSize } from './etcd-backend-size.ts';
import {
  deleteFiller,
  type FillResult,
  fillEtcd,
  latencyPercentiles,
  type WriteSample,
} from './etcd-filler.ts';
import { deleteNamespaceOnceWritable } from './namespace-once-writable.ts';

const KiB = 1024;

const spec = z.strictObject({
  objectKind: z.enum(['configmap', 'secret']).default('configmap'),
  /** Payload per object. The apiserver refuses ConfigMaps and Secrets over 1 MiB. */
  objectSizeBytes: z
    .number()
    .int()
    .min(KiB)
    .max(1000 * KiB)
    .default(512 * KiB),
  writesPerSecond: z.number().positive().max(500).default(20),
  /** Requests open at once: a slow API slows the fill instead of queueing writes without end. */
  maxInFlight: z.number().int().min(1).max(64).default(4),
  /**
   * Stop once the largest member's backend reaches this fraction of the quota (checked every
   * statusIntervalMs, so it may overshoot by that much filling). 1: until etcd raises NOSPACE.
   */
  targetFraction: z.number().gt(0).max(1).default(1),
  /** A fill that has not reached its target by then fails, and the engine reverts it. */
  fillTimeoutSeconds: z.number().int().min(1).max(3600).default(300),
});
type Spec = z.infer<typeof spec>;

/** Everything revert needs, journaled before the first write: it works from this alone after a crash. */
const undo = z.object({
  clusterDir: z.string().min(1),
  namespace: z.string().min(1),
  /** On the namespace and every filler object; revert deletes by the selector. */
  labels: z.record(z.string(), z.string()),
  labelSelector: z.string().min(1),
  objectKind: z.enum(['configmap', 'secret']),
  etcd: etcdAccessSchema,
  /** Components the supervisor should have running again once etcd takes writes. */
  components: z.array(z.string()),
});
type Undo = z.infer<typeof undo>;

/** What the fill observed, for scenarios (and the run directory, through the engine). */
export interface EtcdPressureMeasurements {
  [key: string]: unknown;
  namespace: string;
  quotaBytes: number;
  startedAt: string;
  finishedAt: string;
  fillMs: number;
  stoppedBy: FillResult['stoppedBy'];
  alarmRaised: boolean;
  firstNoSpaceAt?: string;
  objectsWritten: number;
  bytesWritten: number;
  /** Percentiles over every write, ms. */
  latency?: ReturnType<typeof latencyPercentiles>;
  samples: WriteSample[];
  dbSizes: BackendSize[];
}

/** How often the fill reads etcd's backend size: etcd has no watch for it. */
const statusIntervalMs = 500;
/** After the alarm is disarmed, writes are retried this often, for at most writableTimeoutMs. */
const writeRetryIntervalMs = 250;
const writableTimeoutMs = 30_000;

const fillerLabel = 'gauntlet.dev/etcd-filler';

async function etcdctlFor(access: EtcdAccess): Promise<Etcdctl> {
  const tool = await resolveTool('etcdctl');
  return new Etcdctl(tool.path, access);
}

const fmtBytes = (n: number) =>
  n >= 1024 * KiB ? `${(n / (1024 * KiB)).toFixed(0)} MiB` : `${(n / KiB).toFixed(0)} KiB`;

/**
 * "etcd needs care": fills etcd through the API with ConfigMaps (or Secrets) in a namespace of their own,
 * at a set size and rate, until etcd raises its NOSPACE alarm (or a set fraction of the quota), timing every
 * write. Once the alarm is up the cluster is read-only: every write fails with "etcdserver: mvcc: database
 * space exceeded", and leader-elected components that cannot renew their Lease exit.
 * Revert is etcd's runbook: delete the filler (deletes are allowed under the alarm), compact, defragment
 * every member, disarm, restart the components that exited, then delete the namespace: that write
 * succeeding is the proof the cluster takes writes again.
 */
export const etcdPressure: Fault<Spec, Undo> = {
  kind: 'etcd-pressure',
  undo,
  summary: 'fill etcd toward its quota until NOSPACE, timing API writes; revert compacts, defrags, disarms',
  spec,
  targets: 'cluster',
  describe: (s, target) =>
    `create ${fmtBytes(s.objectSizeBytes)} ${s.objectKind === 'secret' ? 'Secrets' : 'ConfigMaps'} in a new namespace gauntlet-etcd-pressure-* of ${target.kind === 'cluster' ? target.name : '?'} at ${s.writesPerSecond}/s (at most ${s.maxInFlight} in flight) until ` +
    (s.targetFraction === 1
      ? 'etcd raises NOSPACE'
      : `etcd's backend reaches ${Math.round(s.targetFraction * 100)}% of its quota`) +
    ` (at most ${s.fillTimeoutSeconds} s); revert: delete them, compact, defragment every etcd member, alarm disarm, restart exited control-plane components, delete the namespace`,

  async capture(ctx, s, target) {
    const local = ctx.cluster.local;
    if (target.kind !== 'cluster' || !local)
      throw new ConfigError('etcd-pressure acts on an embedded cluster (its etcd is reached with etcdctl)');
    const etcd: EtcdAccess = {
      endpoints: local.etcdMembers.map((m) => m.clientUrl),
      ...local.etcdClient,
    };
    // Before the ledger: refuse a cluster already in trouble, whose alarm revert would then disarm.
    const alarms = await (await etcdctlFor(etcd)).alarms();
    if (alarms.length > 0)
      throw new InfrastructureError(
        `etcd-pressure: etcd already has alarm(s) ${alarms.map((a) => a.alarm).join(', ')}; recover it first`,
      );
    const suffix = randomBytes(3).toString('hex');
    return {
      clusterDir: local.dir,
      namespace: `gauntlet-etcd-pressure-${suffix}`,
      labels: { [fillerLabel]: suffix, 'gauntlet.dev/fault': 'etcd-pressure' },
      labelSelector: `${fillerLabel}=${suffix}`,
      objectKind: s.objectKind,
      etcd,
      components: local.components.filter((c) => c.kind !== 'etcd').map((c) => c.id),
    };
  },

  async apply(ctx, s, _target, undo) {
    const etcd = await etcdctlFor(undo.etcd);
    await ctx.kube.core.createNamespace({
      body: { metadata: { name: undo.namespace, labels: undo.labels } },
    });

    const sizes = watchBackendSize(etcd, {
      quotaBytes: ctx.cluster.local?.config.etcdQuotaBackendBytes ?? 0,
      targetFraction: s.targetFraction,
      intervalMs: statusIntervalMs,
    });
    const startedAt = new Date();
    let finishedAt = startedAt;
    const fill = await fillEtcd({
      kube: ctx.kube,
      namespace: undo.namespace,
      labels: undo.labels,
      objectKind: s.objectKind,
      objectSizeBytes: s.objectSizeBytes,
      writesPerSecond: s.writesPerSecond,
      maxInFlight: s.maxInFlight,
      deadlineMs: s.fillTimeoutSeconds * 1000,
      enough: s.targetFraction < 1 ? () => sizes.reachedTarget() : undefined,
      signal: ctx.signal,
    }).finally(() => {
      // The fill's end is when it stopped writing, not when the size watcher noticed (up to one interval later).
      finishedAt = new Date();
      return sizes.stop();
    });
    const { dbSizes, quotaBytes } = await sizes.stop();
    const alarms = await etcd.alarms().catch(() => []);
    const measurements: EtcdPressureMeasurements = {
      namespace: undo.namespace,
      quotaBytes,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      fillMs: finishedAt.getTime() - startedAt.getTime(),
      stoppedBy: fill.stoppedBy,
      alarmRaised: alarms.some((a) => a.alarm === 'NOSPACE'),
      firstNoSpaceAt: fill.firstNoSpaceAt,
      objectsWritten: fill.objectsWritten,
      bytesWritten: fill.bytesWritten,
      latency: latencyPercentiles(fill.samples),
      samples: fill.samples,
      dbSizes,
    };
    // Interrupted: the engine reverts (deletes the filler) when apply throws.
    ctx.signal?.throwIfAborted();
    if (fill.stoppedBy === 'deadline') {
      const failed = fill.samples.filter((x) => !x.ok);
      throw new InfrastructureError(
        `etcd-pressure: target not reached within ${s.fillTimeoutSeconds} s: wrote ${fill.objectsWritten} objects (${fmtBytes(fill.bytesWritten)}) toward a ${fmtBytes(quotaBytes)} quota` +
          (failed.length > 0 ? `; ${failed.length} writes failed, last: ${failed.at(-1)!.error}` : '') +
          '; raise writesPerSecond, objectSizeBytes or fillTimeoutSeconds',
      );
    }
    return measurements;
  },

  async revert(ctx, undo) {
    const etcd = await etcdctlFor(undo.etcd);
    await deleteFiller(ctx.kube, undo.namespace, undo.labelSelector, undo.objectKind);
    await reclaimSpace(etcd, undo.etcd.endpoints);
    await restartExited(undo.clusterDir, undo.components);
    // The namespace controller removes the (now empty) namespace later. Not awaited: a controller manager
    // held down by another fault must not make this revert fail.
    await deleteNamespaceOnceWritable(ctx.kube, undo.namespace, writableTimeoutMs, writeRetryIntervalMs);
  },
};
