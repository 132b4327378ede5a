import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError } from '../../src/errors.ts';
import type { Progress } from '../../src/log.ts';
import { clusterDir } from '../../src/paths.ts';
import { findClusterProcesses, killClusterProcesses } from '../../src/process/cluster-processes.ts';
import { failedLogsDir, readUid } from './cluster-state.ts';
import { readSupervisorState } from './local-cluster-health.ts';
import { removeRealNodeLeftovers } from './real-nodes/node-host.ts';

/**
 * Stops every process of the named cluster and removes its directory: asks the supervisor to shut down in
 * order, then kills whatever still carries the cluster's marker (a SIGKILLed harness, a dead supervisor).
 * Safe to call when nothing is there.
 */
export async function destroyLocalCluster(
  name: string,
  progress: Progress,
  o: { keepLogs?: boolean } = {},
): Promise<{ found: boolean }> {
  const dir = clusterDir(name);
  const uid = await readUid(dir);
  if (!uid) {
    await rm(dir, { recursive: true, force: true });
    return { found: false };
  }
  // A damaged supervisor.json must not stop the teardown: everything is reaped by its marker below anyway.
  const supervisor = await readSupervisorState(dir).catch(() => undefined);
  if (supervisor) {
    progress.step(`stopping cluster ${name}`);
    await fetch(`http://127.0.0.1:${supervisor.controlPort}/shutdown`, {
      method: 'POST',
      signal: AbortSignal.timeout(2000),
    }).catch(() => undefined);
  }
  // The supervisor stops members in order (agents first, etcd last) within its own bounds: let it, then reap
  // whatever is left (everything, when the supervisor itself was gone).
  if (supervisor) await processExit(supervisor.pid, 30_000);
  await killClusterProcesses(uid, 20_000);
  const left = await findClusterProcesses(uid);
  if (left.length > 0) {
    throw new InfrastructureError(
      `cluster ${name}: ${left.length} processes survived SIGKILL: ${left.map((p) => `${p.pid} ${p.command}`).join(', ')}`,
    );
  }
  // Real nodes' host side: their processes (and so their namespaces, mounts and veths) are gone by now.
  await removeRealNodeLeftovers(uid);
  if (o.keepLogs) {
    // A failed `up` keeps its logs beside the state directory for the post-mortem.
    const kept = failedLogsDir(name);
    await rm(kept, { recursive: true, force: true });
    await cp(join(dir, 'logs'), kept, { recursive: true }).catch(() => undefined);
    progress.step(`logs of the failed cluster kept in ${kept}`);
  }
  await rm(dir, { recursive: true, force: true });
  return { found: true };
}

/** Resolves when the process is gone or the bound passes; /proc has no exit notification for a non-child. */
async function processExit(pid: number, timeoutMs: number): Promise<void> {
  const pollIntervalMs = 100;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, pollIntervalMs));
  }
}
