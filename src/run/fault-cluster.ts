import type { FaultContext } from '../../faults/fault.ts';
import { ConfigError } from '../errors.ts';
import { kubeFromFile } from '../kube/client.ts';
import { clusterKey } from '../ledger/ledger.ts';

export interface FaultClusterFlags {
  cluster?: string;
  kubeconfig?: string;
  context?: string;
}

/**
 * The cluster faults act on and its ledger key. Unlike `run --cluster`, this does not require a healthy API:
 * recovering from a killed apiserver must work while the API is down.
 */
export async function faultCluster(flags: FaultClusterFlags): Promise<{ ctx: FaultContext; key: string }> {
  if (flags.kubeconfig) {
    const kube = kubeFromFile(flags.kubeconfig, flags.context);
    const server = kube.config.getCurrentCluster()?.server ?? flags.kubeconfig;
    return {
      ctx: {
        kube,
        cluster: {
          name: server,
          provisioner: 'existing',
          kubeconfig: flags.kubeconfig,
          context: flags.context,
          owned: false,
        },
      },
      key: clusterKey(`existing:${server}`),
    };
  }
  const name = flags.cluster ?? 'gauntlet';
  const { readLocalSpec } = await import('../../clusters/local/local-cluster.ts');
  const spec = await readLocalSpec(name);
  if (!spec) throw new ConfigError(`--cluster: no embedded cluster named ${name}`);
  return {
    ctx: {
      kube: kubeFromFile(spec.kubeconfig),
      cluster: { name, provisioner: 'local', kubeconfig: spec.kubeconfig, owned: false, local: spec },
    },
    key: localClusterKey(spec.uid),
  };
}

export const localClusterKey = (uid: string) => clusterKey(`local:${uid}`);
