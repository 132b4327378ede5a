import { Command } from 'commander';

/** `gauntlet aws ...`: the AWS backend's own commands. */
export function awsCommand(): Command {
  const aws = new Command('aws').description('the AWS backend: what EC2 knows of the cluster');
  aws
    .command('describe')
    .description('print the cluster as EC2 sees it: zone -> subnets, control-plane instances, nodes')
    .requiredOption('-c, --config <file>', 'config file with an aws section (region, accountId, clusterName)')
    .option('--cluster <name>', 'embedded cluster whose Nodes to match (by spec.providerID)', 'gauntlet')
    .option('--kubeconfig <file>', 'an existing cluster whose Nodes to match')
    .option('--context <name>', 'kubeconfig context')
    .option('--no-nodes', 'do not read Node objects (EC2 only)')
    .option('--json', 'print the map as JSON')
    .action(
      async (flags: {
        config: string;
        cluster?: string;
        kubeconfig?: string;
        context?: string;
        nodes: boolean;
        json?: boolean;
      }) => {
        const { loadConfig } = await import('../../src/config/load.ts');
        const { ConfigError } = await import('../../src/errors.ts');
        const { awsContext } = await import('../../src/aws/clients.ts');
        const { discoverCluster, formatClusterMap } = await import('../../src/aws/discovery.ts');
        const config = await loadConfig(flags.config);
        if (!config.aws) throw new ConfigError(`${flags.config}: aws: required by gauntlet aws describe`);
        const aws = awsContext(config.aws);
        let kube: import('../../src/kube/client.ts').Kube | undefined;
        if (flags.nodes) {
          const { faultCluster } = await import('../../faults/engine/fault-cluster.ts');
          kube = (await faultCluster(flags)).ctx.kube;
        }
        const map = await discoverCluster(aws.clients, config.aws.clusterName, kube, config.aws.provisioner);
        process.stdout.write(flags.json ? `${JSON.stringify(map, null, 2)}\n` : `${formatClusterMap(map)}\n`);
      },
    );
  return aws;
}
