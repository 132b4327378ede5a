import { zoneLabel } from '../../src/kube/describe.ts';
import type { ScenarioWorkload } from '../../src/model/scenario-file.ts';
import type { Manifest } from './load-scenario.ts';

/** Every object of a workload carries it, pod templates too: how steps and waits find the workload's pods. */
export const workloadLabel = 'gauntlet.dev/workload';

const pause = { name: 'app', image: 'registry.k8s.io/pause:3.10' };

export interface FixtureInputs {
  namespace: string;
  labels: Record<string, string>;
  runId: string;
  /** The zone a zonal-volume fixture binds to, resolved from the file's zone reference. */
  zone?: string;
}

/** Tolerations that make pods leave an unreachable or not-ready node after this many seconds. */
const evictAfter = (seconds: number | undefined) =>
  seconds === undefined
    ? []
    : ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'].map((key) => ({
        key,
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: seconds,
      }));

function deployment(w: ScenarioWorkload, o: FixtureInputs, replicas: number, volume?: string): Manifest {
  const labels = { ...o.labels, [workloadLabel]: w.name, app: w.name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: w.name, namespace: o.namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: { [workloadLabel]: w.name } },
      template: {
        metadata: { labels },
        spec: {
          containers: [volume ? { ...pause, volumeMounts: [{ name: 'data', mountPath: '/data' }] } : pause],
          volumes: volume ? [{ name: 'data', persistentVolumeClaim: { claimName: volume } }] : [],
          tolerations: evictAfter(w.evictAfterSeconds),
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: zoneLabel,
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { [workloadLabel]: w.name } },
            },
          ],
        },
      },
    },
  };
}

/**
 * The named fixtures: zone-spread is a Deployment spread over the zones with a Service and a PodDisruptionBudget
 * (one pod down at a time); zonal-volume is one pod whose volume lives in one zone (as an EBS volume does), so it
 * cannot follow its zone away.
 */
export function fixtureManifests(w: ScenarioWorkload, o: FixtureInputs): Manifest[] {
  const labels = { ...o.labels, [workloadLabel]: w.name };
  if (w.fixture === 'zone-spread') {
    const replicas = w.replicas ?? 3;
    return [
      deployment(w, o, replicas),
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: w.name, namespace: o.namespace, labels },
        spec: { selector: { [workloadLabel]: w.name }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
      },
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: w.name, namespace: o.namespace, labels },
        spec: { maxUnavailable: 1, selector: { matchLabels: { [workloadLabel]: w.name } } },
      },
    ];
  }
  // zonal-volume: a PersistentVolume pinned to the zone, its claim, and one pod using it.
  const pv = `gauntlet-${w.name}-${o.runId}`.slice(0, 63);
  return [
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pv, labels },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'gauntlet-zonal',
        persistentVolumeReclaimPolicy: 'Retain',
        hostPath: { path: `/tmp/${pv}` },
        claimRef: { namespace: o.namespace, name: w.name },
        nodeAffinity: {
          required: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: zoneLabel, operator: 'In', values: [o.zone] }] }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: w.name, namespace: o.namespace, labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'gauntlet-zonal',
        volumeName: pv,
        resources: { requests: { storage: '1Gi' } },
      },
    },
    deployment(w, o, 1, w.name),
  ];
}

/** Pods a workload's manifests ask for: the replicas of its Deployments and StatefulSets, and its bare Pods. */
export function desiredPods(manifests: Manifest[]): number {
  let n = 0;
  for (const m of manifests) {
    if (m.kind === 'Pod') n += 1;
    if (m.kind === 'Deployment' || m.kind === 'StatefulSet')
      n += ((m.spec as { replicas?: number } | undefined)?.replicas ?? 1) as number;
  }
  return n;
}

/** The workload label on the object and on its pod template, so the workload's pods can be found. */
export function labelled(m: Manifest, workload: string, labels: Record<string, string>): Manifest {
  const copy = structuredClone(m);
  copy.metadata.labels = {
    ...(copy.metadata.labels as object | undefined),
    ...labels,
    [workloadLabel]: workload,
  };
  const template = (
    copy.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined
  )?.template;
  if (template)
    template.metadata = {
      ...template.metadata,
      labels: { ...template.metadata?.labels, [workloadLabel]: workload },
    };
  return copy;
}
