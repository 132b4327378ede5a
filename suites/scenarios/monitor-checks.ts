import type { Check } from '../../checks/check.ts';
import { replacedPods } from '../../checks/self-healing/replaced-pods.ts';
import { statefulSetIdentity } from '../../checks/self-healing/statefulset-identity.ts';
import { clusterIpCheck } from '../../checks/service-discovery/cluster-ip.ts';
import { dnsHeadlessRecordsCheck } from '../../checks/service-discovery/dns-headless-records.ts';
import { dnsServiceRecordsCheck } from '../../checks/service-discovery/dns-service-records.ts';
import { endpointSlicesCheck } from '../../checks/service-discovery/endpoint-slices.ts';
import { scenarioMonitors } from '../chaos/scenario-monitors.ts';

/** The conformance checks a scenario file may name under monitors.checks; "default" is the usual three. */
export const monitorChecks: Record<string, Check> = Object.fromEntries(
  [
    endpointSlicesCheck,
    dnsServiceRecordsCheck,
    replacedPods,
    dnsHeadlessRecordsCheck,
    clusterIpCheck,
    statefulSetIdentity,
  ].map((c) => [c.name, c]),
);

/** The checks behind monitors.checks, "default" expanded, each once. */
export function monitorsNamed(names: string[]): Check[] {
  const checks = names.flatMap((n) => (n === 'default' ? scenarioMonitors : [monitorChecks[n]!]));
  return [...new Set(checks)];
}

export const monitorNameList = () => ['default', ...Object.keys(monitorChecks)];
