import { watch } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { provisionedClusterSchema } from '../../src/model/cluster.ts';
import { parseStateFile } from '../../src/model/state-file.ts';
import { type IntentEntry, pendingIn } from './ledger.ts';

/** setTimeout's ceiling (about 24.8 days); longer bounds are re-armed. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * The watchdog process that start-watchdog.ts spawns (one per injection, detached): it outlives the harness and
 * reverts the intent at its expiresAt if the ledger still shows it injected.
 */
type Outcome = 'reverted' | 'deadline' | 'ledger-gone';

/** The watchdog process: wait for the revert or the deadline, whichever comes first; revert at the deadline. */
export async function runWatchdog(flags: { ledger: string; intent: string; cluster: string }): Promise<void> {
  const say = (what: string): void => {
    process.stdout.write(`${new Date().toISOString()} watchdog ${flags.intent}: ${what}\n`);
  };
  const intent = await stillPending(flags.ledger, flags.intent).catch(() => undefined);
  if (!intent) return say('nothing to guard (already reverted, or not in the ledger)');
  const deadline = Date.parse(intent.expiresAt);
  say(`guarding ${intent.fault} on ${intent.target} until ${intent.expiresAt}`);
  const outcome = await new Promise<Outcome>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (why: Outcome) => {
      clearTimeout(timer);
      watcher.close();
      resolve(why);
    };
    // Every ledger append is an inotify event: the revert is seen when it is written, not by polling.
    const watcher = watch(flags.ledger, () => {
      void stillPending(flags.ledger, flags.intent).then(
        (pending) => pending || done('reverted'),
        () => done('ledger-gone'),
      );
    });
    watcher.on('error', () => done('ledger-gone'));
    const arm = () => {
      const left = deadline - Date.now();
      timer =
        left > maxTimerMs
          ? setTimeout(arm, maxTimerMs)
          : setTimeout(() => done('deadline'), Math.max(0, left));
    };
    arm();
  });
  if (outcome === 'ledger-gone') return say('ledger removed; nothing to guard');
  if (outcome === 'reverted' || !(await stillPending(flags.ledger, flags.intent).catch(() => undefined)))
    return say('reverted by the harness');
  say('max duration reached and still injected: reverting');
  const { faultContextFor } = await import('./fault-cluster.ts');
  const { revertIntent } = await import('./fault-engine.ts');
  const cluster = parseStateFile(
    provisionedClusterSchema,
    await readFile(flags.cluster, 'utf8'),
    flags.cluster,
  );
  try {
    await revertIntent(faultContextFor(cluster), flags.ledger, intent);
    say('reverted');
  } catch (error) {
    say(`revert failed: ${(error as Error).message}`);
    process.exitCode = 4;
  }
}

/** The intent if the ledger still shows it injected; throws when the ledger file is gone. */
async function stillPending(ledger: string, id: string): Promise<IntentEntry | undefined> {
  await access(ledger);
  return (await pendingIn(ledger)).find((i) => i.id === id);
}
