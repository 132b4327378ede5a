import { join } from 'node:path';
import type { LocalClusterConfig } from '../../src/config/schema.ts';
import { zoneLabel } from '../../src/kube/describe.ts';
import type { ComponentSpec } from './cluster-spec.ts';
import type { Pki } from './pki.ts';

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
}

export const apiServerHost = (index: number) => `127.0.0.${index + 1}`;

/** The member counts: HA gives 3 etcd, 3 apiservers and 2 of each leader-elected component. */
export function memberCounts(ha: boolean) {
  return ha
    ? { etcd: 3, apiServers: 3, controllerManagers: 2, schedulers: 2 }
    : { etcd: 1, apiServers: 1, controllerManagers: 1, schedulers: 1 };
}

/**
 * The command line of every process of the embedded cluster. Flags mirror what kubeadm sets, with timings
 * from the config; each component's extraArgs come last, so a user's flag overrides ours (pflag keeps the last).
 */
export function clusterComponents(i: ComponentInputs): ComponentSpec[] {
  const { config, pki, ports, dir } = i;
  const counts = memberCounts(config.ha);
  const t = config.timings;
  const log = (id: string) => join(dir, 'logs', `${id}.log`);
  const extra = (name: keyof LocalClusterConfig['components']) => config.components[name].extraArgs;
  const enabled = (name: keyof LocalClusterConfig['components']) => config.components[name].enabled;
  const etcdIds = Array.from({ length: counts.etcd }, (_, n) => `etcd-${n}`);
  const peerUrl = (n: number) => `https://127.0.0.1:${ports.etcdPeer[n]}`;
  const clientUrl = (n: number) => `https://127.0.0.1:${ports.etcdClient[n]}`;
  const leaderElection = [
    '--leader-elect=true',
    `--leader-elect-lease-duration=${t.leaderElectionLeaseSeconds}s`,
    `--leader-elect-renew-deadline=${Math.max(1, Math.floor((t.leaderElectionLeaseSeconds * 2) / 3))}s`,
    // 1 s instead of 2 s: the first try always fails (RBAC not bootstrapped yet) and the retry gates `up`.
    '--leader-elect-retry-period=1s',
  ];
  const components: ComponentSpec[] = [];

  etcdIds.forEach((id, n) => {
    components.push({
      id,
      kind: 'etcd',
      command: i.binaries.etcd,
      args: [
        `--name=${id}`,
        `--data-dir=${join(dir, 'etcd', id)}`,
        `--listen-client-urls=${clientUrl(n)}`,
        `--advertise-client-urls=${clientUrl(n)}`,
        `--listen-peer-urls=${peerUrl(n)}`,
        `--initial-advertise-peer-urls=${peerUrl(n)}`,
        `--initial-cluster=${etcdIds.map((other, m) => `${other}=${peerUrl(m)}`).join(',')}`,
        '--initial-cluster-state=new',
        `--initial-cluster-token=${i.name}`,
        `--cert-file=${pki.etcdCert}`,
        `--key-file=${pki.etcdKey}`,
        `--trusted-ca-file=${pki.caCert}`,
        '--client-cert-auth=true',
        `--peer-cert-file=${pki.etcdCert}`,
        `--peer-key-file=${pki.etcdKey}`,
        `--peer-trusted-ca-file=${pki.caCert}`,
        '--peer-client-cert-auth=true',
        `--quota-backend-bytes=${config.etcdQuotaBackendBytes}`,
        '--snapshot-count=10000',
        ...extra('etcd'),
      ],
      logFile: log(id),
      restart: 'always',
      startWhen: 'at-once',
    });
  });

  for (let n = 0; n < counts.apiServers; n++) {
    const id = `kube-apiserver-${n}`;
    components.push({
      id,
      kind: 'kube-apiserver',
      command: i.binaries['kube-apiserver'],
      args: [
        `--bind-address=${apiServerHost(n)}`,
        `--advertise-address=${apiServerHost(n)}`,
        `--secure-port=${ports.apiServer}`,
        `--etcd-servers=${etcdIds.map((_, m) => clientUrl(m)).join(',')}`,
        `--etcd-cafile=${pki.caCert}`,
        `--etcd-certfile=${pki.apiserverEtcdClientCert}`,
        `--etcd-keyfile=${pki.apiserverEtcdClientKey}`,
        `--client-ca-file=${pki.caCert}`,
        `--tls-cert-file=${pki.apiserverCert}`,
        `--tls-private-key-file=${pki.apiserverKey}`,
        `--service-account-key-file=${pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--authorization-mode=RBAC',
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

  if (enabled('kube-controller-manager')) {
    for (let n = 0; n < counts.controllerManagers; n++) {
      const id = `kube-controller-manager-${n}`;
      const kubeconfig = i.kubeconfigs.controllerManager;
      components.push({
        id,
        kind: 'kube-controller-manager',
        command: i.binaries['kube-controller-manager'],
        args: [
          `--kubeconfig=${kubeconfig}`,
          // No delegated authentication: it needs the API at start-up, so the process would crash-loop until
          // the apiserver is up. /healthz stays reachable (always-allowed path).
          '--bind-address=127.0.0.1',
          `--secure-port=${ports.controllerManager[n]}`,
          // /metrics open on loopback: it is how faults find the current leader (leader_election_master_status).
          '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
          `--cert-dir=${join(dir, 'controller-manager', id)}`,
          ...leaderElection,
          `--service-account-private-key-file=${pki.serviceAccountKey}`,
          `--root-ca-file=${pki.caCert}`,
          '--use-service-account-credentials=true',
          `--cluster-name=${i.name}`,
          `--node-monitor-period=${t.nodeMonitorPeriodSeconds}s`,
          `--node-monitor-grace-period=${t.nodeMonitorGracePeriodSeconds}s`,
          '--kube-api-qps=200',
          '--kube-api-burst=400',
          ...extra('kube-controller-manager'),
        ],
        logFile: log(id),
        restart: 'always',
        startWhen: 'api-ready',
      });
    }
  }

  if (enabled('kube-scheduler')) {
    for (let n = 0; n < counts.schedulers; n++) {
      const id = `kube-scheduler-${n}`;
      const kubeconfig = i.kubeconfigs.scheduler;
      components.push({
        id,
        kind: 'kube-scheduler',
        command: i.binaries['kube-scheduler'],
        args: [
          `--kubeconfig=${kubeconfig}`,
          // As for the controller manager: delegated authentication would block start-up on the API.
          '--bind-address=127.0.0.1',
          `--secure-port=${ports.scheduler[n]}`,
          // /metrics open on loopback: it is how faults find the current leader (leader_election_master_status).
          '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
          `--cert-dir=${join(dir, 'scheduler', id)}`,
          ...leaderElection,
          '--kube-api-qps=200',
          '--kube-api-burst=400',
          ...extra('kube-scheduler'),
        ],
        logFile: log(id),
        restart: 'always',
        startWhen: 'api-ready',
      });
    }
  }

  if (enabled('kwok')) {
    // One kwok per zone, like one zone's kubelets: stopping a zone's kwok stops every heartbeat and every pod
    // transition in that zone and nowhere else (zone loss). Each gets its own pod CIDR so pod IPs never clash.
    config.zones.forEach((zone, z) => {
      const id = kwokComponentId(z);
      components.push({
        id,
        kind: 'kwok',
        command: i.binaries.kwok,
        args: [
          `--kubeconfig=${i.kubeconfigs.kwok}`,
          `--config=${i.kwokConfigFile}`,
          '--manage-all-nodes=false',
          `--manage-nodes-with-annotation-selector=${kwokNodeAnnotation}=fake`,
          `--manage-nodes-with-label-selector=${zoneLabel}=${zone}`,
          `--node-lease-duration-seconds=${t.nodeLeaseDurationSeconds}`,
          `--cidr=10.${16 + z}.0.1/16`,
          `--node-ip=10.${16 + z}.255.254`,
          `--server-address=127.0.0.1:${ports.kwok[z]}`,
          ...extra('kwok'),
        ],
        logFile: log(id),
        restart: 'always',
        // kwok acts as system:masters, which RBAC never refuses, so it can start (and boot) alongside the API.
        startWhen: 'at-once',
      });
    });
  }
  if (enabled('coredns') && i.coredns) {
    components.push({
      id: 'coredns',
      kind: 'coredns',
      command: i.coredns.binary,
      args: [`-conf=${i.coredns.corefile}`, ...extra('coredns')],
      logFile: log('coredns'),
      restart: 'always',
      // Its informers would only collect refusals before the API (and its RBAC) exist.
      startWhen: 'api-ready',
    });
  }
  return components;
}

/** The kwok process that plays the nodes of the zone at this index of the config's zone list. */
export const kwokComponentId = (zoneIndex: number) => `kwok-${zoneIndex}`;

/** Nodes carrying this annotation (value "fake") are the ones kwok keeps alive. */
export const kwokNodeAnnotation = 'kwok.x-k8s.io/node';
