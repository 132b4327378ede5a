import { Command } from 'commander';
import { runSupervisor } from '../../clusters/local/supervisor.ts';

/** Processes the embedded cluster runs of gauntlet itself; not for people. */
export function internalCommand(): Command {
  const internal = new Command('internal').description(
    'processes of the embedded cluster (not for direct use)',
  );
  internal
    .command('supervise')
    .requiredOption('--dir <dir>', 'cluster directory')
    .action(async (flags: { dir: string }) => {
      await runSupervisor(flags.dir);
    });
  internal
    .command('watchdog')
    .requiredOption('--ledger <file>', 'run ledger')
    .requiredOption('--intent <id>', 'intent to guard')
    .requiredOption('--cluster <file>', 'the cluster, as recorded beside the ledger')
    .action(async (flags: { ledger: string; intent: string; cluster: string }) => {
      const { runWatchdog } = await import('../../faults/engine/fault-watchdog.ts');
      await runWatchdog(flags);
    });
  return internal;
}
