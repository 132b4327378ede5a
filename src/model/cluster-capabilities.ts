import type { V1NodeSelectorTerm } from '@kubernetes/client-node';

/**
 * What the cluster under test can do, found once before the suites start (checks/capabilities-probe.ts).
 * Checks decide from it whether they can give a verdict here, and skip with its reason when they cannot,
 * instead of failing on a cluster that simply lacks what they need.
 */
export interface ClusterCapabilities {
  /** Whether pods run containers (probe pods, real traffic, exit codes) and on which nodes, or why not. */
  containers:
    | {
        available: true;
        how: string;
        /** The nodes whose pods run containers (absent: every node). */
        nodes?: V1NodeSelectorTerm;
        /** An image with a shell that runs there (offline toolbox on real nodes, checks.probeImage elsewhere). */
        shellImage: string;
      }
    | { available: false; reason: string };
  /** Zones (topology.kubernetes.io/zone) with at least one Ready, schedulable node. */
  zones: string[];
  /** The default StorageClass, when it names a provisioner that makes volumes. */
  provisioner?: { storageClass: string; provisioner: string };
  /**
   * The harness runs the nodes' lifecycle (the embedded cluster): a check may add a node whose heartbeat it
   * owns, and the embedded kwok's stages (fixtures/kwok/stages.yaml) act on the pods of simulated nodes.
   */
  ownsNodes: boolean;
}

/** One line per capability, for the console and summary.json. */
export function describeCapabilities(c: ClusterCapabilities): string[] {
  return [
    `containers: ${c.containers.available ? `yes (${c.containers.how})` : `no (${c.containers.reason})`}`,
    `zones with schedulable nodes: ${c.zones.join(', ') || 'none (no Ready, schedulable node has a zone label)'}`,
    `storage provisioner: ${c.provisioner ? `${c.provisioner.provisioner} (default StorageClass ${c.provisioner.storageClass})` : 'none (no default StorageClass with a provisioner)'}`,
    `nodes' lifecycle owned by the harness: ${c.ownsNodes ? 'yes (embedded cluster)' : 'no'}`,
  ];
}
