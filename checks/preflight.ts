import { request } from 'node:https';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { Etcdctl } from '../src/etcd/etcdctl.ts';
import type { Kube } from '../src/kube/client.ts';
import { nodeReadyStatus } from '../src/kube/describe.ts';
import type { ProvisionedCluster } from '../src/model/cluster.ts';
import { resolveTool } from '../src/tools/index.ts';

/** How long each look may take: a cluster that does not answer in this time is itself a finding. */
const lookTimeoutMs = 10_000;

/** Taints every cluster puts on nodes for a reason worth saying before the checks start. */
const noteworthyTaint = (key: string) => !key.startsWith('node-role.kubernetes.io/');

/**
 * A look at the cluster's health before the suites start: apiserver /readyz, etcd alarms (where the harness can
 * reach etcd), nodes NotReady or tainted, system pods Pending (with the scheduler's reason). Each finding is one
 * sentence; none means nothing looked wrong. It judges nothing: the checks still run and give the verdicts.
 */
export async function preflight(kube: Kube, cluster: ProvisionedCluster): Promise<string[]> {
  const looks = await Promise.all([
    readyz(kube),
    etcdAlarms(cluster),
    nodeFindings(kube),
    pendingSystemPods(kube),
  ]);
  return looks.flat();
}

async function readyz(kube: Kube): Promise<string[]> {
  const server = kube.config.getCurrentCluster()?.server;
  if (!server) return ['apiserver: the kubeconfig names no server'];
  const url = new URL('/readyz?verbose', server);
  const options: Parameters<typeof request>[1] = { method: 'GET', timeout: lookTimeoutMs };
  await kube.config.applyToHTTPSOptions(options);
  try {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, options, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${lookTimeoutMs / 1000} s`)));
      req.on('error', reject);
      req.end();
    });
    if (status === 200) return [];
    const failing = body
      .split('\n')
      .filter((l) => l.startsWith('[-]'))
      .map((l) => l.slice(3).trim());
    return [`apiserver /readyz: ${status}${failing.length ? ` (failing: ${failing.join(', ')})` : ''}`];
  } catch (error) {
    return [`apiserver /readyz: ${(error as Error).message}`];
  }
}

async function etcdAlarms(cluster: ProvisionedCluster): Promise<string[]> {
  const spec = cluster.local;
  if (!spec) return []; // etcd of a cluster we did not make is out of reach
  try {
    const etcd = new Etcdctl((await resolveTool('etcdctl')).path, {
      endpoints: spec.etcdMembers.map((m) => m.clientUrl),
      ...spec.etcdClient,
    });
    const alarms = await etcd.alarms();
    return alarms.map(
      (a) =>
        `etcd alarm ${a.alarm} raised on member ${a.memberId}${a.alarm === 'NOSPACE' ? ': the cluster refuses writes ("database space exceeded") until space is reclaimed and the alarm disarmed' : ''}`,
    );
  } catch (error) {
    return [`etcd alarms: could not be read (${(error as Error).message})`];
  }
}

export function describeNode(n: V1Node): string[] {
  const name = n.metadata?.name ?? '?';
  const found: string[] = [];
  const ready = nodeReadyStatus(n);
  if (ready !== 'True') found.push(`node ${name}: Ready=${ready ?? 'missing'}`);
  const taints = (n.spec?.taints ?? []).filter((t) => noteworthyTaint(t.key));
  if (taints.length > 0)
    found.push(
      `node ${name}: tainted ${taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(', ')}`,
    );
  if (n.spec?.unschedulable) found.push(`node ${name}: cordoned (unschedulable)`);
  return found;
}

async function nodeFindings(kube: Kube): Promise<string[]> {
  try {
    const nodes = (await kube.core.listNode()).items;
    if (nodes.length === 0) return ['nodes: the cluster has none'];
    return nodes.flatMap(describeNode);
  } catch (error) {
    return [`nodes: ${(error as Error).message}`];
  }
}

/** "kube-system/coredns-x: Pending (0/3 nodes are available: 3 node(s) had untolerated taint ...)". */
export function describePendingPod(p: V1Pod): string {
  const scheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
  const why =
    scheduled?.status === 'False' ? (scheduled.message ?? scheduled.reason) : 'scheduled, not running';
  return `${p.metadata?.namespace}/${p.metadata?.name}: Pending (${why ?? 'no reason given yet'})`;
}

async function pendingSystemPods(kube: Kube): Promise<string[]> {
  try {
    const pods = (
      await kube.core.listNamespacedPod({ namespace: 'kube-system', fieldSelector: 'status.phase=Pending' })
    ).items;
    return pods.map((p) => `system pod ${describePendingPod(p)}`);
  } catch (error) {
    return [`system pods: ${(error as Error).message}`];
  }
}
