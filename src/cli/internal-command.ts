import { Command } from 'commander';
import { parseHostPort, startLoadBalancer } from '../../clusters/local/load-balancer.ts';
import { runSupervisor } from '../../clusters/local/supervisor.ts';

/** Processes the embedded cluster runs of gauntlet itself; not for people. */
export function internalCommand(): Command {
  const internal = new Command('internal').description('processes of the embedded cluster (not for direct use)');
  internal
    .command('supervise')
    .requiredOption('--dir <dir>', 'cluster directory')
    .action(async (flags: { dir: string }) => {
      await runSupervisor(flags.dir);
    });
  internal
    .command('load-balancer')
    .requiredOption('--listen <host:port>', 'address to listen on')
    .option('--backend <host:port>', 'an apiserver (repeat)', (v: string, all: string[] = []) => [...all, v])
    .action(async (flags: { listen: string; backend?: string[] }) => {
      await startLoadBalancer(parseHostPort(flags.listen), (flags.backend ?? []).map(parseHostPort));
      process.on('SIGTERM', () => process.exit(0));
    });
  return internal;
}
