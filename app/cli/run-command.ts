import { Command, Option } from 'commander';
import type { RunJobOptions } from '../jobs/run-job.ts';
import { withClusterOptions } from './options.ts';

export function runCommand(): Command {
  return withClusterOptions(new Command('run'))
    .description('the main job: provision a cluster, run the suites, write the report, tear the cluster down')
    .option('--suite <name...>', 'suites to run: smoke, conformance, chaos (default: all three)')
    .option(
      '--cluster <name>',
      'reuse this running embedded cluster instead of provisioning one (never torn down)',
    )
    .option('--scenario <file...>', 'scenario files to run (kind Scenario); without --suite only these run')
    .option('--keep', 'leave the provisioned cluster running afterwards')
    .option('--out <dir>', 'parent directory of run directories (default reports/out)')
    .option('--grep <pattern>', 'only tests whose title matches, e.g. "\\[Smoke\\]"')
    .option(
      '--allow-empty',
      `exit 0 when nothing was tested (no test ran, or every one was skipped); default: exit 5`,
    )
    .addOption(
      new Option('--quiet', 'no progress lines on stderr (results and errors still)').conflicts('json'),
    )
    .option('--json', 'progress as JSON lines on stderr (phase, test-start, test-end, fault-on, ...)')
    .action(async (flags: RunJobOptions) => {
      // Loaded on demand: mocha and the Kubernetes client are heavy, and other commands never need them.
      const { runJob } = await import('../jobs/run-job.ts');
      const { startProgress } = await import('../jobs/progress-output.ts');
      const stop = startProgress(flags.json ? 'json' : flags.quiet ? 'quiet' : 'human');
      try {
        await runJob(flags);
      } finally {
        stop();
      }
    });
}
