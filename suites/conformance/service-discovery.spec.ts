import { clusterIpCheck } from '../../checks/service-discovery/cluster-ip.ts';
import { dnsHeadlessRecordsCheck } from '../../checks/service-discovery/dns-headless-records.ts';
import { dnsServiceRecordsCheck } from '../../checks/service-discovery/dns-service-records.ts';
import { endpointSlicesCheck } from '../../checks/service-discovery/endpoint-slices.ts';
import { headlessServiceCheck } from '../../checks/service-discovery/headless-service.ts';
import { namedPortsCheck } from '../../checks/service-discovery/named-ports.ts';
import { serviceEnvironmentCheck } from '../../checks/service-discovery/service-environment.ts';
import { describeCheck } from './describe-check.ts';

/** [ServiceDiscovery]: Services get IPs, EndpointSlices follow pods, and the cluster DNS answers for both. */
for (const check of [
  clusterIpCheck,
  endpointSlicesCheck,
  headlessServiceCheck,
  namedPortsCheck,
  dnsServiceRecordsCheck,
  dnsHeadlessRecordsCheck,
  serviceEnvironmentCheck,
]) {
  describeCheck(check, { assessTimeoutMs: 20_000 });
}
