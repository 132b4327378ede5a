import type { Etcdctl } from '../../src/etcd/etcdctl.ts';

/** One reading of one member's backend size. */
export interface BackendSize {
  at: string;
  endpoint: string;
  dbSize: number;
  dbSizeInUse: number;
}

/**
 * Reads every member's backend size at a named interval while a fill runs (etcd has no watch for it), and says
 * when the largest reached the target fraction of the quota (etcd's own quota figure wins over the config's).
 */
export function watchBackendSize(
  etcd: Etcdctl,
  o: { quotaBytes: number; targetFraction: number; intervalMs: number },
): { reachedTarget(): boolean; stop(): Promise<{ dbSizes: BackendSize[]; quotaBytes: number }> } {
  const dbSizes: BackendSize[] = [];
  let quotaBytes = o.quotaBytes;
  let reached = false;
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const at = new Date().toISOString();
      const statuses = await etcd.status().catch(() => []);
      for (const st of statuses) {
        dbSizes.push({ at, endpoint: st.endpoint, dbSize: st.dbSize, dbSizeInUse: st.dbSizeInUse });
        if (st.dbSizeQuota > 0) quotaBytes = st.dbSizeQuota;
        if (st.dbSize >= o.targetFraction * quotaBytes) reached = true;
      }
      if (watching) await new Promise((r) => setTimeout(r, o.intervalMs));
    }
  })();
  return {
    reachedTarget: () => reached,
    async stop() {
      watching = false;
      await loop;
      return { dbSizes, quotaBytes };
    },
  };
}
