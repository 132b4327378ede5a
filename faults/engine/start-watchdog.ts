import { spawn } from 'node:child_process';
import { access, open, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ProvisionedCluster } from '../../src/model/cluster.ts';
import { repoRoot } from '../../src/repo-root.ts';

const gauntletCli = join(repoRoot, 'bin', 'gauntlet.js');

/**
 * The max-duration guarantee that holds when the harness cannot keep it: a detached process per injection that
 * outlives the harness (hung, SIGKILLed, a CI step cancelled) and reverts the intent at its expiresAt if the
 * ledger still shows it injected. It exits as soon as the ledger records the revert, so a normal run leaves none
 * behind. The cluster it needs is written beside the ledger (paths only, never credentials).
 */
export async function startWatchdog(
  ledgerFile: string,
  intentId: string,
  cluster: ProvisionedCluster,
): Promise<void> {
  const clusterFile = join(dirname(ledgerFile), 'fault-cluster.json');
  await access(clusterFile).catch(() => writeFile(clusterFile, `${JSON.stringify(cluster, null, 2)}\n`));
  const log = await open(join(dirname(ledgerFile), 'watchdog.log'), 'a');
  // The engine's crash tests make the harness kill itself at named points: the watchdog must not inherit that.
  const { GAUNTLET_CRASH_AT: _, ...env } = process.env;
  const child = spawn(
    process.execPath,
    [
      gauntletCli,
      'internal',
      'watchdog',
      `--ledger=${ledgerFile}`,
      `--intent=${intentId}`,
      `--cluster=${clusterFile}`,
    ],
    { detached: true, stdio: ['ignore', log.fd, log.fd], env },
  );
  child.unref();
  await log.close();
}
