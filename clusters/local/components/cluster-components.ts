import type { ComponentSpec } from '../../../src/model/local-cluster-spec.ts';
import { apiServers } from './apiservers.ts';
import type { ComponentInputs } from './component-inputs.ts';
import { controllerManagers } from './controller-managers.ts';
import { corednsServer } from './coredns.ts';
import { etcdMembers } from './etcd-members.ts';
import { kwokZones } from './kwok-zones.ts';
import { schedulers } from './schedulers.ts';

/**
 * The command line of every process of the embedded cluster, in start order. Flags mirror what kubeadm sets,
 * with timings from the config; each component's extraArgs come last, so a user's flag overrides ours (pflag
 * keeps the last).
 */
export function clusterComponents(i: ComponentInputs): ComponentSpec[] {
  return [
    ...etcdMembers(i),
    ...apiServers(i),
    ...controllerManagers(i),
    ...schedulers(i),
    ...kwokZones(i),
    ...corednsServer(i),
  ];
}
