import { join } from 'node:path';
import type { LocalClusterConfig } from '../../../src/config/schema.ts';
import type { Pki } from '../pki.ts';

/** What every component's command line is made from. */
export interface ComponentPorts {
  loadBalancer: number;
  /** One port, bound by apiserver i on 127.0.0.(i+1). */
  apiServer: number;
  etcdClient: number[];
  etcdPeer: number[];
  controllerManager: number[];
  scheduler: number[];
  /** One per zone. */
  kwok: number[];
}

export interface ComponentInputs {
  name: string;
  dir: string;
  config: LocalClusterConfig;
  pki: Pki;
  binaries: Record<'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok', string>;
  ports: ComponentPorts;
  /** Kubeconfig files per identity, pointing at the load balancer. */
  kubeconfigs: { controllerManager: string; scheduler: string; kwok: string };
  kwokConfigFile: string;
  /** The CoreDNS binary and its Corefile; absent when CoreDNS is disabled. */
  coredns?: { binary: string; corefile: string };
  /** Present when the cluster has real nodes: the cluster bridge's address on this host. */
  realNodes?: { bridgeIp: string };
}

export const apiServerHost = (index: number) => `127.0.0.${index + 1}`;

/** The member counts: HA gives 3 etcd, 3 apiservers and 2 of each leader-elected component. */
export function memberCounts(ha: boolean) {
  return ha
    ? { etcd: 3, apiServers: 3, controllerManagers: 2, schedulers: 2 }
    : { etcd: 1, apiServers: 1, controllerManagers: 1, schedulers: 1 };
}

/** The log file of a component, and a component's own extra flags (last, so a user's flag wins). */
export const logFile = (i: ComponentInputs, id: string) => join(i.dir, 'logs', `${id}.log`);
export const extraArgs = (i: ComponentInputs, name: keyof LocalClusterConfig['components']) =>
  i.config.components[name].extraArgs;
export const etcdPeerUrl = (i: ComponentInputs, n: number) => `https://127.0.0.1:${i.ports.etcdPeer[n]}`;
export const etcdClientUrl = (i: ComponentInputs, n: number) => `https://127.0.0.1:${i.ports.etcdClient[n]}`;
export const etcdIds = (i: ComponentInputs) =>
  Array.from({ length: memberCounts(i.config.ha).etcd }, (_, n) => `etcd-${n}`);
