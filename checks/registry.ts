import type { Check } from './check.ts';
import { progressDeadline } from './rollouts/progress-deadline.ts';
import { proportionalScaling } from './rollouts/proportional-scaling.ts';
import { recreate } from './rollouts/recreate.ts';
import { rollback } from './rollouts/rollback.ts';
import { rollingUpdate } from './rollouts/rolling-update.ts';
import { rollover } from './rollouts/rollover.ts';
import { jobCompletion } from './self-healing/job-completion.ts';
import { namespaceDeletion } from './self-healing/namespace-deletion.ts';
import { nodeLoss } from './self-healing/node-loss.ts';
import { replacedPods } from './self-healing/replaced-pods.ts';
import { statefulSetIdentity } from './self-healing/statefulset-identity.ts';
import { clusterIpCheck } from './service-discovery/cluster-ip.ts';
import { dnsHeadlessRecordsCheck } from './service-discovery/dns-headless-records.ts';
import { dnsServiceRecordsCheck } from './service-discovery/dns-service-records.ts';
import { endpointSlicesCheck } from './service-discovery/endpoint-slices.ts';
import { headlessServiceCheck } from './service-discovery/headless-service.ts';
import { namedPortsCheck } from './service-discovery/named-ports.ts';
import { serviceEnvironmentCheck } from './service-discovery/service-environment.ts';
import { dynamicProvisioning } from './storage/dynamic-provisioning.ts';
import { reclaimPolicy } from './storage/reclaim-policy.ts';
import { staticBinding } from './storage/static-binding.ts';
import { waitForFirstConsumer } from './storage/wait-for-first-consumer.ts';
import { zoneConflict } from './storage/zone-conflict.ts';

/** Every conformance check, by suite, in the order the conformance suites run them. */
export const conformanceChecks: readonly Check[] = [
  rollingUpdate,
  rollover,
  proportionalScaling,
  recreate,
  rollback,
  progressDeadline,
  replacedPods,
  statefulSetIdentity,
  jobCompletion,
  namespaceDeletion,
  nodeLoss,
  clusterIpCheck,
  endpointSlicesCheck,
  headlessServiceCheck,
  namedPortsCheck,
  dnsServiceRecordsCheck,
  dnsHeadlessRecordsCheck,
  serviceEnvironmentCheck,
  staticBinding,
  waitForFirstConsumer,
  zoneConflict,
  reclaimPolicy,
  dynamicProvisioning,
];
