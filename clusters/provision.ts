import type { GauntletConfig } from '../src/config/schema.ts';
import { ConfigError, InfrastructureError } from '../src/errors.ts';
import type { Progress } from '../src/log.ts';
import type { ProvisionedCluster } from '../src/model/cluster.ts';
import { findClusterProcesses } from '../src/process/cluster-processes.ts';
import { apiReady } from './local/api-readiness.ts';
import { readLocalSpec } from './local/cluster-state.ts';
import { destroyLocalCluster } from './local/destroy-cluster.ts';
import { upLocalCluster } from './local/local-cluster.ts';

/** Provides the cluster the config asks for: a new embedded one, or an existing one through its kubeconfig. */
export async function provisionCluster(
  config: GauntletConfig,
  o: { progress: Progress; signal?: AbortSignal },
): Promise<ProvisionedCluster> {
  if (config.cluster.provisioner === 'existing') {
    const { useExistingCluster } = await import('./existing.ts');
    const cluster = await useExistingCluster(config);
    o.progress.step(
      `using existing cluster (context ${cluster.context}), ${cluster.description.readyNodes} nodes Ready`,
    );
    return cluster;
  }
  const spec = await upLocalCluster(config, o);
  return { name: spec.name, provisioner: 'local', kubeconfig: spec.kubeconfig, owned: true, local: spec };
}

/** A running embedded cluster started earlier (`gauntlet run --cluster <name>`): reused, never torn down. */
export async function attachLocalCluster(name: string): Promise<ProvisionedCluster> {
  const spec = await readLocalSpec(name);
  if (!spec)
    throw new ConfigError(
      `--cluster ${name}: no embedded cluster of that name (start one with: gauntlet cluster up --name ${name})`,
    );
  if (!spec.readyAt || (await findClusterProcesses(spec.uid)).length === 0) {
    throw new InfrastructureError(
      `--cluster ${name}: the cluster is not running (it never became ready or was stopped)`,
    );
  }
  if (!(await apiReady(spec.endpoint, spec.dir, 5000))) {
    throw new InfrastructureError(`--cluster ${name}: its API at ${spec.endpoint} is not ready`);
  }
  return { name, provisioner: 'local', kubeconfig: spec.kubeconfig, owned: false, local: spec };
}

export async function teardownCluster(cluster: ProvisionedCluster, progress: Progress): Promise<void> {
  if (!cluster.owned || cluster.provisioner !== 'local') return;
  await destroyLocalCluster(cluster.name, progress);
  progress.step(`cluster ${cluster.name} torn down`);
}
