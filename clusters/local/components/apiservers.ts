import { join } from 'node:path';
import type { ComponentSpec } from '../../../src/model/local-cluster-spec.ts';
import {
  apiServerHost,
  type ComponentInputs,
  etcdClientUrl,
  etcdIds,
  extraArgs,
  logFile,
  memberCounts,
} from './component-inputs.ts';

/** The kube-apiservers, one per loopback address 127.0.0.(n+1), all on one port behind the load balancer. */
export function apiServers(i: ComponentInputs): ComponentSpec[] {
  const { pki, ports, dir } = i;
  const t = i.config.timings;
  const counts = memberCounts(i.config.ha);
  const log = (id: string) => logFile(i, id);
  const extra = (name: 'kube-apiserver') => extraArgs(i, name);
  const etcdServers = etcdIds(i).map((_, m) => etcdClientUrl(i, m));
  const out: ComponentSpec[] = [];
  for (let n = 0; n < counts.apiServers; n++) {
    const id = `kube-apiserver-${n}`;
    out.push({
      id,
      kind: 'kube-apiserver',
      command: i.binaries['kube-apiserver'],
      args: [
        `--bind-address=${apiServerHost(n)}`,
        // With real nodes, the `kubernetes` Service's endpoint is the load balancer's listener on the cluster
        // bridge (same port), which pods reach; otherwise the apiserver's own loopback address.
        `--advertise-address=${i.realNodes?.bridgeIp ?? apiServerHost(n)}`,
        `--secure-port=${ports.apiServer}`,
        `--etcd-servers=${etcdServers.join(',')}`,
        `--etcd-cafile=${pki.caCert}`,
        `--etcd-certfile=${pki.apiserverEtcdClientCert}`,
        `--etcd-keyfile=${pki.apiserverEtcdClientKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--tls-cert-file=${pki.apiserverCert}`,
        `--tls-private-key-file=${pki.apiserverKey}`,
        `--service-account-key-file=${pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        // As a real cluster: kubelets (system:node:<name>) are confined to their own node and its pods.
        '--authorization-mode=Node,RBAC',
        '--enable-admission-plugins=NodeRestriction',
        `--kubelet-client-certificate=${pki.clients['kube-apiserver-kubelet-client'].cert}`,
        `--kubelet-client-key=${pki.clients['kube-apiserver-kubelet-client'].key}`,
        '--kubelet-preferred-address-types=InternalIP',
        '--service-cluster-ip-range=10.96.0.0/16',
        '--allow-privileged=true',
        `--default-not-ready-toleration-seconds=${t.notReadyTolerationSeconds}`,
        `--default-unreachable-toleration-seconds=${t.unreachableTolerationSeconds}`,
        `--cert-dir=${join(dir, 'apiserver', id)}`,
        ...extra('kube-apiserver'),
      ],
      logFile: log(id),
      restart: 'always',
      startWhen: 'at-once',
    });
  }
  return out;
}
