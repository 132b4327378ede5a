import { Command } from 'commander';
import type { LoadApiOptions } from '../jobs/load-job.ts';
import type { LoadServiceOptions } from '../jobs/load-service-job.ts';

const collect = (value: string, previous: string[]) => [...previous, value];

export function loadCommand(): Command {
  const load = new Command('load').description(
    'load a cluster and judge its SLOs. Exit 0 when every SLO held, 1 when one was missed, 3 when the load ' +
      'definition is broken or the load could not run',
  );
  load
    .command('api')
    .description(
      'open-model load on the Kubernetes API (ConfigMap create/get/patch/delete, namespace and cluster LISTs, ' +
        "watches), judged by every apiserver's apiserver_request_sli_duration_seconds and by the client view",
    )
    .option('--cluster <name>', 'an embedded cluster started with gauntlet cluster up')
    .option('--kubeconfig <file>', 'the API server and credentials of an existing cluster')
    .option('--context <name>', 'kubeconfig context')
    .option('--apiserver <url>', "load and scrape this API server instead of the kubeconfig's")
    .option('-f, --file <definition>', 'a load definition (YAML or JSON; see README, Load and SLOs)')
    .option(
      '--set <field=value>',
      'override one definition field, e.g. durationSeconds=60 (repeatable)',
      collect,
      [],
    )
    .option('--out <dir>', 'parent directory of run directories (default reports/out)')
    .action(async (flags: LoadApiOptions) => {
      // Loaded on demand, as run's job is: other commands never need the HTTP client.
      const { loadApiJob } = await import('../jobs/load-job.ts');
      await loadApiJob(flags);
    });
  load
    .command('service')
    .description(
      'fixed-rate HTTP load with vegeta, judged by success ratio and p99 from its JSON results: a workload ' +
        'Service (<namespace>/<name>) from outside through a port-forward, or from inside with a vegeta Job ' +
        '(client pod -> Service VIP -> kube-proxy -> endpoints); or any --url from this host',
    )
    .argument('[service]', 'the Service to load, as <namespace>/<name>')
    .option('--url <url>', 'attack this URL (GET) from this host instead of a Service')
    .option(
      '--from <where>',
      'outside (a port-forward to one ready endpoint pod) or inside (a Job in the cluster)',
      'outside',
    )
    .option('--port <name|number>', 'the Service port (default: its first)')
    .option('--path <path>', 'the HTTP path requested', '/')
    .option(
      '--image <image>',
      'with --from inside: an image with vegeta and sh (default on the embedded cluster: its toolbox)',
    )
    .option('--cluster <name>', 'an embedded cluster started with gauntlet cluster up')
    .option('--kubeconfig <file>', 'the API server and credentials of an existing cluster')
    .option('--context <name>', 'kubeconfig context')
    .option('--rate <perSecond>', 'requests per second', '50')
    .option('--duration <seconds>', 'how long', '10')
    .option('--success <ratio>', 'the least success ratio that passes', '0.99')
    .option('--p99 <ms>', 'the largest p99 latency that passes (ms)', '1000')
    .option('--out <dir>', 'parent directory of run directories (default reports/out)')
    .action(async (service: string | undefined, flags: Omit<LoadServiceOptions, 'service'>) => {
      const { loadServiceJob } = await import('../jobs/load-service-job.ts');
      await loadServiceJob({ ...flags, ...(service ? { service } : {}) });
    });
  return load;
}
