import { Command, InvalidArgumentError, Option } from 'commander';
import type { InjectJobOptions } from '../jobs/inject-job.ts';
import { wholeNumber } from './options.ts';

const clusterFlags = (command: Command) =>
  command
    .option('--cluster <name>', 'embedded cluster name', 'gauntlet')
    .option('--kubeconfig <file>', 'an existing cluster instead of an embedded one')
    .option('--context <name>', 'kubeconfig context')
    .option('-c, --config <file>', 'config file (its aws and safety sections configure the AWS backend)');

/** Seconds, as "90", "90s", "2m". */
function duration(value: string): number {
  const m = /^(\d+)(s|m)?$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected a duration such as 30s or 2m, got "${value}"`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

export function faultCommand(): Command {
  const fault = new Command('fault').description(
    'inject faults by hand (every change journaled first, always reverted)',
  );

  fault
    .command('list')
    .description('the faults this build knows')
    .action(async () => {
      const { faults } = await import('../../faults/registry.ts');
      for (const f of Object.values(faults))
        process.stdout.write(`${f.kind.padEnd(22)} [${f.targets}] ${f.summary}\n`);
    });

  clusterFlags(fault.command('inject'))
    .description('inject a fault on the selected targets, hold it, then revert it (Ctrl-C reverts early)')
    .argument('<kind>', 'fault kind (gauntlet fault list)')
    .option(
      '--names <list>',
      'targets by name (nodes, or control-plane members such as kube-apiserver-0)',
      (v) => v.split(','),
    )
    .option('--zone <zone>', 'nodes of this zone')
    .option(
      '--role <role>',
      'control-plane role: etcd, kube-apiserver, kube-controller-manager, kube-scheduler; for AWS instances: control-plane, worker',
    )
    .option('--labels <selector>', 'nodes matching this label selector')
    .option('--leader', 'only the current leader of --role kube-controller-manager or kube-scheduler')
    .option('--all', 'every node or every zone (for zone-loss: the full-disruption case)')
    .option('--count <n>', 'at most this many of the selected targets', wholeNumber)
    .option('--percent <p>', 'this percentage of the selected targets', wholeNumber)
    .option('--spec <json>', 'fault spec as JSON, e.g. {"replaceAfterSeconds":30}')
    .addOption(new Option('--for <duration>', 'how long to hold the fault').argParser(duration).default(30))
    .addOption(
      new Option('--max-duration <duration>', 'upper bound of any injection, recorded in the ledger')
        .argParser(duration)
        .default(600),
    )
    .option('--dry-run', 'print exactly what would be done and touch nothing')
    .option('--out <dir>', 'parent of the run directory holding the ledger', 'reports/out')
    .action(async (kind: string, flags: InjectJobOptions) => {
      const { injectByHand } = await import('../jobs/inject-job.ts');
      await injectByHand(kind, flags);
    });
  return fault;
}

export function recoverCommand(): Command {
  return clusterFlags(new Command('recover'))
    .description(
      'revert every fault the ledgers show as still injected on a cluster (after a crashed harness)',
    )
    .action(async (flags: { config?: string; cluster?: string; kubeconfig?: string; context?: string }) => {
      const { recoverByHand } = await import('../jobs/inject-job.ts');
      await recoverByHand(flags);
    });
}

export type { InjectJobOptions };
