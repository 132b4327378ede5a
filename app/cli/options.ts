import { type Command, InvalidArgumentError, Option } from 'commander';

/** The options every command that provisions or targets a cluster shares; each overrides the config file. */
export function withClusterOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'YAML config file (apiVersion gauntlet.dev/v1alpha1, kind GauntletConfig)')
    .option('--name <name>', 'cluster name (default "gauntlet")')
    .addOption(
      new Option('--provisioner <kind>', 'how the cluster is provided').choices(['local', 'existing']),
    )
    .option('--ha', 'embedded cluster with 3 etcd, 3 apiservers, 2 controller managers, 2 schedulers')
    .option('--nodes-per-zone <n>', 'simulated nodes per zone (default 3)', wholeNumber)
    .option(
      '--real-nodes <n>',
      'real nodes (kubelet + containerd sandboxes) beside the simulated ones, round the zones (default 0)',
      wholeNumber,
    )
    .option('--zones <list>', 'comma-separated zones (default us-east-1a,us-east-1b,us-east-1c)', (v) =>
      v.split(',').map((z) => z.trim()),
    )
    .option(
      '--kubeconfig <file>',
      'use an existing cluster through this kubeconfig (implies --provisioner existing)',
    )
    .option('--context <name>', 'kubeconfig context of the existing cluster');
}

export function wholeNumber(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return n;
}
