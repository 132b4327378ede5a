import type { LocalClusterConfig } from '../../src/config/schema.ts';

/** How the supervisor runs one process of the cluster. */
export interface ComponentSpec {
  /** Unique within the cluster: etcd-0, kube-apiserver-1, kwok, ... */
  id: string;
  kind: 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok' | 'coredns';
  command: string;
  args: string[];
  logFile: string;
  /** What the supervisor does when the process exits on its own (as kubelet does for static pods). */
  restart: 'always' | 'never';
  /**
   * 'api-ready' waits for the API's /readyz before the first start: clients started earlier only collect
   * RBAC refusals and back off for seconds (informers, leader election), which slows every `cluster up`.
   */
  startWhen: 'at-once' | 'api-ready';
}

/** Everything about one embedded cluster that outlives the command that started it: written to cluster.json. */
export interface LocalClusterSpec {
  name: string;
  /** Random id; every process of the cluster carries it in its environment (see cluster-processes.ts). */
  uid: string;
  dir: string;
  createdAt: string;
  /** Set once `cluster up` saw the cluster healthy; a directory without it is a half-provisioned leftover. */
  readyAt?: string;
  config: LocalClusterConfig;
  /** https://127.0.0.1:<port>, the load balancer every client uses. */
  endpoint: string;
  /** Where the supervisor's load balancer listens, and the apiservers it spreads connections over. */
  loadBalancer: { listen: { host: string; port: number }; backends: { host: string; port: number }[] };
  kubeconfig: string;
  apiServers: { id: string; url: string }[];
  etcdMembers: { id: string; clientUrl: string; peerUrl: string; dataDir: string }[];
  etcdClient: { caFile: string; certFile: string; keyFile: string };
  versions: Record<string, string>;
  /** The cluster's DNS server (the embedded CoreDNS); absent when CoreDNS is disabled. */
  dns?: ClusterDns;
  components: ComponentSpec[];
}

export const clusterSpecFile = 'cluster.json';

export interface ClusterDns {
  /** Where CoreDNS answers, over UDP and TCP. */
  server: { host: string; port: number };
  /** The domain pods are told to use: what checks expect. */
  clusterDomain: string;
  /** The zone CoreDNS actually serves (equal to clusterDomain unless broken on purpose). */
  servedDomain: string;
  corefile: string;
}
