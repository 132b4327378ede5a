import { z } from 'zod';
import { localClusterConfigSchema, localComponentNames } from '../config/schema.ts';

/**
 * The embedded cluster as the harness describes it in cluster.json: written by `cluster up`, read back by the
 * supervisor, the faults, the watchdog and later commands. Read back through this schema, never cast: a file
 * from another version or a torn write is an error that names the field, not a crash three calls later.
 */

const hostPort = z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535) });

/** How the supervisor runs one process of the cluster. */
export const componentSpecSchema = z.strictObject({
  /** Unique within the cluster: etcd-0, kube-apiserver-1, kwok, ... */
  id: z.string().min(1),
  /** A configurable component, or a real node (its sandbox: fixtures/real-node/launch.sh). */
  kind: z.enum([...localComponentNames, 'real-node']),
  command: z.string().min(1),
  args: z.array(z.string()),
  logFile: z.string().min(1),
  /** What the supervisor does when the process exits on its own (as kubelet does for static pods). */
  restart: z.enum(['always', 'never']),
  /**
   * 'api-ready' waits for the API's /readyz before the first start: clients started earlier only collect
   * RBAC refusals and back off for seconds (informers, leader election), which slows every `cluster up`.
   */
  startWhen: z.enum(['at-once', 'api-ready']),
});
export type ComponentSpec = z.output<typeof componentSpecSchema>;

export const clusterDnsSchema = z.strictObject({
  /** Where CoreDNS answers, over UDP and TCP. */
  server: hostPort,
  /** The domain pods are told to use: what checks expect. */
  clusterDomain: z.string().min(1),
  /** The zone CoreDNS actually serves (equal to clusterDomain unless broken on purpose). */
  servedDomain: z.string().min(1),
  corefile: z.string().min(1),
});
export type ClusterDns = z.output<typeof clusterDnsSchema>;

/** Everything about one embedded cluster that outlives the command that started it: written to cluster.json. */
export const localClusterSpecSchema = z.strictObject({
  name: z.string().min(1),
  /** Random id; every process of the cluster carries it in its environment (see cluster-processes.ts). */
  uid: z.string().min(1),
  dir: z.string().min(1),
  createdAt: z.string().min(1),
  /** Set once `cluster up` saw the cluster healthy; a directory without it is a half-provisioned leftover. */
  readyAt: z.string().optional(),
  config: localClusterConfigSchema,
  /** https://127.0.0.1:<port>, the load balancer every client uses. */
  endpoint: z.string().min(1),
  /** Where the supervisor's load balancer listens, and the apiservers it spreads connections over. */
  loadBalancer: z.strictObject({
    listen: hostPort,
    backends: z.array(hostPort),
    /** More addresses it listens on: the cluster bridge's, which real nodes and their pods reach. */
    alsoListen: z.array(hostPort).optional(),
  }),
  kubeconfig: z.string().min(1),
  apiServers: z.array(z.strictObject({ id: z.string(), url: z.string() })),
  etcdMembers: z.array(
    z.strictObject({ id: z.string(), clientUrl: z.string(), peerUrl: z.string(), dataDir: z.string() }),
  ),
  etcdClient: z.strictObject({ caFile: z.string(), certFile: z.string(), keyFile: z.string() }),
  versions: z.record(z.string(), z.string()),
  /** The cluster's DNS server (the embedded CoreDNS); absent when CoreDNS is disabled. */
  dns: clusterDnsSchema.optional(),
  components: z.array(componentSpecSchema),
  /** The real nodes' network and sandboxes; absent on a cluster of simulated nodes only. */
  realNodes: z
    .strictObject({
      /** The host bridge every node's veth is on (owned by the cluster, removed by `down`). */
      bridge: z.string().min(1),
      bridgeIp: z.string().min(1),
      /** Parent of every node's cgroup subtree, in each cgroup v1 hierarchy. */
      cgroupParent: z.string().min(1),
      nodes: z.array(
        z.strictObject({
          name: z.string().min(1),
          zone: z.string().min(1),
          ip: z.string().min(1),
          podCidr: z.string().min(1),
          dir: z.string().min(1),
          componentId: z.string().min(1),
        }),
      ),
    })
    .optional(),
});
export type LocalClusterSpec = z.output<typeof localClusterSpecSchema>;

export const clusterSpecFile = 'cluster.json';
