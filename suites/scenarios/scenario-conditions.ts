import { CoordinationV1Api, type V1Lease, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { apiReady } from '../../clusters/local/api-readiness.ts';
import { findLeader } from '../../clusters/local/leader.ts';
import { ClusterAssertionError, ConfigError } from '../../src/errors.ts';
import type { Kube } from '../../src/kube/client.ts';
import { nodeReadyCondition, zoneLabel } from '../../src/kube/describe.ts';
import { watchUntil } from '../../src/kube/watch-until.ts';
import type { ProvisionedCluster } from '../../src/model/cluster.ts';
import type { NodeSelection, ScenarioCondition, ZoneRef } from '../../src/model/scenario-file.ts';
import { untilComponentLogs } from './component-log-line.ts';
import { type WorkloadKinds, workloadDigest } from './workload-digest.ts';
import { workloadLabel } from './workload-fixtures.ts';

/** What a condition is judged against. */
export interface ConditionEnv {
  kube: Kube;
  cluster: ProvisionedCluster;
  namespace: string;
  zone(ref: ZoneRef): string;
  /** Lease holders read before the first injection, by "namespace/name". */
  holdersBefore: Map<string, string | undefined>;
  /** The objects of each workload an `unchanged` condition names, counted and hashed when the scenario opened. */
  baselines: Map<string, Baseline>;
  /** What an injection (by its `as`) acts on, as nodes and zones. */
  targetOf(name: string): { nodes: string[]; zones: string[] };
  /** When the last injection was in place (its apply returned), epoch ms. */
  injectedAt?: number;
  /** When the first injection began, epoch ms. */
  firstInjectAt?: number;
}

/** A workload's objects when the scenario opened (workloadDigest), and the kinds to list them by. */
export interface Baseline {
  kinds: WorkloadKinds;
  count: number;
  digest: string;
}

/** How often `unchanged` reads the workload again: its objects may be of any kind, so there is no one watch path. */
const unchangedPollMs = 1000;
/** How often leaderElected asks the members again. */
const leaderPollMs = 500;

/**
 * What a condition saw when it held: a detail for the mark ("{detail}"), and when the event it waited for
 * happened, where that is not the moment the wait saw it (a log line's own time).
 */
export type Held = string | { detail: string; at: number };

const podReady = (p: V1Pod) =>
  !p.metadata?.deletionTimestamp &&
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

export function selectsNode(
  node: V1Node,
  s: NodeSelection,
  env: Pick<ConditionEnv, 'zone' | 'targetOf'>,
): boolean {
  const zone = node.metadata?.labels?.[zoneLabel];
  if (s.names && !s.names.includes(node.metadata?.name ?? '')) return false;
  if (s.zone !== undefined && zone !== env.zone(s.zone)) return false;
  if (s.outsideZone !== undefined && zone === env.zone(s.outsideZone)) return false;
  if (s.targetOf !== undefined) {
    const t = env.targetOf(s.targetOf);
    if (!t.nodes.includes(node.metadata?.name ?? '') && !(zone && t.zones.includes(zone))) return false;
  }
  return true;
}

/** The Ready condition as a node shows it: status, and reason and message when asked about. */
function readyAsSeen(n: V1Node, withWords: boolean): string {
  const c = nodeReadyCondition(n);
  return `${n.metadata?.name}:${c?.status}${withWords ? ` (${c?.reason}: ${c?.message})` : ''}`;
}

/**
 * Waits for one condition, watch-driven and bounded by timeoutMs (a bound of 0 s still reads the state once);
 * a condition the cluster does not reach is a ClusterAssertionError naming it, what was seen and the bound.
 */
export async function waitForCondition(
  c: ScenarioCondition,
  env: ConditionEnv,
  timeoutMs: number,
): Promise<Held> {
  const { kube, namespace } = env;
  const bounded = Math.max(timeoutMs, 1000);
  if (c.nodes) {
    const sel = c.nodes;
    const want = sel.ready;
    const message = sel.message === undefined ? undefined : new RegExp(sel.message);
    const holds = (n: V1Node) => {
      const r = nodeReadyCondition(n);
      return (
        r?.status === want &&
        (sel.reason === undefined || r.reason === sel.reason) &&
        (!message || message.test(r.message ?? ''))
      );
    };
    const words = sel.reason !== undefined || message !== undefined;
    const nodes = await watchUntil<V1Node, V1Node[]>(kube, {
      list: () => kube.core.listNode(sel.labels ? { labelSelector: sel.labels } : {}),
      path: '/api/v1/nodes',
      ...(sel.labels ? { query: { labelSelector: sel.labels } } : {}),
      done: (all) => {
        const chosen = all.filter((n) => selectsNode(n, sel, env)).slice(0, sel.count ?? all.length);
        return chosen.length > 0 && chosen.every(holds) ? chosen : undefined;
      },
      what: `every selected node Ready=${want}${sel.reason ? ` reason ${sel.reason}` : ''}${message ? ` message /${sel.message}/` : ''}`,
      progress: (all) =>
        all
          .filter((n) => selectsNode(n, sel, env))
          .map((n) => readyAsSeen(n, words))
          .join(', '),
      timeoutMs: bounded,
    });
    return `${nodes.length} nodes`;
  }
  if (c.taint) {
    const t = c.taint;
    const tainted = (n: V1Node) => n.spec?.taints?.some((x) => x.key === t.key && x.effect === t.effect);
    const nodes = await watchUntil<V1Node, V1Node[]>(kube, {
      list: () => kube.core.listNode(),
      path: '/api/v1/nodes',
      done: (all) => {
        const with_ = all.filter(tainted);
        return with_.length >= t.atLeast ? with_ : undefined;
      },
      what: `at least ${t.atLeast} node(s) tainted ${t.key}:${t.effect}`,
      progress: (all) => `${all.filter(tainted).length} tainted`,
      timeoutMs: bounded,
    });
    if (t.onlyInZone !== undefined) {
      const zone = env.zone(t.onlyInZone);
      const outside = nodes.filter((n) => n.metadata?.labels?.[zoneLabel] !== zone);
      if (outside.length > 0)
        throw new ClusterAssertionError({
          object: `nodes tainted ${t.key}:${t.effect}`,
          expected: `only nodes of ${zone}`,
          seen: outside.map((n) => `${n.metadata?.name} (${n.metadata?.labels?.[zoneLabel]})`).join(', '),
        });
    }
    return nodes.map((n) => `${n.metadata?.name} (${n.metadata?.labels?.[zoneLabel]})`).join(', ');
  }
  if (c.pods) {
    const p = c.pods;
    const zones = new Map(
      (await kube.core.listNode()).items.map((n) => [n.metadata!.name!, n.metadata?.labels?.[zoneLabel]]),
    );
    const outside = p.outsideZone === undefined ? undefined : env.zone(p.outsideZone);
    const avoided = new Set(
      p.notOn === undefined
        ? []
        : (await kube.core.listNode()).items
            .filter((n) => selectsNode(n, p.notOn!, env))
            .map((n) => n.metadata!.name!),
    );
    const counted = (x: V1Pod) =>
      podReady(x) &&
      (!outside || zones.get(x.spec?.nodeName ?? '') !== outside) &&
      !avoided.has(x.spec?.nodeName ?? '');
    const selector = `${workloadLabel}=${p.workload}`;
    await watchUntil<V1Pod, true>(kube, {
      list: () => kube.core.listNamespacedPod({ namespace, labelSelector: selector }),
      path: `/api/v1/namespaces/${namespace}/pods`,
      query: { labelSelector: selector },
      done: (pods) =>
        (p.exactly
          ? pods.length === p.ready && pods.every(counted)
          : pods.filter(counted).length >= p.ready) || undefined,
      what: `${p.exactly ? 'exactly ' : ''}${p.ready} ready ${p.workload} pods${outside ? ` outside ${outside}` : ''}${avoided.size ? ` off ${[...avoided].join(', ')}` : ''}${p.exactly ? ', no other pod (none Pending, none Terminating)' : ''}`,
      progress: (pods) =>
        pods
          .map(
            (x) =>
              `${x.metadata?.name}@${x.spec?.nodeName ?? '-'}:${x.status?.phase}${x.metadata?.deletionTimestamp ? '(terminating)' : ''}`,
          )
          .join(', '),
      timeoutMs: bounded,
    });
    return `${p.ready} ${p.workload} pods`;
  }
  if (c.unschedulable) {
    const u = c.unschedulable;
    const pattern = new RegExp(u.message);
    const selector = `${workloadLabel}=${u.workload}`;
    const scheduled = (x: V1Pod) => x.status?.conditions?.find((k) => k.type === 'PodScheduled');
    const pending = await watchUntil<V1Pod, V1Pod>(kube, {
      list: () => kube.core.listNamespacedPod({ namespace, labelSelector: selector }),
      path: `/api/v1/namespaces/${namespace}/pods`,
      query: { labelSelector: selector },
      done: (pods) =>
        pods.find(
          (x) =>
            !x.metadata?.deletionTimestamp &&
            x.status?.phase === 'Pending' &&
            scheduled(x)?.status === 'False' &&
            pattern.test(scheduled(x)?.message ?? ''),
        ),
      what: `a ${u.workload} pod unschedulable with a message matching /${u.message}/`,
      progress: (pods) =>
        pods.map((x) => `${x.metadata?.name}:${x.status?.phase}:${scheduled(x)?.message ?? ''}`).join('; '),
      timeoutMs: bounded,
    });
    return `${pending.metadata?.name} Pending: ${scheduled(pending)?.message ?? ''}`;
  }
  if (c.noTerminatingPods) {
    await watchUntil<V1Pod, true>(kube, {
      list: () => kube.core.listNamespacedPod({ namespace }),
      path: `/api/v1/namespaces/${namespace}/pods`,
      done: (pods) => pods.every((x) => !x.metadata?.deletionTimestamp) || undefined,
      what: 'no pod left Terminating',
      progress: (pods) =>
        pods
          .filter((x) => x.metadata?.deletionTimestamp)
          .map((x) => x.metadata?.name)
          .join(', '),
      timeoutMs: bounded,
    });
    return 'no pod Terminating';
  }
  if (c.apiReady) return apiAnswers(env, c.apiReady.member, bounded);
  if (c.leaseMoved) {
    const { name, namespace: ns } = c.leaseMoved;
    const before = env.holdersBefore.get(`${ns}/${name}`);
    const leases = kube.config.makeApiClient(CoordinationV1Api);
    const fieldSelector = `metadata.name=${name}`;
    const moved = await watchUntil<V1Lease, V1Lease>(kube, {
      list: () => leases.listNamespacedLease({ namespace: ns, fieldSelector }),
      path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
      query: { fieldSelector },
      done: ([lease]) => (lease && lease.spec?.holderIdentity !== before ? lease : undefined),
      what: `the ${name} lease to move away from ${before ?? 'no holder'}`,
      progress: ([lease]) => `held by ${lease?.spec?.holderIdentity ?? 'nobody'}`,
      timeoutMs: bounded,
    });
    return moved.spec?.holderIdentity ?? 'nobody';
  }
  if (c.leaseRenewed) {
    const sel = c.leaseRenewed;
    const since = env.injectedAt ?? 0;
    const names = (await kube.core.listNode(sel.labels ? { labelSelector: sel.labels } : {})).items
      .filter((n) => selectsNode(n, sel, env))
      .slice(0, sel.count)
      .map((n) => n.metadata!.name!);
    if (names.length === 0)
      throw new ClusterAssertionError({
        object: 'leaseRenewed',
        expected: 'the node selection to select a node',
        seen: 'none',
      });
    const leases = kube.config.makeApiClient(CoordinationV1Api);
    const renewed = (l: V1Lease) => !!l.spec?.renewTime && new Date(l.spec.renewTime).getTime() > since;
    await watchUntil<V1Lease, true>(kube, {
      list: () => leases.listNamespacedLease({ namespace: 'kube-node-lease' }),
      path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
      done: (all) => names.every((n) => all.some((l) => l.metadata?.name === n && renewed(l))) || undefined,
      what: `the Lease of ${names.join(', ')} renewed after ${new Date(since).toISOString()}`,
      progress: (all) =>
        all
          .filter((l) => names.includes(l.metadata?.name ?? ''))
          .map(
            (l) =>
              `${l.metadata?.name} renewed ${l.spec?.renewTime ? new Date(l.spec.renewTime).toISOString() : 'never'}`,
          )
          .join(', '),
      timeoutMs: bounded,
    });
    return names.join(', ');
  }
  if (c.logged) {
    const dir = env.cluster.local?.dir;
    if (!dir)
      throw new ConfigError(
        "logged: only the embedded cluster has its components' logs here (requires: [component-logs])",
      );
    const { component, message } = c.logged;
    const at = await untilComponentLogs(dir, component, message, env.firstInjectAt ?? 0, bounded);
    return { detail: `${component} logged "${message}" at ${new Date(at).toISOString()}`, at };
  }
  if (c.leaderElected) {
    const spec = env.cluster.local;
    const { role } = c.leaderElected;
    if (!spec) throw new ConfigError('leaderElected: only the embedded cluster tells its members apart');
    const started = Date.now();
    for (;;) {
      const leader = await findLeader(spec, role).catch((error: Error) => error);
      if (typeof leader === 'string') return leader;
      if (Date.now() - started >= bounded)
        throw new ClusterAssertionError({
          object: role,
          expected: 'a member that leads',
          seen: leader.message,
          waitedMs: Date.now() - started,
        });
      // What counts is a member reporting itself leader (its metrics), not a Lease a stalled member still holds.
      await new Promise((r) => setTimeout(r, leaderPollMs));
    }
  }
  if (c.unchanged) {
    const { workload } = c.unchanged;
    const before = env.baselines.get(workload)!;
    const started = Date.now();
    for (;;) {
      const now = await workloadDigest(kube, namespace, workload, before.kinds);
      if (now.count === before.count && now.digest === before.digest)
        return `${now.count} ${workload} object(s), sha256 ${now.digest}`;
      if (Date.now() - started >= timeoutMs)
        throw new ClusterAssertionError({
          object: `workload ${workload}'s objects`,
          expected: `the very ones of the start: ${before.count} object(s), sha256 ${before.digest} (name, uid, content)`,
          seen: `${now.count} object(s), sha256 ${now.digest}`,
          waitedMs: Date.now() - started,
        });
      await new Promise((r) => setTimeout(r, unchangedPollMs));
    }
  }
  throw new Error('a condition without a kind passed validation');
}

/** /readyz of one embedded apiserver or of the endpoint; nothing to watch while it is down (100 ms polls). */
async function apiAnswers(env: ConditionEnv, member: string | undefined, timeoutMs: number): Promise<Held> {
  const local = env.cluster.local;
  const url = member ? local?.apiServers.find((a) => a.id === member)?.url : local?.endpoint;
  if (member && !url)
    throw new ClusterAssertionError({
      object: `apiserver ${member}`,
      expected: 'a member of this cluster',
      seen: 'none',
    });
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const ok = local
      ? await apiReady(url!, local.dir, 1000)
      : await env.kube.core.listNamespace({ limit: 1 }).then(
          () => true,
          () => false,
        );
    if (ok) return member ?? 'the API';
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new ClusterAssertionError({
    object: member ? `apiserver ${member}` : 'the API',
    expected: 'an answer to /readyz',
    waitedMs: timeoutMs,
  });
}
