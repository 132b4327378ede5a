import { z } from 'zod';

/**
 * A scenario as data (apiVersion gauntlet.dev/v1alpha1, kind Scenario): what it needs of the cluster, the
 * workloads it brings, what watches, the steps and what must hold. Strict everywhere: an unknown field is an
 * error naming its path. Cross-field rules (a step naming a workload, a fault of the registry, a bound's names)
 * are checked where the registries live (suites/scenarios/load-scenario.ts). docs/scenario.schema.json is
 * generated from this schema (`gauntlet scenario schema`).
 */

/** What a scenario may require of a cluster; each resolves to a mechanism per cluster, or a reason it has none. */
export const capabilityNames = [
  'zone-loss',
  'node-loss',
  'runtime-hang',
  'control-plane-kill',
  'etcd-pressure',
  'ha-control-plane',
  'real-nodes',
  'service-traffic',
  'component-logs',
  /** The config's aws section: the cluster's instances, subnets and network ACLs reachable in EC2. */
  'aws',
] as const;
export type Capability = (typeof capabilityNames)[number];

/** Seconds, or a duration / expression string over the cluster's timings ("grace + 5s"). */
const bound = z
  .union([z.number().min(0), z.string().min(1)])
  .describe('seconds, a duration such as 90s, or an expression such as "grace + monitorPeriod + 5s"');

const name = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/, 'expected a name of a-z, 0-9 and - (at most 40)');

/** A zone by name, or by its place in the cluster's sorted zones ({index: 0} is the first). */
export const zoneRef = z.union([z.string().min(1), z.strictObject({ index: z.number().int().min(0) })]);

const manifest = z.record(z.string(), z.unknown());

const exactlyOne =
  (keys: readonly string[], what: string) => (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const present = keys.filter((k) => value[k] !== undefined);
    if (present.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `expected exactly one ${what} (${keys.join(', ')}), got ${present.length === 0 ? 'none' : present.join(', ')}`,
      });
  };

export const workloadFixtureNames = ['zone-spread', 'zonal-volume'] as const;

const workloadKeys = ['fixture', 'manifest', 'file'] as const;
const workload = z
  .strictObject({
    name,
    /** A named fixture: zone-spread (Deployment + Service + PDB spread over zones), zonal-volume (a pod bound to a zone's volume). */
    fixture: z.enum(workloadFixtureNames).optional(),
    /** Inline manifests, created in the scenario's namespace. */
    manifest: z.union([manifest, z.array(manifest).min(1)]).optional(),
    /** A YAML file of manifests, relative to the scenario file. */
    file: z.string().min(1).optional(),
    /** zone-spread: pods. */
    replicas: z.number().int().min(0).max(500).optional(),
    /** zone-spread, zonal-volume: how long pods tolerate an unreachable / not-ready node (default: the cluster's). */
    evictAfterSeconds: z.number().int().min(0).max(3600).optional(),
    /** zonal-volume: the zone its volume lives in. */
    zone: zoneRef.optional(),
    /** How long the workload may take to be ready before the scenario starts (default 60 s). */
    readyWithin: bound.optional(),
  })
  .superRefine(exactlyOne(workloadKeys, 'source'));

const targetSelection = z.strictObject({
  names: z.array(z.string().min(1)).min(1).optional(),
  zone: zoneRef.optional(),
  role: z.string().min(1).optional(),
  labels: z.string().min(1).optional(),
  leader: z.boolean().optional(),
  count: z.number().int().min(1).optional(),
  percent: z.number().int().min(1).max(100).optional(),
  /** Node faults: the node running the fewest ready pods of this workload (at least one; by name on a tie). */
  hosting: name.optional(),
});

const nodeSelection = z.strictObject({
  names: z.array(z.string().min(1)).min(1).optional(),
  zone: zoneRef.optional(),
  outsideZone: zoneRef.optional(),
  labels: z.string().min(1).optional(),
  count: z.number().int().min(1).optional(),
  /** The nodes an earlier injection (by its `as`) acts on: its node, or the nodes of its zone. */
  targetOf: name.optional(),
});

const inject = z
  .strictObject({
    /** A fault of the registry (gauntlet fault list), used as is. */
    fault: z.string().min(1).optional(),
    /** A capability (listed in requires): the fault this cluster offers for it. */
    capability: z.enum(capabilityNames).optional(),
    target: targetSelection.prefault({}),
    spec: z.record(z.string(), z.unknown()).optional(),
    /** Held this long, then reverted; without it the fault holds until a revert or converge step. */
    for: bound.optional(),
    /** The ledger's bound on the injection (default 10 min). */
    maxDuration: bound.optional(),
    /** For a later `revert: <as>`. */
    as: name.optional(),
  })
  .superRefine(exactlyOne(['fault', 'capability'], 'of fault, capability'));

/** Conditions a wait step (or an expectation) waits for, each within its bound. */
const conditionKinds = [
  'nodes',
  'taint',
  'pods',
  'unschedulable',
  'noTerminatingPods',
  'apiReady',
  'leaseMoved',
  'unchanged',
  'leaseRenewed',
  'logged',
  'leaderElected',
] as const;
const condition = z
  .strictObject({
    within: bound,
    /** Every selected node's Ready condition has this status (and reason, and a message matching the pattern). */
    nodes: z
      .strictObject({
        ...nodeSelection.shape,
        ready: z.enum(['True', 'False', 'Unknown']),
        reason: z.string().min(1).optional(),
        message: z.string().min(1).optional(),
      })
      .optional(),
    /** At least atLeast nodes carry the taint, and (with onlyInZone) none outside that zone. */
    taint: z
      .strictObject({
        key: z.string().min(1),
        effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
        atLeast: z.number().int().min(0).default(1),
        onlyInZone: zoneRef.optional(),
      })
      .optional(),
    /**
     * At least `ready` pods of the workload are Ready and not terminating (outside a zone, off some nodes, if
     * given); with exactly, the workload has no other pod (none Pending, none Terminating).
     */
    pods: z
      .strictObject({
        workload: name,
        ready: z.number().int().min(0),
        outsideZone: zoneRef.optional(),
        notOn: nodeSelection.optional(),
        exactly: z.literal(true).optional(),
      })
      .optional(),
    /** A pod of the workload is Pending, unschedulable with a message matching this pattern: an expected outcome. */
    unschedulable: z
      .strictObject({ workload: name, message: z.string().min(1), because: z.string().min(1).optional() })
      .optional(),
    /** No pod of the scenario's workloads is left Terminating. */
    noTerminatingPods: z.literal(true).optional(),
    /** The API (or one embedded apiserver member) answers /readyz. */
    apiReady: z.strictObject({ member: z.string().min(1).optional() }).optional(),
    /** A leader-election Lease changes holder (from the holder when the scenario injected its first fault). */
    leaseMoved: z
      .strictObject({ name: z.string().min(1), namespace: z.string().min(1).default('kube-system') })
      .optional(),
    /**
     * The workload's objects are the very ones the scenario started with: as many, each with its uid and content
     * (data, or spec), read through the API (so it also says reads work).
     */
    unchanged: z.strictObject({ workload: name }).optional(),
    /** Every selected node's Lease (kube-node-lease) is renewed after the last injection: its kubelet is alive. */
    leaseRenewed: nodeSelection.optional(),
    /**
     * A control-plane component logged a line containing the message since the first injection (requires
     * component-logs); the moment (`as`) is the line's own time.
     */
    logged: z.strictObject({ component: z.string().min(1), message: z.string().min(1) }).optional(),
    /** A member of the embedded control plane's leader-elected component reports itself leader (its metrics). */
    leaderElected: z.strictObject({ role: z.enum(['kube-controller-manager', 'kube-scheduler']) }).optional(),
    /** Names the moment the condition held, for a later `since`. */
    as: name.optional(),
    /** The moment {ms} and notBefore count from: an earlier condition's or injection's `as` (default: the wait's start). */
    since: name.optional(),
    /** The condition must not hold sooner than this after `since`: a lower bound (a toleration respected). */
    notBefore: bound.optional(),
    /** Put on the timeline when the condition holds; "{ms}" is how long it took. */
    mark: z.string().min(1).optional(),
  })
  .superRefine(exactlyOne(conditionKinds, 'condition'));

const stepKeys = [
  'inject',
  'revert',
  'hold',
  'converge',
  'scale',
  'rollout',
  'cordon',
  'uncordon',
  'drain',
  'deletePods',
  'apply',
  'wait',
  'mark',
  'assert',
] as const;
const assertion = z.strictObject({
  name: z.string().min(1),
  with: z.record(z.string(), z.unknown()).optional(),
});
const step = z
  .strictObject({
    /** Starts a new test (a JUnit test case) with this title; the steps up to the next titled one belong to it. */
    test: z.string().min(1).optional(),
    inject: inject.optional(),
    /** One injection (by its `as`), or all of them. */
    revert: z.union([z.literal('all'), name]).optional(),
    /** Waits this long on purpose: a fault's duration, chosen, not a wait for anything. */
    hold: bound.optional(),
    /** Reverts every fault, then waits for every monitor to be healthy again within the bound. */
    converge: z.strictObject({ within: bound }).optional(),
    scale: z.strictObject({ workload: name, replicas: z.number().int().min(0), within: bound }).optional(),
    /** Restarts the workload's Deployments and waits for the rollout to complete. */
    rollout: z.strictObject({ workload: name, within: bound }).optional(),
    cordon: nodeSelection.optional(),
    uncordon: nodeSelection.optional(),
    /** Cordons the nodes and evicts their pods of the scenario's workloads, waiting for them to be gone. */
    drain: z.strictObject({ nodes: nodeSelection, within: bound }).optional(),
    deletePods: z.strictObject({ workload: name, count: z.number().int().min(1).optional() }).optional(),
    apply: z
      .strictObject({
        manifest: z.union([manifest, z.array(manifest).min(1)]).optional(),
        file: z.string().min(1).optional(),
        /** The API must refuse the creation with a message matching this pattern (nothing is created). */
        refused: z.string().min(1).optional(),
      })
      .superRefine(exactlyOne(['manifest', 'file'], 'source'))
      .optional(),
    wait: condition.optional(),
    mark: z.string().min(1).optional(),
    /** A registered assertion written in TypeScript (the escape hatch), judged at this point. */
    assert: assertion.optional(),
  })
  .superRefine(exactlyOne(stepKeys, 'action'));

/** Workload traffic through a Service while the steps run: its timeline series is "service". */
const serviceLoad = z.strictObject({
  service: name,
  /** inside: a vegeta Job on nodes that run containers, through the VIP and kube-proxy; outside: a port-forward. */
  from: z.enum(['inside', 'outside']).default('inside'),
  perSecond: z.number().int().min(1).max(1000).default(20),
  durationSeconds: z.number().int().min(1).max(3600).default(60),
  /** The Service port by name or number (default: its first). */
  port: z.union([z.string().min(1), z.number().int().min(1)]).optional(),
  path: z.string().regex(/^\//, 'expected a path starting with /').default('/'),
  /** The SLO: at least this share of requests answered 2xx/3xx, and p99 at most this (ms). */
  minSuccessRatio: z.number().min(0).max(1).default(0.99),
  maxP99Ms: z.number().min(1).default(1000),
  /** inside: an image with vegeta and sh (default: the real nodes' toolbox, on the embedded cluster). */
  image: z.string().min(1).optional(),
});

const expectationKeys = [
  'monitor',
  'prober',
  'load',
  'serviceLoad',
  'nothingLost',
  'holds',
  'assert',
  'endpoints',
] as const;
const expectation = z
  .strictObject({
    /** One monitor by check name, or "all" of the declared ones. */
    monitor: z
      .strictObject({
        check: z.string().min(1),
        neverBreaks: z.literal(true).optional(),
        /** Broken within this bound of the first injection. */
        breaksWithin: bound.optional(),
        /** Healthy within this bound of the last revert. */
        recoversWithin: bound.optional(),
      })
      .superRefine(exactlyOne(['neverBreaks', 'breaksWithin', 'recoversWithin'], 'of'))
      .optional(),
    /** The API prober's samples (monitors.apiProber). */
    prober: z
      .strictObject({
        minSamples: z.number().int().min(0).optional(),
        availabilityAtLeast: z.number().min(0).max(1).optional(),
        longestOutageAtLeast: bound.optional(),
        longestOutageAtMost: bound.optional(),
      })
      .optional(),
    /** The API load's verdict (monitors.load). */
    load: z.strictObject({ verdict: z.enum(['passed', 'slo-failed']) }).optional(),
    /** The service load's verdict against its SLO (monitors.serviceLoad). */
    serviceLoad: z.strictObject({ verdict: z.enum(['passed', 'slo-failed']) }).optional(),
    /** Objects in the scenario's and the monitors' namespaces counted and hashed before the first step and after the last. */
    nothingLost: z
      .strictObject({
        of: z.array(z.enum(['endpoints', 'objects'])).min(1),
        /** More namespaces to include (e.g. default, for the kubernetes Service). */
        namespaces: z.array(z.string().min(1)).default([]),
      })
      .optional(),
    /** A condition that must hold (within its bound) after the last step. */
    holds: condition.optional(),
    assert: assertion.optional(),
    /**
     * A watched Service (monitors.services) never had fewer ready endpoints than it had off the nodes under a fault
     * (counted when each fault began; before the first, all it had). Counts shorter-lived than `settle` are the
     * EndpointSlice controller mid-update (one slice rewritten), not an outage.
     */
    endpoints: z
      .strictObject({ service: name, neverBelowUnaffected: z.literal(true), settle: bound.default('500ms') })
      .optional(),
  })
  .superRefine(exactlyOne(expectationKeys, 'expectation'));

export const scenarioFileSchema = z.strictObject({
  apiVersion: z.literal('gauntlet.dev/v1alpha1'),
  kind: z.literal('Scenario'),
  metadata: z.strictObject({
    /** Names the timeline (<run dir>/timelines/<name>.json) and the scenario's namespace. */
    name,
    /** The test suite's title in reports (default: the name). */
    title: z.string().min(1).optional(),
    description: z.string().min(1).optional(),
    tags: z.array(z.string().min(1)).default([]),
    /** The library runs it after the others: it leaves the cluster in a state that would skew a scenario after it. */
    runsLast: z.boolean().default(false),
    /** Where the failure it reproduces was told. */
    sources: z.array(z.strictObject({ url: z.url(), title: z.string().min(1).optional() })).default([]),
  }),
  requires: z.array(z.enum(capabilityNames)).default([]),
  /** Capabilities the cluster must NOT have (a single-apiserver scenario excludes ha-control-plane). */
  excludes: z.array(z.enum(capabilityNames)).default([]),
  workloads: z.array(workload).default([]),
  monitors: z
    .strictObject({
      /** Conformance checks whose monitors watch throughout (by name; "default" is the usual three). */
      checks: z.array(z.string().min(1)).default([]),
      /** The API prober (10 GET/s through the endpoint) as the timeline's "api" series. */
      apiProber: z.boolean().default(false),
      /** An open-model API load with SLO bounds (a load definition; {} takes every default). */
      load: z.record(z.string(), z.unknown()).optional(),
      /** Services of the workloads whose ready endpoints are watched: each change a transition "<name>-endpoints". */
      services: z.array(name).default([]),
      /** vegeta at a fixed rate against a Service of the workloads, from the scenario's start (needs service-traffic). */
      serviceLoad: serviceLoad.optional(),
    })
    .prefault({}),
  steps: z.array(step).min(1),
  expectations: z.array(expectation).default([]),
});

export type ScenarioFile = z.output<typeof scenarioFileSchema>;
export type ScenarioStep = ScenarioFile['steps'][number];
export type ScenarioExpectation = ScenarioFile['expectations'][number];
export type ScenarioCondition = NonNullable<ScenarioStep['wait']>;
export type ServiceLoadMonitor = z.output<typeof serviceLoad>;
export type ScenarioWorkload = ScenarioFile['workloads'][number];
export type ZoneRef = z.output<typeof zoneRef>;
export type NodeSelection = z.output<typeof nodeSelection>;
export type TargetSelection = z.output<typeof targetSelection>;
export type Bound = z.output<typeof bound>;
