import { resolve } from 'node:path';
import { attachLocalCluster } from '../../clusters/provision.ts';
import { ConfigError } from '../../src/errors.ts';
import type { ProvisionedCluster } from '../../src/model/cluster.ts';

/** The flags by which `gauntlet load api` and `load service` name the cluster they load. */
export interface LoadTargetFlags {
  cluster?: string;
  kubeconfig?: string;
  context?: string;
}

/** An embedded cluster by name, or an existing one through its kubeconfig. */
export async function loadTargetCluster(
  flags: LoadTargetFlags,
  command = 'load',
): Promise<ProvisionedCluster> {
  if (flags.cluster && flags.kubeconfig)
    throw new ConfigError(`${command}: give --cluster or --kubeconfig, not both`);
  if (flags.cluster) return attachLocalCluster(flags.cluster);
  if (flags.kubeconfig)
    return {
      name: 'existing',
      provisioner: 'existing',
      owned: false,
      kubeconfig: resolve(flags.kubeconfig),
      ...(flags.context ? { context: flags.context } : {}),
    };
  throw new ConfigError(`${command}: give --cluster NAME or --kubeconfig FILE`);
}
