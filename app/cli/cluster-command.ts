import { Command } from 'commander';
import { type ClusterOptions, configFromOptions } from '../../src/config/cluster-options.ts';
import { ConfigError } from '../../src/errors.ts';
import { progress } from '../../src/log.ts';
import { Interrupted, interruptSignal } from '../jobs/interrupt.ts';
import { withClusterOptions } from './options.ts';

// The provisioner and the Kubernetes client are loaded by the actions that use them, like the other commands
// do: the client alone is ~800 modules, which --help, a refused config and `cluster kubeconfig` never need.

export function clusterCommand(): Command {
  const cluster = new Command('cluster').description('provision, inspect and tear down clusters');

  withClusterOptions(cluster.command('up'))
    .description(
      'start an embedded cluster (real etcd, kube-apiserver, controller manager, scheduler; kwok nodes) and leave it running',
    )
    .option('--json', 'print the cluster description as JSON on stdout')
    .action(async (flags: ClusterOptions & { json?: boolean }) => {
      const config = await configFromOptions(flags);
      if (config.cluster.provisioner !== 'local') {
        throw new ConfigError(
          'cluster up: only the local provisioner starts clusters; an existing cluster is used as it is',
        );
      }
      const { upLocalCluster } = await import('../../clusters/local/local-cluster.ts');
      const { describeCluster, formatDescription } = await import('../../src/kube/describe.ts');
      const interrupt = interruptSignal();
      const log = progress();
      const started = Date.now();
      try {
        const spec = await upLocalCluster(config, { progress: log, signal: interrupt.signal });
        const { kubeFromFile } = await import('../../src/kube/client.ts');
        const description = await describeCluster(kubeFromFile(spec.kubeconfig));
        log.step(`cluster ${spec.name} up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        if (flags.json)
          process.stdout.write(
            `${JSON.stringify({ name: spec.name, kubeconfig: spec.kubeconfig, endpoint: spec.endpoint, ...description })}\n`,
          );
        else process.stdout.write(`${formatDescription(description)}\nkubeconfig: ${spec.kubeconfig}\n`);
      } catch (error) {
        if (interrupt.interrupted()) throw new Interrupted();
        throw error;
      } finally {
        interrupt.dispose();
      }
    });

  cluster
    .command('down')
    .description(
      'stop every process of an embedded cluster, free its ports and remove its state (also reaps leftovers of a crashed harness)',
    )
    .option('--name <name>', 'cluster name', 'gauntlet')
    .action(async (flags: { name: string }) => {
      const { destroyLocalCluster } = await import('../../clusters/local/destroy-cluster.ts');
      const result = await destroyLocalCluster(flags.name, progress());
      process.stdout.write(
        result.found ? `cluster ${flags.name} is down\n` : `no cluster named ${flags.name}; nothing to do\n`,
      );
    });

  withClusterOptions(cluster.command('status'))
    .description('show a cluster: processes (including leftovers), API health, nodes by zone')
    .action(async (flags: ClusterOptions) => {
      const config = await configFromOptions(flags);
      const { describeCluster, formatDescription } = await import('../../src/kube/describe.ts');
      if (config.cluster.provisioner === 'existing') {
        const { useExistingCluster } = await import('../../clusters/existing.ts');
        const existing = await useExistingCluster(config);
        process.stdout.write(
          `existing cluster, context ${existing.context}\n${formatDescription(existing.description)}\n`,
        );
        return;
      }
      const { readLocalSpec } = await import('../../clusters/local/cluster-state.ts');
      const { apiReady } = await import('../../clusters/local/api-readiness.ts');
      const { readSupervisorState } = await import('../../clusters/local/local-cluster-health.ts');
      const { nodeKinds } = await import('../../clusters/local/real-nodes/node-kinds.ts');
      const { findClusterProcesses } = await import('../../src/process/cluster-processes.ts');
      const name = config.cluster.name;
      const spec = await readLocalSpec(name);
      if (!spec) {
        process.stdout.write(`no embedded cluster named ${name}\n`);
        return;
      }
      const processes = await findClusterProcesses(spec.uid);
      const supervisor = await readSupervisorState(spec.dir);
      const { kubeFromFile } = await import('../../src/kube/client.ts');
      const kube = kubeFromFile(spec.kubeconfig);
      const healthy = processes.length > 0 && (await apiReady(spec.endpoint, spec.dir));
      const lines = [
        `cluster ${name}: ${spec.readyAt ? `ready since ${spec.readyAt}` : 'never became ready (leftover of a failed or killed `up`)'}`,
        `endpoint ${spec.endpoint} (${healthy ? 'API ready' : 'API not answering'}), kubeconfig ${spec.kubeconfig}`,
        `${processes.length} processes alive:`,
        ...processes.map((p) => `  ${p.pid} ${p.command}`),
      ];
      if (supervisor) {
        lines.push('components:');
        for (const c of supervisor.components) {
          lines.push(
            `  ${c.id.padEnd(26)} ${c.status.padEnd(10)} pid ${c.pid ?? '-'} restarts ${c.restarts}`,
          );
        }
      }
      if (healthy) {
        lines.push(formatDescription(await describeCluster(kube)));
        lines.push('nodes (kind: real = kubelet + containerd sandbox, simulated = kwok):');
        for (const n of await nodeKinds(kube)) {
          lines.push(
            `  ${n.name.padEnd(26)} ${n.kind.padEnd(10)} ${n.zone.padEnd(14)} ${n.ready ? 'Ready' : 'NotReady'} ${n.ip}`,
          );
        }
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  cluster
    .command('kubeconfig')
    .description("print the path of an embedded cluster's admin kubeconfig")
    .option('--name <name>', 'cluster name', 'gauntlet')
    .action(async (flags: { name: string }) => {
      const { readLocalSpec } = await import('../../clusters/local/cluster-state.ts');
      const spec = await readLocalSpec(flags.name);
      if (!spec) throw new ConfigError(`--name: no embedded cluster named ${flags.name}`);
      process.stdout.write(`${spec.kubeconfig}\n`);
    });
  return cluster;
}
