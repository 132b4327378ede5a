import { type ConfigOverrides, loadConfig } from './load.ts';
import type { GauntletConfig } from './schema.ts';

/**
 * How a job is told which cluster to provision or target: a config file and the overrides the CLI's shared
 * flags give (each wins over the file).
 */
export interface ClusterOptions {
  config?: string;
  name?: string;
  provisioner?: string;
  ha?: boolean;
  nodesPerZone?: number;
  realNodes?: number;
  zones?: string[];
  kubeconfig?: string;
  context?: string;
}

export function configFromOptions(
  options: ClusterOptions,
  more: ConfigOverrides = {},
): Promise<GauntletConfig> {
  return loadConfig(options.config, {
    name: options.name,
    provisioner: options.provisioner,
    ha: options.ha,
    nodesPerZone: options.nodesPerZone,
    realNodes: options.realNodes,
    zones: options.zones,
    kubeconfig: options.kubeconfig,
    context: options.context,
    ...more,
  });
}
