import { z } from 'zod';

/** The components of the embedded cluster; each can get extra flags, and some can be switched off. */
export const localComponentNames = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'coredns',
] as const;
export type LocalComponentName = (typeof localComponentNames)[number];

const clusterName = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/,
    'expected a DNS label of at most 40 characters (a-z, 0-9, -)',
  );

const port = z.number().int().min(0).max(65535);
const seconds = z.number().int().min(1).max(3600);

const component = z.strictObject({
  enabled: z.boolean().default(true),
  extraArgs: z
    .array(z.string().regex(/^--[a-zA-Z0-9-]+(=.*)?$/, 'expected a flag such as --v=2'))
    .default([]),
});

/** Timings tuned so a lost node is noticed in seconds, yet keeping the real controllers' ordering. */
const timings = z.strictObject({
  nodeLeaseDurationSeconds: seconds.default(10),
  nodeMonitorPeriodSeconds: seconds.default(2),
  nodeMonitorGracePeriodSeconds: seconds.default(20),
  notReadyTolerationSeconds: z.number().int().min(0).max(3600).default(30),
  unreachableTolerationSeconds: z.number().int().min(0).max(3600).default(30),
  leaderElectionLeaseSeconds: seconds.default(15),
  /**
   * Real nodes' kubelet runtimeRequestTimeout: a hung container runtime turns the node NotReady
   * ("container runtime is down") about 30 s + this after the hang, not at once.
   */
  runtimeRequestTimeoutSeconds: seconds.default(15),
});

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const domain = z
  .string()
  .refine(
    (d) => d.split('.').every((label) => dnsLabel.test(label)),
    'expected a DNS domain such as cluster.local',
  );

/** The cluster's DNS: the domain pods are told to use, and what the embedded CoreDNS serves. */
const dns = z.strictObject({
  /** The cluster domain (kubelet's --cluster-domain); checks expect <svc>.<ns>.svc.<clusterDomain>. */
  clusterDomain: domain.default('cluster.local'),
  /**
   * The zone CoreDNS's Corefile serves; defaults to clusterDomain. Differs only to break the cluster on
   * purpose, as a Corefile edited out of step with the kubelets does.
   */
  servedDomain: domain.optional(),
});

export const localClusterConfigSchema = z
  .strictObject({
    ha: z.boolean().default(false),
    region: z.string().min(1).default('us-east-1'),
    zones: z
      .array(z.string().min(1))
      .min(1, 'expected at least one zone')
      .default(['us-east-1a', 'us-east-1b', 'us-east-1c']),
    nodesPerZone: z.number().int().min(1, 'expected at least 1 node per zone').max(2000).default(3),
    /**
     * Real nodes (a kubelet and containerd in a namespace sandbox each) beside the simulated ones, spread
     * round the zones. 0 (the default) runs simulated nodes only.
     */
    realNodes: z.number().int().min(0).max(16).default(0),
    apiServerPort: port.default(0),
    /**
     * etcd's backend quota; the etcd-pressure fault fills toward it. 256 MiB (etcd's default is 2 GiB) so that
     * "etcd out of space" is reached in seconds; ample for a 1000-node cluster's objects and Lease churn between
     * the apiserver's 5-minute compactions. Raise it for long runs of large clusters.
     */
    etcdQuotaBackendBytes: z
      .number()
      .int()
      .min(16 * 1024 * 1024)
      .default(256 * 1024 * 1024),
    timings: timings.prefault({}),
    dns: dns.prefault({}),
    components: z
      .strictObject({
        etcd: component.prefault({}),
        'kube-apiserver': component.prefault({}),
        'kube-controller-manager': component.prefault({}),
        'kube-scheduler': component.prefault({}),
        kwok: component.prefault({}),
        /** Go flags: --dns.port style (Go's flag package takes one or two dashes). */
        coredns: component.prefault({}),
      })
      .prefault({}),
  })
  .refine((l) => new Set(l.zones).size === l.zones.length, {
    message: 'zones must be unique',
    path: ['zones'],
  })
  .refine((l) => l.components.etcd.enabled && l.components['kube-apiserver'].enabled, {
    message: 'etcd and kube-apiserver cannot be disabled',
    path: ['components'],
  });

const existing = z.strictObject({
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
});

const toolPaths = z.strictObject({
  etcd: z.string().optional(),
  etcdctl: z.string().optional(),
  'kube-apiserver': z.string().optional(),
  'kube-controller-manager': z.string().optional(),
  'kube-scheduler': z.string().optional(),
  kwok: z.string().optional(),
  kwokctl: z.string().optional(),
  coredns: z.string().optional(),
  vegeta: z.string().optional(),
});

/** The AWS backend: which account, region and cluster its faults may act on (see README, AWS backend). */
const aws = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as us-east-1'),
  accountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id'),
  /** The name the provisioner tagged the cluster's resources with (kops: the cluster's DNS name). */
  clusterName: z.string().min(1),
  /** A hint; discovery reads the tags anyway. eksctl means a managed (EKS) control plane. */
  provisioner: z.enum(['kops', 'eksctl', 'kube-aws', 'capi', 'kubeadm']).optional(),
  /** An EC2-compatible endpoint (an emulator); AWS_ENDPOINT_URL_EC2 and friends work as well. */
  endpoint: z.url().optional(),
});

/** Destructive faults need both: the kubeconfig context allowed here, and the owner's marker on the cluster. */
const safety = z.strictObject({
  allowedContexts: z.array(z.string().min(1)).default([]),
  marker: z
    .strictObject({
      namespace: z.string().min(1).default('kube-system'),
      name: z.string().min(1).default('gauntlet-allow-destructive'),
    })
    .prefault({}),
});

export const configSchema = z.strictObject({
  apiVersion: z.literal('gauntlet.dev/v1alpha1'),
  kind: z.literal('GauntletConfig'),
  cluster: z
    .strictObject({
      name: clusterName.default('gauntlet'),
      provisioner: z.enum(['local', 'existing']).default('local'),
      local: localClusterConfigSchema.prefault({}),
      existing: existing.prefault({}),
      /** Leave the cluster running after `gauntlet run` (it is always kept when it was not started by the run). */
      keep: z.boolean().default(false),
    })
    .prefault({}),
  tools: z
    .strictObject({
      paths: toolPaths.prefault({}),
      mirror: z.url().optional(),
      download: z.boolean().default(true),
      build: z.boolean().default(true),
    })
    .prefault({}),
  checks: z
    .strictObject({
      /** Probe pods on existing clusters: DNS lookups and service environment (needs dig, env, sleep). */
      probeImage: z.string().min(1).default('registry.k8s.io/e2e-test-images/jessie-dnsutils:1.7'),
      /** The cluster domain of an existing cluster (the embedded one knows its own). */
      clusterDomain: z.string().min(1).default('cluster.local'),
    })
    .prefault({}),
  run: z
    .strictObject({
      suites: z
        .array(z.enum(['smoke', 'conformance', 'chaos']))
        .min(1)
        // The main job: basics, then every conformance check, then the chaos scenarios.
        .default(['smoke', 'conformance', 'chaos']),
      out: z.string().min(1).default('reports/out'),
    })
    .prefault({}),
  aws: aws.optional(),
  safety: safety.prefault({}),
});

export type GauntletConfig = z.output<typeof configSchema>;
export type LocalClusterConfig = GauntletConfig['cluster']['local'];
export type ClusterTimings = LocalClusterConfig['timings'];
export type AwsConfig = NonNullable<GauntletConfig['aws']>;
export type SafetyConfig = GauntletConfig['safety'];
