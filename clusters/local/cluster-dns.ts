import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1ClusterRole, V1ClusterRoleBinding } from '@kubernetes/client-node';
import type { LocalClusterConfig } from '../../src/config/schema.ts';
import type { Kube } from '../../src/kube/client.ts';
import type { ClusterDns } from '../../src/model/local-cluster-spec.ts';

/** kubeadm's names for CoreDNS's role; the binding's subject is our certificate's user instead of a ServiceAccount. */
export const corednsRoleName = 'system:coredns';
export const corednsUser = 'system:coredns';

/**
 * Writes the Corefile of the embedded CoreDNS: the kubernetes plugin serves the cluster domain (and reverse
 * zones) from the API through its own kubeconfig, on loopback only. No cache plugin, so answers follow the
 * API as soon as CoreDNS's informers do; no forward plugin, so names outside the zone are REFUSED rather
 * than leaking to the host's resolver.
 */
export async function writeCorefile(
  dir: string,
  o: {
    config: LocalClusterConfig;
    port: number;
    kubeconfig: string;
    context: string;
    /** Another address to answer on: the cluster bridge's, behind the kube-dns Service for real nodes' pods. */
    alsoBind?: string | undefined;
  },
): Promise<ClusterDns> {
  const clusterDomain = o.config.dns.clusterDomain;
  const servedDomain = o.config.dns.servedDomain ?? clusterDomain;
  const host = '127.0.0.1';
  const zones = [servedDomain, 'in-addr.arpa', 'ip6.arpa'];
  const corefile = join(dir, 'Corefile');
  const text = [
    '# Written by kube-gauntlet for one embedded cluster.',
    `${zones.map((z) => `${z}:${o.port}`).join(' ')} {`,
    `    bind ${[host, ...(o.alsoBind ? [o.alsoBind] : [])].join(' ')}`,
    '    errors',
    `    kubernetes ${zones.join(' ')} {`,
    `        kubeconfig ${o.kubeconfig} ${o.context}`,
    '        pods disabled',
    '        ttl 5',
    '    }',
    '}',
    '',
  ].join('\n');
  await writeFile(corefile, text);
  return { server: { host, port: o.port }, clusterDomain, servedDomain, corefile };
}

/** What CoreDNS may read, as kubeadm grants it: list/watch of the objects the kubernetes plugin serves. */
export function corednsClusterRole(): V1ClusterRole {
  return {
    metadata: { name: corednsRoleName },
    rules: [
      {
        apiGroups: [''],
        resources: ['endpoints', 'services', 'pods', 'namespaces'],
        verbs: ['list', 'watch'],
      },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    ],
  };
}

/** Creates CoreDNS's ClusterRole and its binding to the CoreDNS certificate's user; existing ones are kept. */
export async function ensureCorednsRbac(kube: Kube): Promise<void> {
  const { RbacAuthorizationV1Api } = await import('@kubernetes/client-node');
  const rbac = kube.config.makeApiClient(RbacAuthorizationV1Api);
  const binding: V1ClusterRoleBinding = {
    metadata: { name: corednsRoleName },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: corednsRoleName },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: corednsUser }],
  };
  const ignoreExists = (error: { code?: number }) => {
    if (error.code !== 409) throw error;
  };
  await Promise.all([
    rbac.createClusterRole({ body: corednsClusterRole() }).catch(ignoreExists),
    rbac.createClusterRoleBinding({ body: binding }).catch(ignoreExists),
  ]);
}
