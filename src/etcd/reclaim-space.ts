import { InfrastructureError } from '../errors.ts';
import type { Etcdctl } from './etcdctl.ts';

export interface ReclaimResult {
  compactedTo?: number;
  /** Backend size per member after defragmentation, bytes. */
  dbSizes: Record<string, number>;
  disarmed: boolean;
}

/**
 * etcd's documented way out of NOSPACE, once the data that filled it has been deleted: compact the history
 * up to the current revision (deleted keys still hold their old revisions until then), defragment every
 * member (compaction frees pages inside the file, only defrag returns them, and the quota counts the file),
 * then disarm the alarm. Safe to repeat: compacting an already compacted revision is not an error here.
 * A CORRUPT alarm, or a member still over its quota, stops it with an error instead of a disarm that would
 * hide the problem or be raised again at the next write.
 */
export async function reclaimSpace(etcd: Etcdctl, endpoints: string[]): Promise<ReclaimResult> {
  const before = await etcd.status();
  const revision = Math.max(...before.map((s) => s.revision));
  let compactedTo: number | undefined = revision;
  try {
    await etcd.compact(revision);
  } catch (error) {
    if (!/required revision has been compacted/.test((error as Error).message)) throw error;
    compactedTo = undefined;
  }
  for (const endpoint of endpoints) await etcd.defrag(endpoint);
  const after = await etcd.status();
  const dbSizes = Object.fromEntries(after.map((s) => [s.endpoint, s.dbSize]));
  const over = after.filter((s) => s.dbSizeQuota > 0 && s.dbSize >= s.dbSizeQuota);
  if (over.length > 0) {
    throw new InfrastructureError(
      `etcd still over its quota after compact and defrag: ${over
        .map((s) => `${s.endpoint} ${s.dbSize} of ${s.dbSizeQuota} bytes (${s.dbSizeInUse} in use)`)
        .join('; ')}; something other than the filler holds the space`,
    );
  }
  const alarms = await etcd.alarms();
  const foreign = alarms.filter((a) => a.alarm !== 'NOSPACE');
  if (foreign.length > 0) {
    throw new InfrastructureError(
      `etcd has alarm(s) ${foreign.map((a) => `${a.alarm} on member ${a.memberId}`).join(', ')}: not disarming what space pressure did not raise`,
    );
  }
  if (alarms.length > 0) await etcd.disarm();
  return { compactedTo, dbSizes, disarmed: alarms.length > 0 };
}
