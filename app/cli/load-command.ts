import { Command } from 'commander';
import type { LoadJobOptions } from '../jobs/load-job.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

export function loadCommand(): Command {
  return new Command('load')
    .description(
      'run a k6 script against a cluster: fixtures/k6/<name>.js (api-slo, service) or a path. ' +
        'Exit 0 when every threshold held, 1 when one failed (an SLO missed), 3 when k6 could not run the script',
    )
    .argument('<script>', 'api-slo, service, or the path of a k6 script')
    .option('--cluster <name>', 'an embedded cluster started with gauntlet cluster up')
    .option('--kubeconfig <file>', 'the API server and credentials of an existing cluster')
    .option('--context <name>', 'kubeconfig context')
    .option('--out <dir>', 'parent directory of run directories (default reports/out)')
    .option(
      '-e, --env <KEY=VALUE>',
      'a script setting, e.g. GAUNTLET_K6_DURATION=60s (repeatable)',
      collect,
      [],
    )
    .action(async (script: string, flags: LoadJobOptions) => {
      // Loaded on demand, as run's job is: other commands never need the Kubernetes client.
      const { loadJob } = await import('../jobs/load-job.ts');
      await loadJob(script, flags);
    });
}
