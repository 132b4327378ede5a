import { join } from 'node:path';
import type { ComponentSpec } from '../../../src/model/local-cluster-spec.ts';
import { type ComponentInputs, extraArgs, logFile, memberCounts } from './component-inputs.ts';
import { leaderElectionArgs } from './leader-election.ts';

/** The schedulers (two with --ha, leader-elected). */
export function schedulers(i: ComponentInputs): ComponentSpec[] {
  const { ports, dir } = i;
  const t = i.config.timings;
  const counts = memberCounts(i.config.ha);
  const log = (id: string) => logFile(i, id);
  const extra = (name: 'kube-scheduler') => extraArgs(i, name);
  const enabled = (name: 'kube-scheduler') => i.config.components[name].enabled;
  const leaderElection = leaderElectionArgs(t.leaderElectionLeaseSeconds);
  const out: ComponentSpec[] = [];
  if (enabled('kube-scheduler')) {
    for (let n = 0; n < counts.schedulers; n++) {
      const id = `kube-scheduler-${n}`;
      const kubeconfig = i.kubeconfigs.scheduler;
      out.push({
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
  return out;
}
