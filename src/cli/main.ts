import { Command, CommanderError } from 'commander';
import { ExitCode, GauntletError } from '../errors.ts';
import { awsCommand } from './aws-command.ts';
import { clusterCommand } from './cluster-command.ts';
import { faultCommand, recoverCommand } from './fault-command.ts';
import { internalCommand } from './internal-command.ts';
import { runCommand } from './run-command.ts';
import { toolsCommand } from './tools-command.ts';

const program = new Command('gauntlet')
  .description(
    'Chaos-and-conformance harness for Kubernetes: provision a cluster, check what people depend on, ' +
      'inject faults, report what held.\n\nExit codes: 0 passed, 1 a check failed, 2 usage or config error, ' +
      '3 infrastructure error, 4 a fault could not be reverted, 130 interrupted.',
  )
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

program.addCommand(clusterCommand());
program.addCommand(toolsCommand());
program.addCommand(runCommand());
program.addCommand(faultCommand());
program.addCommand(recoverCommand());
program.addCommand(awsCommand());
program.addCommand(internalCommand(), { hidden: true });
for (const command of program.commands) {
  command.exitOverride();
  for (const sub of command.commands) sub.exitOverride();
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeOf(error);
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version exit through here with code 0; anything else is a usage error.
    return error.exitCode === 0 ? ExitCode.Passed : ExitCode.Usage;
  }
  // Duck-typed as well: an error class loaded twice (two module instances) must still map to its exit code.
  if (
    error instanceof GauntletError ||
    (error instanceof Error && typeof (error as GauntletError).exitCode === 'number')
  ) {
    process.stderr.write(`gauntlet: ${error.message}\n`);
    return (error as GauntletError).exitCode;
  }
  process.stderr.write(`gauntlet: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return ExitCode.Infrastructure;
}
