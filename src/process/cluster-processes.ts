import { readdir, readFile } from 'node:fs/promises';

/** Every process of an embedded cluster carries this variable, so leftovers can be found even without pidfiles. */
export const clusterMarkerVariable = 'GAUNTLET_CLUSTER_UID';

export interface MarkedProcess {
  pid: number;
  command: string;
}

/** Processes on this machine whose environment carries the cluster's marker (Linux /proc). */
export async function findClusterProcesses(uid: string): Promise<MarkedProcess[]> {
  const needle = Buffer.from(`${clusterMarkerVariable}=${uid}\0`);
  const found: MarkedProcess[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const environ = await readFile(`/proc/${pid}/environ`);
      if (!environ.includes(needle)) continue;
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // a zombie is already dead
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      found.push({ pid, command: cmdline.split('\0').filter(Boolean).slice(0, 2).join(' ') });
    } catch {
      // The process exited while we looked, or is not ours to read.
    }
  }
  return found;
}

/** SIGTERM, then SIGKILL what is still there after the grace period; resolves when none are left. */
export async function killClusterProcesses(uid: string, graceMs = 5000): Promise<void> {
  const signalAll = async (signal: NodeJS.Signals) => {
    const processes = await findClusterProcesses(uid);
    for (const p of processes) {
      try {
        process.kill(p.pid, signal);
      } catch {
        // Already gone.
      }
    }
    return processes.length;
  };
  if ((await signalAll('SIGTERM')) === 0) return;
  const deadline = Date.now() + graceMs;
  const pollIntervalMs = 100; // /proc has no change notification; poll at a named interval within a bound
  while (Date.now() < deadline) {
    if ((await findClusterProcesses(uid)).length === 0) return;
    await new Promise((r) => setTimeout(r, pollIntervalMs));
  }
  await signalAll('SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (Date.now() < killDeadline) {
    if ((await findClusterProcesses(uid)).length === 0) return;
    await new Promise((r) => setTimeout(r, pollIntervalMs));
  }
}
