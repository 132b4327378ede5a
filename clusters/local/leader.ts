import { request } from 'node:https';
import { InfrastructureError } from '../../src/errors.ts';
import type { LocalClusterSpec } from '../../src/model/local-cluster-spec.ts';

/** A member's secure port, from its command line. */
function securePort(args: string[]): number | undefined {
  const flag = args.find((a) => a.startsWith('--secure-port='));
  return flag ? Number(flag.split('=')[1]) : undefined;
}

/** GET https://127.0.0.1:<port>/metrics of a component (its self-signed serving cert: loopback only). */
function metrics(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/metrics', rejectUnauthorized: false, timeout: 2000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve(res.statusCode === 200 ? body : ''));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(''));
    req.end();
  });
}

/**
 * Which member of a leader-elected component leads now. The Lease names a host and a random id, not a
 * process, so ask each member: the leader reports leader_election_master_status{name=...} 1.
 */
export async function findLeader(
  spec: LocalClusterSpec,
  role: 'kube-controller-manager' | 'kube-scheduler',
): Promise<string> {
  const members = spec.components.filter((c) => c.kind === role);
  const pattern = new RegExp(`^leader_election_master_status\\{[^}]*name="${role}"[^}]*\\} 1$`, 'm');
  for (const member of members) {
    const port = securePort(member.args);
    if (port && pattern.test(await metrics(port))) return member.id;
  }
  throw new InfrastructureError(
    `no ${role} member reports itself leader (${members.map((m) => m.id).join(', ')})`,
  );
}
