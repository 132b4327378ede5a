import { join } from 'node:path';
import type { ComponentSpec } from '../../../src/model/local-cluster-spec.ts';
import { type ComponentInputs, extraArgs, logFile, memberCounts } from './component-inputs.ts';
import { leaderElectionArgs } from './leader-election.ts';

/** The controller managers (two with --ha, leader-elected), with the node-lifecycle timings from the config. */
export function controllerManagers(i: ComponentInputs): ComponentSpec[] {
  const { pki, ports, dir } = i;
  const t = i.config.timings;
  const counts = memberCounts(i.config.ha);
  const log = (id: string) => logFile(i, id);
  const extra = (name: 'kube-controller-manager') => extraArgs(i, name);
  const enabled = (name: 'kube-controller-manager') => i.config.components[name].enabled;
  const leaderElection = leaderElectionArgs(t.leaderElectionLeaseSeconds);
  const out: ComponentSpec[] = [];
  if (enabled('kube-controller-manager')) {
    for (let n = 0; n < counts.controllerManagers; n++) {
      const id = `kube-controller-manager-${n}`;
      const kubeconfig = i.kubeconfigs.controllerManager;
      out.push({
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
  return out;
}
