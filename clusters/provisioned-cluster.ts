import type { LocalClusterSpec } from './local/cluster-spec.ts';

/** A cluster a run works against, whatever provided it. */
export interface ProvisionedCluster {
  name: string;
  provisioner: 'local' | 'existing';
  kubeconfig: string;
  context?: string;
  /** True when this run created the cluster and so must tear it down. */
  owned: boolean;
  /** The embedded cluster's processes, ports and files; absent for clusters we do not run. */
  local?: LocalClusterSpec;
}
