import { Command } from 'commander';
import { awsCommand } from './aws-command.ts';
import { clusterCommand } from './cluster-command.ts';
import { faultCommand, recoverCommand } from './fault-command.ts';
import { internalCommand } from './internal-command.ts';
import { loadCommand } from './load-command.ts';
import { reportCommand } from './report-command.ts';
import { runCommand } from './run-command.ts';
import { scenarioCommand } from './scenario-command.ts';
import { toolsCommand } from './tools-command.ts';

/**
 * The whole CLI as a commander program, built without running anything, so tests (test/ci-templates.test.ts)
 * can check commands written elsewhere against the real set of commands and options.
 */
export function buildProgram(): Command {
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
  program.addCommand(scenarioCommand());
  program.addCommand(loadCommand());
  program.addCommand(reportCommand());
  program.addCommand(faultCommand());
  program.addCommand(recoverCommand());
  program.addCommand(awsCommand());
  program.addCommand(internalCommand(), { hidden: true });
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}
