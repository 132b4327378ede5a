import { z } from 'zod';
import { ClusterAssertionError } from '../../src/errors.ts';
import { type Capability, type ZoneRef, zoneRef } from '../../src/model/scenario-file.ts';
import { longestOutageMs, type ProbeSample, type Timeline } from '../../src/model/timeline.ts';
import type { ApiLoadResult } from '../../src/observe/load/api-load.ts';
import { formatSloTable } from '../../src/observe/load/slo-table.ts';
import type { AwsNetworkView } from './aws-network-view.ts';
import type { NodeTaintHistory } from './node-taint-history.ts';
import type { PodDeletionHistory } from './pod-deletion-history.ts';

/** What a registered assertion may look at: the scenario's observations so far. */
export interface AssertionContext {
  timeline: Timeline;
  /** The API prober's samples (empty without monitors.apiProber). */
  apiSamples: ProbeSample[];
  /** The API load's SLO table, awaited (undefined without monitors.load). */
  load: () => Promise<ApiLoadResult | undefined>;
  /** Moments the file named with `as` (injections in place, conditions held), epoch ms. */
  moments: ReadonlyMap<string, number>;
  /** Eviction taints seen since the scenario opened (when the assertion observes node-taints). */
  taints?: NodeTaintHistory;
  /** The scenario namespace's pods at the open and deleted since (when it observes pod-deletions). */
  pods?: PodDeletionHistory;
  /** EC2's view of the cluster's network at the open, and a fresh read (when it observes aws-network). */
  network?: { before: AwsNetworkView; now(): Promise<AwsNetworkView> };
  /** A zone of the scenario by name or index, as steps name it. */
  zone(ref: ZoneRef): string;
  /** The cluster's Nodes in a zone, by the topology.kubernetes.io/zone label, sorted. */
  nodesInZone(zone: string): Promise<string[]>;
}

/** An assertion a scenario file names when data cannot say it: a parameter schema and the judgement. */
interface RegisteredAssertion<P> {
  summary: string;
  params: z.ZodType<P>;
  /** What the runner must watch from the scenario's open on, before any fault, for this judgement. */
  observes?: readonly ('node-taints' | 'pod-deletions' | 'aws-network')[];
  /** Capabilities the scenario must require for this judgement (checked when the file is loaded). */
  requires?: readonly Capability[];
  /** The moments (`as` names) the parameters refer to: the file must name them before the assertion. */
  moments?(params: P): string[];
  judge(ctx: AssertionContext, params: P): Promise<void>;
}

const fail = (object: string, expected: string, seen: string) =>
  new ClusterAssertionError({ object, expected, seen });

/**
 * With the only apiserver down, the client's view of the SLOs must show it: error budget spent, a longest outage
 * of at least half the hold, and (open model: requests due while it was down waited for it) the slowest class's
 * p99 at least 0.8 x the prober's downtime (measured here: create p99 12.9 s for a downtime of 10.3 s).
 */
const apiOutageInSlo: RegisteredAssertion<{ holdSeconds: number }> = {
  summary: "a single apiserver's downtime shows in the client's SLO view (availability, outage, p99)",
  params: z.strictObject({ holdSeconds: z.number().min(1) }),
  async judge(ctx, { holdSeconds }) {
    const slo = await ctx.load();
    if (!slo) throw fail('API load', 'an SLO table', 'no load ran (monitors.load)');
    const report = formatSloTable(slo).join('\n');
    const downtime = longestOutageMs(ctx.apiSamples);
    if (slo.verdict !== 'slo-failed')
      throw fail('API SLOs across the downtime', 'slo-failed', `${slo.verdict}\n${report}`);
    if (!(slo.client.availability < slo.client.objective))
      throw fail(
        'client availability',
        `below ${slo.client.objective}`,
        `${slo.client.availability}\n${report}`,
      );
    if (!/client availability .* longest outage \d+ ms/.test(slo.failures.join('\n')))
      throw fail(
        'SLO failures',
        'a client availability failure naming the longest outage',
        slo.failures.join(' | '),
      );
    if (slo.client.longestOutageMs < (holdSeconds * 1000) / 2)
      throw fail(
        'client longest outage',
        `at least ${(holdSeconds * 1000) / 2} ms (half the hold)`,
        `${slo.client.longestOutageMs} ms (prober downtime ${downtime} ms)`,
      );
    const worstP99 = Math.max(...slo.client.operations.map((o) => o.p99Ms));
    if (worstP99 < 0.8 * downtime)
      throw fail(
        'client p99 (slowest class)',
        `at least 0.8 x the prober's downtime ${downtime} ms`,
        `${worstP99} ms\n${report}`,
      );
  },
};

/**
 * Full disruption (every node unreachable): once the node lifecycle controller has entered master disruption
 * mode it must stop evicting. No node gets an eviction taint after the pass that entered the mode (`entered`, the
 * controller's own log time, plus passSlackSeconds: it logs first, then removes the taints node by node while
 * its tainting worker, every 100 ms, may still take a node of a zone whose rate was normal; timeAdded is also
 * truncated to the second), and no pod is deleted from a node that never had such a taint. A zone whose nodes
 * all went Unknown first is evicted from at the normal rate before the mode: upstream's promise starts with the
 * mode, so what those taints did is a finding on the timeline, not a failure.
 */
const noEvictionInDisruptionMode: RegisteredAssertion<{ entered: string; passSlackSeconds: number }> = {
  summary:
    'no eviction taint after the controller entered full-disruption mode, no pod deleted from a node never tainted',
  params: z.strictObject({ entered: z.string().min(1), passSlackSeconds: z.number().min(0).default(3) }),
  observes: ['node-taints', 'pod-deletions'],
  moments: (p) => [p.entered],
  async judge(ctx, { entered, passSlackSeconds }) {
    const passEndedAt = ctx.moments.get(entered)! + passSlackSeconds * 1000;
    const taints = ctx.taints!;
    const deleted = ctx.pods!.deleted;
    const taintedBefore = taints.before(passEndedAt);
    if (taintedBefore.length > 0)
      ctx.timeline.mark(
        `finding: ${taintedBefore.join(', ')} got an eviction taint before or in the pass that entered ` +
          `full-disruption mode; pods deleted from them: ${deleted.map((p) => p.name).join(', ') || 'none'}`,
      );
    const failures: string[] = [];
    const later = taints.after(passEndedAt);
    if (later.length > 0)
      failures.push(`nodes tainted after the controller entered full-disruption mode: ${later.join(', ')}`);
    const unexcused = deleted
      .filter((p) => !taintedBefore.includes(p.node))
      .map((p) => `${p.name} on ${p.node}`);
    if (unexcused.length > 0)
      failures.push(`pods deleted from nodes that never had an eviction taint: ${unexcused.join(', ')}`);
    if (failures.length > 0)
      throw fail('the node lifecycle controller in full-disruption mode', 'no eviction', failures.join('; '));
  },
};

/**
 * After full disruption: every pod of the scenario's namespace that was there at its open is still there, the
 * very same pod (uid), unless it was evicted from a node tainted before or in the pass that entered the mode
 * (as no-eviction-in-disruption-mode judges it), whenever that happened.
 */
const podsKeptThroughDisruption: RegisteredAssertion<{ entered: string; passSlackSeconds: number }> = {
  summary:
    'every pod that was not evicted from a node tainted before full-disruption mode is the very same pod',
  params: noEvictionInDisruptionMode.params,
  observes: ['node-taints', 'pod-deletions'],
  moments: (p) => [p.entered],
  async judge(ctx, { entered, passSlackSeconds }) {
    const pods = ctx.pods!;
    const taintedBefore = ctx.taints!.before(ctx.moments.get(entered)! + passSlackSeconds * 1000);
    const evicted = new Set(pods.deleted.filter((p) => taintedBefore.includes(p.node)).map((p) => p.uid));
    const now = pods.current();
    const missing = [...pods.initial].filter((uid) => !evicted.has(uid) && !now.has(uid));
    if (missing.length > 0)
      throw fail('pods that were not evicted, by uid', 'all still there', `missing: ${missing.join(', ')}`);
  },
};

/**
 * A zone's outage in EC2: every cluster subnet of the zone left the ACL it had at the open for a deny-all ACL the
 * harness made, and the Nodes labelled with the zone are exactly those its instances back (spec.providerID), so
 * a condition on the zone's nodes speaks of the instances cut off.
 */
const ec2ZoneCutOff: RegisteredAssertion<{ zone: ZoneRef }> = {
  summary: "the zone's cluster subnets are on the harness's deny-all ACL, and its Nodes are its instances'",
  params: z.strictObject({ zone: zoneRef.default({ index: 0 }) }),
  observes: ['aws-network'],
  requires: ['aws'],
  async judge(ctx, params) {
    const zone = ctx.zone(params.zone);
    const { before, now } = ctx.network!;
    const view = await now();
    const subnets = view.subnetsByZone[zone] ?? [];
    if (subnets.length === 0) throw fail(`zone ${zone} in EC2`, 'cluster subnets', 'none');
    const notCut = subnets.filter(
      (s) =>
        view.aclBySubnet[s] === before.aclBySubnet[s] || !view.harnessAcls.includes(view.aclBySubnet[s]!),
    );
    if (notCut.length > 0)
      throw fail(
        `subnets of ${zone}`,
        "on the harness's deny-all network ACL",
        notCut
          .map((s) => `${s} on ${view.aclBySubnet[s]} (at the open: ${before.aclBySubnet[s]})`)
          .join(', '),
      );
    const backed = view.nodesByZone[zone] ?? [];
    const labelled = await ctx.nodesInZone(zone);
    if (backed.length === 0 || backed.join() !== labelled.join())
      throw fail(
        `Nodes of ${zone}`,
        `those backed by its instances (${backed.join(', ') || 'none'})`,
        `labelled with the zone: ${labelled.join(', ') || 'none'}`,
      );
    ctx.timeline.mark(`subnets of ${zone} (${subnets.join(', ')}) on a deny-all NACL`);
  },
};

/** After the revert, EC2 is as it was: every subnet on the ACL it had at the open, no harness ACL left. */
const ec2NetworkRestored: RegisteredAssertion<Record<string, never>> = {
  summary: 'every subnet is back on the ACL it had at the open, and no deny-all ACL of the harness is left',
  params: z.strictObject({}),
  observes: ['aws-network'],
  requires: ['aws'],
  async judge(ctx) {
    const { before, now } = ctx.network!;
    const view = await now();
    const moved = Object.keys(before.aclBySubnet).filter(
      (s) => view.aclBySubnet[s] !== before.aclBySubnet[s],
    );
    if (moved.length > 0)
      throw fail(
        'subnets after the revert',
        'each on the ACL it had at the open',
        moved.map((s) => `${s} on ${view.aclBySubnet[s]} (was ${before.aclBySubnet[s]})`).join(', '),
      );
    if (view.harnessAcls.length > 0)
      throw fail("the harness's deny-all network ACLs", 'deleted', `left: ${view.harnessAcls.join(', ')}`);
  },
};

// biome-ignore lint/suspicious/noExplicitAny: the registry holds assertions of every parameter type
export const registeredAssertions: Record<string, RegisteredAssertion<any>> = {
  'api-outage-in-slo': apiOutageInSlo,
  'no-eviction-in-disruption-mode': noEvictionInDisruptionMode,
  'pods-kept-through-disruption': podsKeptThroughDisruption,
  'ec2-zone-cut-off': ec2ZoneCutOff,
  'ec2-network-restored': ec2NetworkRestored,
};
