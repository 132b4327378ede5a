import { join } from 'node:path';
import type { LocalClusterConfig } from '../../../src/config/schema.ts';
import type { LocalClusterSpec } from '../../../src/model/local-cluster-spec.ts';

/**
 * Names and addresses of a cluster's real nodes. Everything on the host carries the first 8 hex digits of the
 * cluster's uid, so leftovers of a SIGKILLed harness are found by name: the bridge gnt<uid8>, host veth ends
 * gv<uid8><i>, the cgroup parent gauntlet-<uid8> in every v1 hierarchy.
 */

export type RealNodesSpec = NonNullable<LocalClusterSpec['realNodes']>;
export type RealNode = RealNodesSpec['nodes'][number];

export const serviceCidr = '10.96.0.0/16';
export const clusterDnsIp = '10.96.0.10';
export const podNetwork = '10.244.0.0/16';
export const bridgePrefix = 24;

export const shortUid = (uid: string) => uid.replace(/-/g, '').slice(0, 8);
export const bridgeName = (uid: string) => `gnt${shortUid(uid)}`;
export const cgroupParentName = (uid: string) => `gauntlet-${shortUid(uid)}`;
export const hostVethPrefix = (uid: string) => `gv${shortUid(uid)}`;
export const hostVeth = (uid: string, index: number) => `${hostVethPrefix(uid)}${index}`;
export const peerVeth = (uid: string, index: number) => `gp${shortUid(uid)}${index}`;

/** Label on every real node (value "real"); simulated nodes lack it. */
export const nodeKindLabel = 'gauntlet.dev/node-kind';

/** Real nodes round the zones, like the simulated ones: real-<zone>-<n>, node i on 172.30.<subnet>.(10+i). */
export function planRealNodes(
  dir: string,
  uid: string,
  config: LocalClusterConfig,
  subnet: number,
): RealNodesSpec {
  const nodes = Array.from({ length: config.realNodes }, (_, i) => {
    const zone = config.zones[i % config.zones.length]!;
    const name = `real-${zone}-${Math.floor(i / config.zones.length)}`.toLowerCase();
    return {
      name,
      zone,
      ip: `172.30.${subnet}.${10 + i}`,
      podCidr: `10.244.${i}.0/24`,
      dir: join(dir, 'nodes', name),
      componentId: `node-${name}`,
    };
  });
  return {
    bridge: bridgeName(uid),
    bridgeIp: `172.30.${subnet}.1`,
    cgroupParent: cgroupParentName(uid),
    nodes,
  };
}
