import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findClusterProcesses } from '../../../src/process/cluster-processes.ts';

/**
 * The host pid of a real node's containerd (found by the cluster's marker and the node's own config path), for
 * faults that freeze the runtime the way a hung dockerd/containerd freezes: SIGSTOP, connections left open.
 */
export async function realNodeContainerdPid(uid: string, nodeDir: string): Promise<number | undefined> {
  const config = join(nodeDir, 'etc', 'containerd.toml');
  for (const p of await findClusterProcesses(uid)) {
    if (!p.command.startsWith('containerd ')) continue;
    const cmdline = await readFile(`/proc/${p.pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').includes(config)) return p.pid;
  }
  return undefined;
}
