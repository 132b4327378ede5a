import { join } from 'node:path';
import type { ComponentSpec } from '../../../src/model/local-cluster-spec.ts';
import {
  type ComponentInputs,
  etcdClientUrl,
  etcdIds,
  etcdPeerUrl,
  extraArgs,
  logFile,
} from './component-inputs.ts';

/** The etcd members: one, or three with --ha; TLS with client-certificate auth on clients and peers. */
export function etcdMembers(i: ComponentInputs): ComponentSpec[] {
  const { pki } = i;
  const log = (id: string) => logFile(i, id);
  const extra = (name: 'etcd') => extraArgs(i, name);
  const ids = etcdIds(i);
  const peerUrl = (n: number) => etcdPeerUrl(i, n);
  const clientUrl = (n: number) => etcdClientUrl(i, n);
  const { config, dir } = i;
  const out: ComponentSpec[] = [];
  ids.forEach((id, n) => {
    out.push({
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
        `--initial-cluster=${ids.map((other, m) => `${other}=${peerUrl(m)}`).join(',')}`,
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
  return out;
}
