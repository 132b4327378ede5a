import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findClusterProcesses } from '../../src/process/cluster-processes.ts';

export async function clusterUid(stateDir: string, name: string): Promise<string> {
  return (await readFile(join(stateDir, 'clusters', name, 'uid'), 'utf8')).trim();
}

export async function processesOf(uid: string) {
  return findClusterProcesses(uid);
}

/** TCP ports in LISTEN state owned by any of the given pids (from /proc/net/tcp + fd links). */
export async function listeningPorts(ports: number[]): Promise<number[]> {
  const open: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== '0A') continue; // 0A = LISTEN
      const port = Number.parseInt(fields[1]?.split(':')[1] ?? '', 16);
      if (ports.includes(port)) open.push(port);
    }
  }
  return open;
}

export { join };
