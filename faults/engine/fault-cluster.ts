import { awsContext } from '../../src/aws/clients.ts';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigError } from '../../src/errors.ts';
import { type Kube, kubeFromFile } from '../../src/kube/client.ts';
import type { ProvisionedCluster } from '../../src/model/cluster.ts';
import type { FaultContext } from '../fault.ts';
import { clusterKey } from './ledger.ts';

export interface FaultClusterFlags {
  /** A config file: its aws and safety sections configure the AWS backend. */
  config?: string;
  cluster?: string;
  kubeconfig?: string;
  context?: string;
}

/**
 * The cluster faults act on and its ledger key. Unlike `run --cluster`, this does not require a healthy API:
 * recovering from a killed apiserver must work while the API is down.
 */
export async function faultCluster(flags: FaultClusterFlags): Promise<{ ctx: FaultContext; key: string }> {
  let kube: Kube;
  let cluster: ProvisionedCluster;
  if (flags.kubeconfig) {
    kube = kubeFromFile(flags.kubeconfig, flags.context);
    const server = kube.config.getCurrentCluster()?.server ?? flags.kubeconfig;
    cluster = {
      name: server,
      provisioner: 'existing',
      kubeconfig: flags.kubeconfig,
      context: flags.context,
      owned: false,
    };
  } else {
    const name = flags.cluster ?? 'gauntlet';
    const { readLocalSpec } = await import('../../clusters/local/cluster-state.ts');
    const spec = await readLocalSpec(name);
    if (!spec) throw new ConfigError(`--cluster: no embedded cluster named ${name}`);
    kube = kubeFromFile(spec.kubeconfig);
    cluster = { name, provisioner: 'local', kubeconfig: spec.kubeconfig, owned: false, local: spec };
  }
  const config = await loadConfig(flags.config);
  const aws = config.aws ? awsContext(config.aws) : undefined;
  return {
    ctx: { kube, cluster, safety: config.safety, ...(aws ? { aws } : {}) },
    key: ledgerKey(cluster, kube),
  };
}

/** The context faults need, from a cluster as recorded beside a ledger (for the watchdog process). */
export function faultContextFor(cluster: ProvisionedCluster): FaultContext {
  return { kube: kubeFromFile(cluster.kubeconfig, cluster.context), cluster };
}

/**
 * The key a cluster's ledgers are filed under, the same for every command (run, fault inject, recover): the
 * embedded cluster's uid (a re-created cluster starts clean), or an existing cluster's API server URL.
 */
export function ledgerKey(cluster: ProvisionedCluster, kube: Kube): string {
  if (cluster.local) return localClusterKey(cluster.local.uid);
  return clusterKey(`existing:${kube.config.getCurrentCluster()?.server ?? cluster.kubeconfig}`);
}

export const localClusterKey = (uid: string) => clusterKey(`local:${uid}`);
