import { Command } from 'commander';
import type { RunJobOptions } from '../jobs/run-job.ts';
import type { ScenarioListOptions } from '../jobs/scenario-job.ts';
import { withClusterOptions } from './options.ts';

const clusterChoice = (command: Command) =>
  withClusterOptions(command).option('--cluster <name>', 'a running embedded cluster, by name');

export function scenarioCommand(): Command {
  const scenario = new Command('scenario').description(
    'scenarios as data (kind Scenario): list the library, validate, show and run files',
  );
  clusterChoice(scenario.command('list'))
    .description('each library scenario: whether it can run on the cluster, and why not')
    .action(async (flags: ScenarioListOptions) => {
      const { listScenarios } = await import('../jobs/scenario-job.ts');
      await listScenarios(flags);
    });
  scenario
    .command('validate')
    .description('check scenario files (exit 2 naming every bad field); touches no cluster')
    .argument('<file...>', 'scenario files')
    .action(async (files: string[]) => {
      const { validateScenarios } = await import('../jobs/scenario-job.ts');
      await validateScenarios(files);
    });
  clusterChoice(scenario.command('show'))
    .description('what a scenario file does, and the mechanism each capability takes on the cluster')
    .argument('<file>', 'scenario file')
    .action(async (file: string, flags: ScenarioListOptions) => {
      const { showScenario } = await import('../jobs/scenario-job.ts');
      await showScenario(file, flags);
    });
  clusterChoice(scenario.command('run'))
    .description(
      'run scenario files as `gauntlet run --scenario` does (timeline, JUnit, Allure, summary.json)',
    )
    .argument('<file...>', 'scenario files')
    .option('--keep', 'leave the provisioned cluster running afterwards')
    .option('--out <dir>', 'parent directory of run directories (default reports/out)')
    .option('--allow-empty', 'exit 0 when every scenario was skipped (default: exit 5)')
    .option('--json', 'progress as JSON lines on stderr')
    .action(async (files: string[], flags: RunJobOptions) => {
      const { runJob } = await import('../jobs/run-job.ts');
      const { startProgress } = await import('../jobs/progress-output.ts');
      const stop = startProgress(flags.json ? 'json' : 'human');
      try {
        await runJob({ ...flags, scenario: files });
      } finally {
        stop();
      }
    });
  scenario
    .command('schema')
    .description('print the JSON Schema of scenario files (docs/scenario.schema.json)')
    .action(async () => {
      const { scenarioJsonSchema } = await import('../jobs/scenario-job.ts');
      process.stdout.write(scenarioJsonSchema());
    });
  return scenario;
}
