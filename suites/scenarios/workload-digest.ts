import { createHash } from 'node:crypto';
import { type KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import type { Kube } from '../../src/kube/client.ts';
import { workloadLabel } from './workload-fixtures.ts';

/** The kinds a workload's manifests create, each once. */
export type WorkloadKinds = { apiVersion: string; kind: string }[];

/**
 * A workload's objects, listed through the API by its label, kind by kind: how many, and a hash over each one's
 * name, uid and content (data for ConfigMaps and Secrets, else spec). A replaced object (new uid), a changed
 * one, a lost or an extra one all change it; resourceVersion and status do not.
 */
export async function workloadDigest(
  kube: Kube,
  namespace: string,
  workload: string,
  kinds: WorkloadKinds,
): Promise<{ count: number; digest: string }> {
  const api = KubernetesObjectApi.makeApiClient(kube.config);
  const lines: string[] = [];
  for (const { apiVersion, kind } of kinds) {
    const list = await api.list(
      apiVersion,
      kind,
      namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      `${workloadLabel}=${workload}`,
    );
    for (const o of list.items as (KubernetesObject & Record<string, unknown>)[]) {
      const content = o.data !== undefined || o.binaryData !== undefined ? [o.data, o.binaryData] : o.spec;
      lines.push(`${kind} ${o.metadata?.name} ${o.metadata?.uid} ${JSON.stringify(content ?? null)}`);
    }
  }
  const digest = createHash('sha256').update(lines.sort().join('\n')).digest('hex').slice(0, 12);
  return { count: lines.length, digest };
}
