import { createHash } from 'node:crypto';
import {
  AppsV1Api,
  CoordinationV1Api,
  DiscoveryV1Api,
  type KubernetesObject,
  KubernetesObjectApi,
  type V1Node,
} from '@kubernetes/client-node';
import type { CheckContext } from '../../checks/check.ts';
import { closeCheckContext, openCheckContext } from '../../checks/check-context.ts';
import { readModifyWrite } from '../../checks/support/read-modify-write.ts';
import type { Injection } from '../../faults/engine/fault-engine.ts';
import type { FaultTarget } from '../../faults/fault.ts';
import { faultByKind } from '../../faults/registry.ts';
import {
  selectAwsZones,
  selectCluster,
  selectComponents,
  selectInstances,
  selectNodes,
  selectZones,
  type TargetSelector,
} from '../../faults/targets.ts';
import { ClusterAssertionError, ConfigError } from '../../src/errors.ts';
import { zoneLabel } from '../../src/kube/describe.ts';
import { BoundError, type BoundValues, evaluateBound } from '../../src/model/bound-expression.ts';
import type { RunContext } from '../../src/model/run-context.ts';
import type {
  Bound,
  NodeSelection,
  ScenarioCondition,
  ScenarioExpectation,
  ScenarioStep,
  ZoneRef,
} from '../../src/model/scenario-file.ts';
import { availability, longestOutageMs, type ProbeSample } from '../../src/model/timeline.ts';
import { startApiProber } from '../../src/observe/api-prober.ts';
import type { ApiLoadResult } from '../../src/observe/load/api-load.ts';
import type { ApiLoad } from '../../src/observe/load/scenario-load.ts';
import { Scenario } from '../chaos/scenario.ts';
import { formatOutcome } from '../chaos/scenario-monitors.ts';
import { type AwsNetworkView, readAwsNetwork } from './aws-network-view.ts';
import { resolveCapability } from './capabilities.ts';
import { recordMeasurements, revertMark } from './fault-timeline.ts';
import type { LoadedScenario, Manifest } from './load-scenario.ts';
import { monitorsNamed } from './monitor-checks.ts';
import { NodeTaintHistory } from './node-taint-history.ts';
import { PodDeletionHistory } from './pod-deletion-history.ts';
import { registeredAssertions } from './registered-assertions.ts';
import { type Baseline, type ConditionEnv, selectsNode, waitForCondition } from './scenario-conditions.ts';
import { ServiceEndpointsWatch } from './service-endpoints-watch.ts';
import { type RunningServiceLoad, startServiceLoad } from './service-load-monitor.ts';
import { type WorkloadKinds, workloadDigest } from './workload-digest.ts';
import { desiredPods, fixtureManifests, labelled, workloadLabel } from './workload-fixtures.ts';

/** Timings of a cluster the harness did not make: the Kubernetes defaults (kube-controller-manager, kubelet). */
const upstreamTimings: BoundValues = {
  grace: 50,
  monitorPeriod: 5,
  nodeLease: 40,
  notReadyToleration: 300,
  unreachableToleration: 300,
  leaderElectionLease: 15,
  runtimeRequestTimeout: 120,
};

/** The values a bound may name, from this cluster's configuration (the embedded one) or the defaults. */
export function boundValuesOf(run: Pick<RunContext, 'cluster'>, zones: number): BoundValues {
  const local = run.cluster.local?.config;
  if (!local) return { ...upstreamTimings, zones };
  const t = local.timings;
  return {
    grace: t.nodeMonitorGracePeriodSeconds,
    monitorPeriod: t.nodeMonitorPeriodSeconds,
    nodeLease: t.nodeLeaseDurationSeconds,
    notReadyToleration: t.notReadyTolerationSeconds,
    unreachableToleration: t.unreachableTolerationSeconds,
    leaderElectionLease: t.leaderElectionLeaseSeconds,
    runtimeRequestTimeout: t.runtimeRequestTimeoutSeconds,
    nodesPerZone: local.nodesPerZone,
    zones: local.zones.length,
  };
}

interface Held {
  injection: Injection;
  target: FaultTarget;
  as?: string;
  reverted: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One scenario file running on the run's cluster: its namespace and workloads, the Scenario plumbing (timeline,
 * ledger, monitors, load), the API prober, then steps in order and expectations at the end. Every fault goes
 * through the engine (journaled first) and is reverted by close() at the latest.
 */
export class ScenarioRun {
  private readonly held: Held[] = [];
  private readonly apiSamples: ProbeSample[];
  private prober?: { stop(): Promise<void> };
  private load?: ApiLoad;
  private serviceLoad?: RunningServiceLoad;
  private finished?: Promise<string>;
  private readonly holdersBefore = new Map<string, string | undefined>();
  private firstInjectAt?: number;
  /** When the last injection step's faults were all in place. */
  private lastInjectedAt?: number;
  private lastRevertAt?: number;
  /** Moments named by `as` (injections in place, conditions held), epoch ms. */
  private readonly moments = new Map<string, number>();
  private readonly endpointWatches: ServiceEndpointsWatch[] = [];
  private lastStepTargets: FaultTarget[] = [];
  /** Observations a registered assertion of the file asks for, from the open on (before any fault). */
  private taints?: NodeTaintHistory;
  private pods?: PodDeletionHistory;
  private networkBefore?: AwsNetworkView;
  private before?: Record<string, string>;
  private readonly clusterScoped: Manifest[] = [];

  private constructor(
    private readonly loaded: LoadedScenario,
    private readonly run: RunContext,
    private readonly ctx: CheckContext,
    private readonly zones: string[],
    readonly scenario: Scenario,
    private readonly baselines: Map<string, Baseline>,
  ) {
    this.apiSamples = scenario.timeline.probeSeries('api');
  }

  /** Creates the namespace and workloads, waits for them, starts the monitors, prober and load. */
  static async open(loaded: LoadedScenario, run: RunContext): Promise<ScenarioRun> {
    const { spec } = loaded;
    const zones = await clusterZones(run);
    const values = boundValuesOf(run, zones.length);
    const ctx = await openCheckContext(run, `scn-${spec.metadata.name}`);
    const created: Manifest[] = [];
    const kinds = new Map<string, WorkloadKinds>();
    /** Each workload's pods once ready, from the very manifests created. */
    const desired = new Map<string, number>();
    let scenario: Scenario | undefined;
    let self: ScenarioRun | undefined;
    try {
      const zone = (ref: ZoneRef) => zoneOf(ref, zones);
      for (const w of spec.workloads) {
        const objects = w.fixture
          ? fixtureManifests(w, {
              namespace: ctx.namespace,
              labels: ctx.labels,
              runId: run.runId,
              ...(w.zone !== undefined ? { zone: zone(w.zone) } : {}),
            })
          : (loaded.manifests.get(w.name) ?? []).map((m) => labelled(m, w.name, ctx.labels));
        desired.set(w.name, desiredPods(objects));
        const mine = await createAll(run, ctx.namespace, objects);
        created.push(...mine);
        const namespaced = mine.filter((m) => m.metadata.namespace);
        kinds.set(w.name, [
          ...new Map(
            namespaced.map((m) => [`${m.apiVersion} ${m.kind}`, { apiVersion: m.apiVersion, kind: m.kind }]),
          ).values(),
        ]);
      }
      for (const w of spec.workloads) {
        const want = desired.get(w.name)!;
        if (want === 0) continue;
        const env = conditionEnv(run, ctx, zones, new Map(), new Map());
        const withinMs = bound(w.readyWithin ?? 60, values, `workloads.${w.name}.readyWithin`) * 1000;
        await waitForCondition(
          { within: 0, pods: { workload: w.name, ready: want } } as ScenarioCondition,
          env,
          withinMs,
        );
        // Its Service lists every ready pod before anything is counted or hashed (nothingLost compares against it).
        if (w.fixture === 'zone-spread') await serviceListsPods(run, ctx.namespace, w.name, want, withinMs);
      }
      // What `unchanged` compares against: the workloads as they are before anything happens to them.
      const baselines = new Map<string, Baseline>();
      for (const name of unchangedWorkloads(spec)) {
        const k = kinds.get(name) ?? [];
        baselines.set(name, { kinds: k, ...(await workloadDigest(run.kube, ctx.namespace, name, k)) });
      }
      const checks = monitorsNamed(spec.monitors.checks);
      scenario = await Scenario.open(spec.metadata.name, { monitors: checks });
      self = new ScenarioRun(loaded, run, ctx, zones, scenario, baselines);
      self.clusterScoped.push(...created.filter((m) => !m.metadata.namespace));
      const inactive = scenario.inactiveMonitors;
      if (inactive.length > 0)
        throw new ClusterAssertionError({
          object: `scenario ${spec.metadata.name}`,
          expected: 'every declared monitor active on this cluster',
          seen: `${inactive.join(', ')} never became active (nothing to watch here)`,
        });
      for (const service of spec.monitors.services) {
        // Whole before it is watched: every pod of its workload listed ready (the floor starts from it).
        const owner = spec.workloads.find((w) =>
          w.fixture === 'zone-spread'
            ? w.name === service
            : (loaded.manifests.get(w.name) ?? []).some(
                (m) => m.kind === 'Service' && m.metadata.name === service,
              ),
        )!;
        await serviceListsPods(run, ctx.namespace, service, desired.get(owner.name)!, 60_000);
        const watch = new ServiceEndpointsWatch(run.kube, ctx.namespace, service, scenario.timeline);
        self.endpointWatches.push(watch);
        await watch.start();
      }
      const observes = new Set(
        [...spec.steps.map((x) => x.assert), ...spec.expectations.map((e) => e.assert)].flatMap((a) =>
          a ? (registeredAssertions[a.name]!.observes ?? []) : [],
        ),
      );
      if (observes.has('node-taints')) {
        self.taints = new NodeTaintHistory(run.kube);
        await self.taints.start();
      }
      if (observes.has('pod-deletions')) {
        self.pods = new PodDeletionHistory(run.kube, ctx.namespace);
        await self.pods.start();
      }
      if (observes.has('aws-network')) self.networkBefore = await readAwsNetwork(run);
      if (spec.monitors.apiProber) self.prober = await startApiProber(run.kube, self.apiSamples);
      if (spec.monitors.load) {
        self.load = scenario.load(spec.monitors.load);
        await self.load.started;
      }
      if (spec.monitors.serviceLoad) {
        self.serviceLoad = startServiceLoad(run, scenario, ctx.namespace, spec.monitors.serviceLoad);
        await self.serviceLoad.started;
      }
      if (spec.expectations.some((e) => e.nothingLost)) self.before = await self.snapshot();
      return self;
    } catch (error) {
      self?.stopObserving();
      self?.serviceLoad?.abort();
      await scenario?.finish().catch(() => undefined);
      await deleteAll(
        run,
        created.filter((m) => !m.metadata.namespace),
      );
      await closeCheckContext(ctx).catch(() => undefined);
      throw error;
    }
  }

  private get values(): BoundValues {
    return boundValuesOf(this.run, this.zones.length);
  }

  private ms(value: Bound, field: string): number {
    return bound(value, this.values, field) * 1000;
  }

  private get env(): ConditionEnv {
    return {
      ...conditionEnv(this.run, this.ctx, this.zones, this.holdersBefore, this.baselines),
      targetOf: (name) => this.targetOf(name),
      ...(this.lastInjectedAt !== undefined ? { injectedAt: this.lastInjectedAt } : {}),
      ...(this.firstInjectAt !== undefined ? { firstInjectAt: this.firstInjectAt } : {}),
    };
  }

  /** Runs steps in order; each names its place in the file (steps[i]) when it fails. */
  async steps(steps: { step: ScenarioStep; index: number }[]): Promise<void> {
    for (const { step, index } of steps) await this.step(step, `steps[${index}]`);
  }

  private async step(s: ScenarioStep, at: string): Promise<void> {
    const { timeline } = this.scenario;
    if (s.inject) {
      const j = s.inject;
      if (this.firstInjectAt === undefined) await this.readLeaseHolders();
      const max = j.maxDuration === undefined ? 600_000 : this.ms(j.maxDuration, `${at}.inject.maxDuration`);
      const mine: Held[] = [];
      let targets: FaultTarget[] = [];
      for (const kind of j.fault ? [j.fault] : this.capabilityFaults(j.capability!)) {
        const fault = faultByKind(kind);
        targets = await this.targets(fault.targets, fault.backend, j.target, `${at}.inject.target`);
        if (targets.length === 0)
          throw new ConfigError(`${at}.inject.target: selects nothing on this cluster`);
        for (const target of targets) {
          // Counted from the moment the change starts, as a kill's "after N ms" is.
          this.firstInjectAt ??= Date.now();
          const injection = await this.scenario.inject(kind, target, j.spec ?? {}, max);
          recordMeasurements(injection, timeline);
          const h: Held = { injection, target, reverted: false, ...(j.as ? { as: j.as } : {}) };
          this.held.push(h);
          mine.push(h);
        }
      }
      this.lastInjectedAt = Date.now();
      this.lastStepTargets = targets;
      if (j.as) this.moments.set(j.as, this.lastInjectedAt);
      if (this.endpointWatches.length > 0) {
        const faulted = await this.nodesUnderFault();
        for (const w of this.endpointWatches) w.setFloor(faulted);
      }
      if (j.for !== undefined) {
        await sleep(this.ms(j.for, `${at}.inject.for`));
        await this.revert(mine);
      }
      return;
    }
    if (s.revert !== undefined) {
      await this.revert(this.held.filter((h) => !h.reverted && (s.revert === 'all' || h.as === s.revert)));
      return;
    }
    if (s.hold !== undefined) return void (await sleep(this.ms(s.hold, `${at}.hold`)));
    if (s.converge) {
      const within = this.ms(s.converge.within, `${at}.converge.within`);
      for (const h of this.held) h.reverted = true;
      this.lastRevertAt = Date.now();
      try {
        await this.scenario.converge(within);
      } catch (error) {
        if ((error as Error).name !== 'Error') throw error;
        throw new ClusterAssertionError({
          object: 'the cluster after the revert',
          expected: 'healthy monitors',
          message: (error as Error).message,
        });
      }
      return;
    }
    if (s.scale) {
      const { workload, replicas } = s.scale;
      const apps = this.run.kube.config.makeApiClient(AppsV1Api);
      for (const d of await this.deployments(workload))
        await readModifyWrite(
          () => apps.readNamespacedDeployment({ name: d, namespace: this.ctx.namespace }),
          (body) => apps.replaceNamespacedDeployment({ name: d, namespace: this.ctx.namespace, body }),
          (o) => {
            o.spec!.replicas = replicas;
          },
        );
      await this.wait(
        { within: s.scale.within, pods: { workload, ready: replicas } } as ScenarioCondition,
        `${at}.scale`,
      );
      return;
    }
    if (s.rollout) return this.rollout(s.rollout.workload, this.ms(s.rollout.within, `${at}.rollout.within`));
    if (s.cordon) return void (await this.setUnschedulable(s.cordon, true));
    if (s.uncordon) return void (await this.setUnschedulable(s.uncordon, false));
    if (s.drain) return this.drain(s.drain.nodes, this.ms(s.drain.within, `${at}.drain.within`));
    if (s.deletePods) {
      const pods = await this.run.kube.core.listNamespacedPod({
        namespace: this.ctx.namespace,
        labelSelector: `${workloadLabel}=${s.deletePods.workload}`,
      });
      const names = pods.items.map((p) => p.metadata!.name!).sort();
      for (const name of names.slice(0, s.deletePods.count ?? names.length))
        await this.run.kube.core.deleteNamespacedPod({ name, namespace: this.ctx.namespace });
      timeline.mark(
        `deleted ${Math.min(names.length, s.deletePods.count ?? names.length)} ${s.deletePods.workload} pod(s)`,
      );
      return;
    }
    if (s.apply) {
      const index = Number(at.match(/\d+/)?.[0]);
      const objects = (this.loaded.applies.get(index) ?? []).map((m) =>
        labelled(m, 'applied', this.ctx.labels),
      );
      if (s.apply.refused !== undefined) return this.refusedApply(objects, s.apply.refused);
      const created = await createAll(this.run, this.ctx.namespace, objects);
      this.clusterScoped.push(...created.filter((m) => !m.metadata.namespace));
      return;
    }
    if (s.wait) return this.wait(s.wait, `${at}.wait`);
    if (s.mark !== undefined) return void timeline.mark(s.mark);
    if (s.assert) return this.assert(s.assert);
  }

  /** Each object's creation must be refused with a message matching the pattern; one that is created is a verdict. */
  private async refusedApply(objects: Manifest[], refused: string): Promise<void> {
    const pattern = new RegExp(refused);
    for (const m of objects) {
      const what = `create ${m.kind} ${this.ctx.namespace}/${m.metadata.name}`;
      const error = await createAll(this.run, this.ctx.namespace, [m]).then(
        (made) => {
          this.clusterScoped.push(...made.filter((x) => !x.metadata.namespace));
          return undefined;
        },
        // The readable message, and the body the server sent (a Status) in case the pattern is in there only.
        (e: { message?: string; body?: unknown }) => ({
          said: e.message ?? String(e),
          all: `${e.message ?? ''} ${String(e.body ?? '')}`,
        }),
      );
      if (error === undefined)
        throw new ClusterAssertionError({
          object: what,
          expected: `refused (/${refused}/)`,
          seen: 'created',
        });
      if (!pattern.test(error.all))
        throw new ClusterAssertionError({
          object: what,
          expected: `refused with /${refused}/`,
          seen: error.said,
        });
      this.scenario.timeline.mark(`${what} refused: ${error.said}`);
    }
  }

  private capabilityFaults(c: NonNullable<ScenarioStep['inject']>['capability'] & string): string[] {
    const r = resolveCapability(c, factsOf(this.run));
    if (!r.ok) throw new ConfigError(r.reason);
    if (r.faults.length === 0)
      throw new ConfigError(`${c}: a property of the cluster, not something to inject`);
    return r.faults;
  }

  private async wait(c: ScenarioCondition, at: string): Promise<void> {
    const boundMs = this.ms(c.within, `${at}.within`);
    const started = Date.now();
    const held = await waitForCondition(c, this.env, boundMs);
    const detail = typeof held === 'string' ? held : held.detail;
    const heldAt = typeof held === 'string' ? Date.now() : held.at;
    const from = c.since === undefined ? started : this.moments.get(c.since)!;
    const ms = heldAt - from;
    if (c.as) this.moments.set(c.as, heldAt);
    if (c.notBefore !== undefined) {
      const least = this.ms(c.notBefore, `${at}.notBefore`);
      if (ms < least)
        throw new ClusterAssertionError({
          object: at,
          expected: `the condition to hold no sooner than ${least} ms after ${c.since ?? 'the wait began'}`,
          seen: `held after ${ms} ms (${detail})`,
        });
    }
    if (c.mark)
      this.scenario.timeline.mark(
        c.mark
          .replaceAll('{ms}', String(ms))
          .replaceAll('{bound}', String(boundMs))
          .replaceAll('{sinceInject}', String(this.firstInjectAt ? Date.now() - this.firstInjectAt : 0))
          .replaceAll('{sinceRevert}', String(this.lastRevertAt ? Date.now() - this.lastRevertAt : 0))
          .replaceAll('{detail}', detail)
          .replaceAll('{target}', this.lastTargets())
          .replaceAll('{zone}', this.zones[0] ?? '-'),
      );
  }

  /** The targets of the last injection step, by name ("kwok-us-east-1a-0"). */
  private lastTargets(): string {
    return this.lastStepTargets.map(targetName).join(', ') || '-';
  }

  /** The nodes an injection (by its `as`) acts on, and the zones. */
  private targetOf(name: string): { nodes: string[]; zones: string[] } {
    const targets = this.held.filter((h) => h.as === name).map((h) => h.target);
    return {
      nodes: targets.flatMap((t) =>
        t.kind === 'node' ? [t.name] : t.kind === 'instance' && t.node ? [t.node] : [],
      ),
      zones: targets.flatMap((t) => (t.kind === 'zone' ? [t.name] : [])),
    };
  }

  /** Every node a fault still injected acts on: its node, or every node of its zone. */
  private async nodesUnderFault(): Promise<Set<string>> {
    const live = this.held.filter((h) => !h.reverted).map((h) => h.target);
    const zones = new Set(live.flatMap((t) => (t.kind === 'zone' ? [t.name] : [])));
    const nodes = new Set(
      live.flatMap((t) => (t.kind === 'node' ? [t.name] : t.kind === 'instance' && t.node ? [t.node] : [])),
    );
    if (zones.size > 0)
      for (const n of (await this.run.kube.core.listNode()).items)
        if (zones.has(n.metadata?.labels?.[zoneLabel] ?? '')) nodes.add(n.metadata!.name!);
    return nodes;
  }

  private async assert(a: { name: string; with?: Record<string, unknown> }): Promise<void> {
    const registered = registeredAssertions[a.name]!;
    await registered.judge(
      {
        timeline: this.scenario.timeline,
        apiSamples: this.apiSamples,
        load: () => this.loadResult(),
        moments: this.moments,
        ...(this.taints ? { taints: this.taints } : {}),
        ...(this.pods ? { pods: this.pods } : {}),
        ...(this.networkBefore
          ? { network: { before: this.networkBefore, now: () => readAwsNetwork(this.run) } }
          : {}),
        zone: (ref) => zoneOf(ref, this.zones),
        nodesInZone: async (zone) =>
          (await this.run.kube.core.listNode({ labelSelector: `${zoneLabel}=${zone}` })).items
            .map((n) => n.metadata!.name!)
            .sort(),
      },
      registered.params.parse(a.with ?? {}),
    );
  }

  private async loadResult(): Promise<ApiLoadResult | undefined> {
    return this.load ? await this.load.result : undefined;
  }

  private async revert(which: Held[]): Promise<void> {
    for (const h of [...which].reverse()) {
      if (h.reverted) continue;
      const started = Date.now();
      await this.scenario.revert(h.injection);
      h.reverted = true;
      this.scenario.timeline.mark(revertMark(h.injection, Date.now() - started));
    }
    if (which.length > 0) this.lastRevertAt = Date.now();
  }

  private async readLeaseHolders(): Promise<void> {
    const leases = this.run.kube.config.makeApiClient(CoordinationV1Api);
    for (const name of ['kube-controller-manager', 'kube-scheduler']) {
      const lease = await leases
        .readNamespacedLease({ name, namespace: 'kube-system' })
        .catch(() => undefined);
      this.holdersBefore.set(`kube-system/${name}`, lease?.spec?.holderIdentity);
    }
  }

  private async targets(
    kind: FaultTarget['kind'],
    backend: 'aws' | undefined,
    t: NonNullable<ScenarioStep['inject']>['target'],
    at: string,
  ): Promise<FaultTarget[]> {
    const ctx = this.scenario.ctx;
    if (t.hosting !== undefined && kind !== 'node')
      throw new ConfigError(`${at}.hosting: picks a node, and this fault acts on a ${kind}`);
    const hosting = t.hosting === undefined ? undefined : await this.nodeHosting(t.hosting, `${at}.hosting`);
    const s: TargetSelector = {
      ...(hosting ? { names: [hosting] } : t.names ? { names: t.names } : {}),
      ...(t.zone !== undefined ? { zone: zoneOf(t.zone, this.zones) } : {}),
      ...(t.role ? { role: t.role } : {}),
      ...(t.labels ? { labels: t.labels } : {}),
      ...(t.leader ? { leader: t.leader } : {}),
      ...(t.count !== undefined ? { count: t.count } : {}),
      ...(t.percent !== undefined ? { percent: t.percent } : {}),
    };
    if (kind === 'zone') return backend === 'aws' ? selectAwsZones(ctx, s) : selectZones(ctx, s);
    if (kind === 'node') return selectNodes(ctx, s);
    if (kind === 'component') return selectComponents(ctx, s);
    if (kind === 'instance') return selectInstances(ctx, s);
    return selectCluster(ctx);
  }

  /** The node running the fewest ready pods of the workload (at least one), by name on a tie. */
  private async nodeHosting(workload: string, at: string): Promise<string> {
    const pods = await this.run.kube.core.listNamespacedPod({
      namespace: this.ctx.namespace,
      labelSelector: `${workloadLabel}=${workload}`,
    });
    const perNode = new Map<string, number>();
    for (const p of pods.items) {
      const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      const node = p.spec?.nodeName;
      if (ready && node && !p.metadata?.deletionTimestamp) perNode.set(node, (perNode.get(node) ?? 0) + 1);
    }
    const [first] = [...perNode.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
    if (!first) throw new ConfigError(`${at}: no ready pod of ${workload} runs on any node`);
    return first[0];
  }

  private async deployments(workload: string): Promise<string[]> {
    const apps = this.run.kube.config.makeApiClient(AppsV1Api);
    const list = await apps.listNamespacedDeployment({
      namespace: this.ctx.namespace,
      labelSelector: `${workloadLabel}=${workload}`,
    });
    return list.items.map((d) => d.metadata!.name!);
  }

  private async rollout(workload: string, withinMs: number): Promise<void> {
    const apps = this.run.kube.config.makeApiClient(AppsV1Api);
    const namespace = this.ctx.namespace;
    const started = Date.now();
    for (const name of await this.deployments(workload)) {
      const updated = await readModifyWrite(
        () => apps.readNamespacedDeployment({ name, namespace }),
        (body) => apps.replaceNamespacedDeployment({ name, namespace, body }),
        (d) => {
          const t = d.spec!.template;
          t.metadata = {
            ...t.metadata,
            annotations: { ...t.metadata?.annotations, 'gauntlet.dev/restartedAt': new Date().toISOString() },
          };
        },
      );
      const { watchUntil } = await import('../../src/kube/watch-until.ts');
      const generation = updated.metadata?.generation ?? 0;
      await watchUntil(this.run.kube, {
        list: () => apps.listNamespacedDeployment({ namespace, fieldSelector: `metadata.name=${name}` }),
        path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
        query: { fieldSelector: `metadata.name=${name}` },
        done: ([d]: {
          status?: {
            observedGeneration?: number;
            updatedReplicas?: number;
            availableReplicas?: number;
            replicas?: number;
          };
          spec?: { replicas?: number };
        }[]) =>
          d &&
          (d.status?.observedGeneration ?? 0) >= generation &&
          (d.status?.updatedReplicas ?? 0) === (d.spec?.replicas ?? 1) &&
          (d.status?.availableReplicas ?? 0) === (d.spec?.replicas ?? 1) &&
          (d.status?.replicas ?? 0) === (d.spec?.replicas ?? 1),
        what: `Deployment ${namespace}/${name} rolled out`,
        timeoutMs: Math.max(1000, withinMs - (Date.now() - started)),
      });
    }
    this.scenario.timeline.mark(`${workload} rolled out in ${Date.now() - started} ms`);
  }

  private async selectedNodes(sel: NodeSelection): Promise<V1Node[]> {
    const nodes = await this.run.kube.core.listNode(sel.labels ? { labelSelector: sel.labels } : {});
    const env = {
      zone: (ref: ZoneRef) => zoneOf(ref, this.zones),
      targetOf: (n: string) => this.targetOf(n),
    };
    return nodes.items
      .filter((n) => selectsNode(n, sel, env))
      .sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!))
      .slice(0, sel.count ?? nodes.items.length);
  }

  private async setUnschedulable(sel: NodeSelection, value: boolean): Promise<V1Node[]> {
    const nodes = await this.selectedNodes(sel);
    if (nodes.length === 0)
      throw new ConfigError('cordon: the node selection selects nothing on this cluster');
    for (const n of nodes)
      await readModifyWrite(
        () => this.run.kube.core.readNode({ name: n.metadata!.name! }),
        (body) => this.run.kube.core.replaceNode({ name: n.metadata!.name!, body }),
        (o) => {
          o.spec = { ...o.spec, unschedulable: value };
        },
      );
    this.scenario.timeline.mark(
      `${value ? 'cordoned' : 'uncordoned'} ${nodes.map((n) => n.metadata?.name).join(', ')}`,
    );
    return nodes;
  }

  /** Cordons, evicts the scenario's pods from the nodes (PDBs respected by the API), waits until none is left there. */
  private async drain(sel: NodeSelection, withinMs: number): Promise<void> {
    const nodes = new Set((await this.setUnschedulable(sel, true)).map((n) => n.metadata!.name!));
    const namespace = this.ctx.namespace;
    const started = Date.now();
    const { watchUntil } = await import('../../src/kube/watch-until.ts');
    await watchUntil(this.run.kube, {
      list: () => this.run.kube.core.listNamespacedPod({ namespace }),
      path: `/api/v1/namespaces/${namespace}/pods`,
      done: (
        pods: { metadata?: { name?: string; deletionTimestamp?: Date }; spec?: { nodeName?: string } }[],
      ) => {
        const left = pods.filter((p) => nodes.has(p.spec?.nodeName ?? ''));
        for (const p of left.filter((x) => !x.metadata?.deletionTimestamp))
          void this.run.kube.core
            .createNamespacedPodEviction({
              name: p.metadata!.name!,
              namespace,
              body: { metadata: { name: p.metadata!.name!, namespace } },
            })
            .catch(() => undefined); // 429: the PDB says not yet; the next change retries
        return left.length === 0 || undefined;
      },
      what: `the scenario's pods gone from ${[...nodes].join(', ')}`,
      timeoutMs: withinMs,
    });
    this.scenario.timeline.mark(`drained ${[...nodes].join(', ')} in ${Date.now() - started} ms`);
  }

  /** Judges every expectation (after the steps, before anything is torn down); all failures in one verdict. */
  async judge(): Promise<void> {
    await this.prober?.stop();
    for (const w of this.endpointWatches) w.stop();
    const failures: string[] = [];
    for (const [i, e] of this.loaded.spec.expectations.entries()) {
      try {
        await this.expectation(e, `expectations[${i}]`);
      } catch (error) {
        if (!(error instanceof ClusterAssertionError) && (error as Error).name !== 'AssertionError')
          throw error;
        failures.push(`expectations[${i}]: ${(error as Error).message}`);
      }
    }
    if (failures.length > 0)
      throw new ClusterAssertionError({
        object: `scenario ${this.loaded.spec.metadata.name}`,
        expected: 'every expectation',
        message: `scenario ${this.loaded.spec.metadata.name}: ${failures.length} expectation(s) failed:\n  - ${failures.join('\n  - ')}`,
      });
  }

  private async expectation(e: ScenarioExpectation, at: string): Promise<void> {
    const fail = (object: string, expected: string, seen: string) =>
      new ClusterAssertionError({ object, expected, seen });
    if (e.monitor) {
      const m = e.monitor;
      const outcomes = this.scenario
        .monitorOutcomes()
        .filter((o) => m.check === 'all' || o.check === m.check);
      if (outcomes.length === 0)
        throw fail(`monitor ${m.check}`, 'a verdict on this cluster', 'it never judged');
      if (m.neverBreaks) {
        const broke = outcomes.filter((o) => o.breaks > 0);
        if (broke.length > 0)
          throw fail('conformance monitors', 'no break', broke.map(formatOutcome).join('; '));
      }
      const transitions = this.scenario.timeline.transitions;
      if (m.breaksWithin !== undefined) {
        const boundMs = this.ms(m.breaksWithin, `${at}.monitor.breaksWithin`);
        const from = this.firstInjectAt ?? Number.POSITIVE_INFINITY;
        for (const o of outcomes) {
          const first = transitions.find((t) => t.check === o.check && !t.ok && t.at >= from);
          if (!first || first.at - from > boundMs)
            throw fail(
              `monitor ${o.check}`,
              `broken within ${boundMs} ms of the first injection`,
              first ? `broken after ${first.at - from} ms` : 'never broken',
            );
        }
      }
      if (m.recoversWithin !== undefined) {
        const boundMs = this.ms(m.recoversWithin, `${at}.monitor.recoversWithin`);
        const from = this.lastRevertAt;
        if (from === undefined)
          throw fail(`monitor ${m.check}`, 'a revert to recover from', 'nothing was reverted');
        for (const o of outcomes) {
          const mine = transitions.filter((t) => t.check === o.check);
          const lastBad = mine.filter((t) => !t.ok).at(-1);
          if (!o.okAtEnd)
            throw fail(
              `monitor ${o.check}`,
              `healthy within ${boundMs} ms of the revert`,
              `still broken: ${o.lastDetail}`,
            );
          const okAfter = mine.find((t) => t.ok && lastBad && t.at >= lastBad.at);
          const recoveredMs = okAfter ? Math.max(0, okAfter.at - from) : 0;
          if (recoveredMs > boundMs)
            throw fail(
              `monitor ${o.check}`,
              `healthy within ${boundMs} ms of the revert`,
              `healthy after ${recoveredMs} ms`,
            );
        }
      }
      return;
    }
    if (e.prober) {
      const p = e.prober;
      const samples = this.apiSamples;
      const failed = samples.filter((s) => !s.ok).length;
      const outage = longestOutageMs(samples);
      this.scenario.timeline.mark(`downtime ${outage} ms`);
      if (p.minSamples !== undefined && samples.length < p.minSamples)
        throw fail('API prober', `at least ${p.minSamples} samples`, `${samples.length}`);
      if (p.availabilityAtLeast !== undefined && availability(samples) < p.availabilityAtLeast)
        throw fail(
          'API availability',
          `at least ${p.availabilityAtLeast}`,
          `${availability(samples)} (${failed} of ${samples.length} requests failed)`,
        );
      if (p.longestOutageAtLeast !== undefined) {
        const ms = this.ms(p.longestOutageAtLeast, `${at}.prober.longestOutageAtLeast`);
        if (outage < ms) throw fail('API downtime', `at least ${ms} ms`, `${outage} ms`);
      }
      if (p.longestOutageAtMost !== undefined) {
        const ms = this.ms(p.longestOutageAtMost, `${at}.prober.longestOutageAtMost`);
        if (outage > ms) throw fail('API downtime', `at most ${ms} ms`, `${outage} ms`);
      }
      return;
    }
    if (e.load) {
      const slo = await this.loadResult();
      const { formatSloTable } = await import('../../src/observe/load/slo-table.ts');
      if (slo?.verdict !== e.load.verdict)
        throw fail(
          'API SLOs',
          e.load.verdict,
          slo ? `${slo.verdict}\n${formatSloTable(slo).join('\n')}` : 'no load',
        );
      return;
    }
    if (e.serviceLoad) {
      const r = await this.serviceLoad!.result;
      if (r.verdict !== e.serviceLoad.verdict)
        throw fail(
          `service load (${r.from})`,
          e.serviceLoad.verdict,
          `${r.verdict}: ${r.failures.join(' | ') || `${r.requests} requests, success ${(r.successRatio * 100).toFixed(2)}%, p99 ${r.p99Ms.toFixed(1)} ms`}`,
        );
      return;
    }
    if (e.nothingLost) {
      const after = await this.snapshot();
      const want = new Set(e.nothingLost.of);
      const lost = Object.keys({ ...this.before, ...after })
        .filter((k) => want.has(k.split(' ')[0] as 'endpoints'))
        .filter((k) => this.before?.[k] !== after[k]);
      if (lost.length > 0)
        throw fail(
          'objects before and after',
          'the very same (counted and hashed)',
          lost.map((k) => `${k}: ${this.before?.[k] ?? 'absent'} -> ${after[k] ?? 'absent'}`).join('; '),
        );
      return;
    }
    if (e.holds) return this.wait(e.holds, `${at}.holds`);
    if (e.assert) return this.assert(e.assert);
    if (e.endpoints) {
      const { service, settle } = e.endpoints;
      const watch = this.endpointWatches.find((w) => w.service === service)!;
      const breaches = watch.breaches(this.ms(settle, `${at}.endpoints.settle`));
      if (breaches.length > 0)
        throw fail(
          `Service ${service}`,
          'never fewer ready endpoints than it had off the nodes under a fault',
          breaches.join('; '),
        );
    }
  }

  /** The scenario's, the monitors' and the named namespaces: each kind counted and hashed, and Service endpoints. */
  private async snapshot(): Promise<Record<string, string>> {
    const extra = this.loaded.spec.expectations.flatMap((e) => e.nothingLost?.namespaces ?? []);
    const namespaces = [...new Set([this.ctx.namespace, ...this.scenario.monitoredNamespaces, ...extra])];
    const { core } = this.run.kube;
    const apps = this.run.kube.config.makeApiClient(AppsV1Api);
    const discovery = this.run.kube.config.makeApiClient(DiscoveryV1Api);
    const out: Record<string, string> = {};
    const digest = (lines: string[]) =>
      `${lines.length} object(s), sha256 ${createHash('sha256').update(lines.sort().join('\n')).digest('hex').slice(0, 12)}`;
    for (const namespace of namespaces) {
      const [pods, services, deployments, configMaps, claims, slices] = await Promise.all([
        core.listNamespacedPod({ namespace }),
        core.listNamespacedService({ namespace }),
        apps.listNamespacedDeployment({ namespace }),
        core.listNamespacedConfigMap({ namespace }),
        core.listNamespacedPersistentVolumeClaim({ namespace }),
        discovery.listNamespacedEndpointSlice({ namespace }),
      ]);
      const ids = (items: KubernetesObject[]) => items.map((o) => `${o.metadata?.name} ${o.metadata?.uid}`);
      for (const [kind, items] of [
        ['pods', pods.items],
        ['services', services.items],
        ['deployments', deployments.items],
        ['configmaps', configMaps.items],
        ['persistentvolumeclaims', claims.items],
      ] as const)
        out[`objects ${namespace}/${kind}`] = digest(ids(items as KubernetesObject[]));
      const byService = new Map<string, string[]>();
      for (const slice of slices.items) {
        const service = slice.metadata?.labels?.['kubernetes.io/service-name'];
        if (!service) continue;
        const lines = byService.get(service) ?? [];
        byService.set(service, lines);
        for (const ep of slice.endpoints ?? [])
          lines.push(
            `${ep.targetRef?.name ?? '-'} ${ep.targetRef?.uid ?? '-'} ${ep.addresses.join(',')} ready=${ep.conditions?.ready}`,
          );
      }
      for (const [service, lines] of byService) out[`endpoints ${namespace}/${service}`] = digest(lines);
    }
    return out;
  }

  /** Stops the prober, reverts and saves (Scenario.finish), removes the workloads; safe after a failed step. */
  /**
   * Reverts, stops the monitors and loads, saves the timeline and attaches the report artifacts, once. The last
   * test calls it so that the chart and logs land on that test in the report, not on the suite's after() hook.
   */
  finish(): Promise<string> {
    this.finished ??= this.scenario.finish();
    return this.finished;
  }

  private stopObserving(): void {
    for (const w of this.endpointWatches) w.stop();
    this.taints?.stop();
    this.pods?.stop();
  }

  async close(): Promise<void> {
    await this.prober?.stop().catch(() => undefined);
    this.stopObserving();
    try {
      // A finish() already called by the last test reported its own failure there.
      if (!this.finished) await this.finish();
    } finally {
      await deleteAll(this.run, this.clusterScoped);
      await closeCheckContext(this.ctx).catch(() => undefined);
    }
  }
}

/** Waits for a Service's EndpointSlices to list this many ready endpoints. */
async function serviceListsPods(
  run: RunContext,
  namespace: string,
  service: string,
  ready: number,
  timeoutMs: number,
) {
  const { watchUntil } = await import('../../src/kube/watch-until.ts');
  const discovery = run.kube.config.makeApiClient(DiscoveryV1Api);
  const labelSelector = `kubernetes.io/service-name=${service}`;
  await watchUntil(run.kube, {
    list: () => discovery.listNamespacedEndpointSlice({ namespace, labelSelector }),
    path: `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`,
    query: { labelSelector },
    done: (slices: { endpoints?: { conditions?: { ready?: boolean } }[] }[]) =>
      slices.flatMap((x) => x.endpoints ?? []).filter((e) => e.conditions?.ready).length >= ready ||
      undefined,
    what: `Service ${namespace}/${service} listing ${ready} ready endpoints`,
    timeoutMs,
  });
}

function bound(value: Bound, values: BoundValues, field: string): number {
  try {
    return evaluateBound(value, values);
  } catch (error) {
    if (error instanceof BoundError) throw new ConfigError(`${field}: ${error.message}`);
    throw error;
  }
}

/** The cluster's zones, sorted: the embedded cluster's configured ones, else those its nodes are labelled with. */
async function clusterZones(run: RunContext): Promise<string[]> {
  if (run.cluster.local) return [...run.cluster.local.config.zones];
  const nodes = await run.kube.core.listNode();
  return [
    ...new Set(nodes.items.map((n) => n.metadata?.labels?.[zoneLabel]).filter((z): z is string => !!z)),
  ].sort();
}

function zoneOf(ref: ZoneRef, zones: string[]): string {
  if (typeof ref === 'string') return ref;
  const zone = zones[ref.index];
  if (!zone)
    throw new ConfigError(
      `zone index ${ref.index}: this cluster has ${zones.length} zone(s) (${zones.join(', ')})`,
    );
  return zone;
}

function conditionEnv(
  run: RunContext,
  ctx: CheckContext,
  zones: string[],
  holdersBefore: Map<string, string | undefined>,
  baselines: Map<string, Baseline>,
): ConditionEnv {
  return {
    kube: run.kube,
    cluster: run.cluster,
    namespace: ctx.namespace,
    zone: (ref) => zoneOf(ref, zones),
    holdersBefore,
    baselines,
    targetOf: () => ({ nodes: [], zones: [] }),
  };
}

/** A target by its own name: a node's, a zone's, a member's id. */
function targetName(t: FaultTarget): string {
  return t.kind === 'component' ? t.id : t.name;
}

/** The workloads an `unchanged` condition names, in steps or expectations. */
function unchangedWorkloads(spec: LoadedScenario['spec']): Set<string> {
  const conditions = [...spec.steps.map((s) => s.wait), ...spec.expectations.map((e) => e.holds)];
  return new Set(conditions.flatMap((c) => (c?.unchanged ? [c.unchanged.workload] : [])));
}

/** What decides the mechanisms: the embedded cluster's config, and the config's aws section. */
export function factsOf(run: Pick<RunContext, 'cluster' | 'config'>) {
  return {
    ...(run.cluster.local ? { embedded: run.cluster.local.config } : {}),
    ...(run.config.aws ? { aws: run.config.aws } : {}),
  };
}

async function createAll(run: RunContext, namespace: string, objects: Manifest[]): Promise<Manifest[]> {
  const api = KubernetesObjectApi.makeApiClient(run.kube.config);
  const created: Manifest[] = [];
  for (const m of objects) {
    const body = { ...m, metadata: { ...m.metadata } } as Manifest;
    if (!clusterScopedKinds.has(m.kind)) body.metadata.namespace = namespace;
    else delete body.metadata.namespace;
    await api.create(body as KubernetesObject);
    created.push(body);
  }
  return created;
}

/** Kinds a manifest may name that live outside any namespace (created as they are, deleted at the end). */
const clusterScopedKinds = new Set([
  'PersistentVolume',
  'StorageClass',
  'ClusterRole',
  'ClusterRoleBinding',
  'PriorityClass',
  'Namespace',
  'CustomResourceDefinition',
]);

async function deleteAll(run: RunContext, objects: Manifest[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(run.kube.config);
  for (const m of objects) await api.delete(m as KubernetesObject).catch(() => undefined);
}
