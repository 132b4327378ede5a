import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where built and downloaded binaries live: outside any clone, so a fresh checkout (and CI) finds them. */
export function cacheDir(): string {
  if (process.env.GAUNTLET_CACHE_DIR) return process.env.GAUNTLET_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'gauntlet');
}

/** Where running clusters keep their state (pki, kubeconfig, logs, pids), one directory per cluster name. */
export function stateDir(): string {
  if (process.env.GAUNTLET_STATE_DIR) return process.env.GAUNTLET_STATE_DIR;
  return join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'gauntlet');
}

export function clusterDir(name: string): string {
  return join(stateDir(), 'clusters', name);
}
