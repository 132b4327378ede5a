import { zoneLabel } from '../../../src/kube/describe.ts';
import type { ComponentSpec } from '../../../src/model/local-cluster-spec.ts';
import { type ComponentInputs, extraArgs, logFile } from './component-inputs.ts';

/** One kwok per zone, playing that zone's simulated kubelets. */
export function kwokZones(i: ComponentInputs): ComponentSpec[] {
  const { config, ports } = i;
  const t = config.timings;
  const log = (id: string) => logFile(i, id);
  const extra = (name: 'kwok') => extraArgs(i, name);
  const enabled = (name: 'kwok') => config.components[name].enabled;
  const out: ComponentSpec[] = [];
  if (enabled('kwok')) {
    // One kwok per zone, like one zone's kubelets: stopping a zone's kwok stops every heartbeat and every pod
    // transition in that zone and nowhere else (zone loss). Each gets its own pod CIDR so pod IPs never clash.
    config.zones.forEach((zone, z) => {
      const id = kwokComponentId(z);
      out.push({
        id,
        kind: 'kwok',
        command: i.binaries.kwok,
        args: [
          `--kubeconfig=${i.kubeconfigs.kwok}`,
          `--config=${i.kwokConfigFile}`,
          '--manage-all-nodes=false',
          `--manage-nodes-with-annotation-selector=${kwokNodeAnnotation}=fake`,
          `--manage-nodes-with-label-selector=${zoneLabel}=${zone}`,
          `--node-lease-duration-seconds=${t.nodeLeaseDurationSeconds}`,
          `--cidr=10.${16 + z}.0.1/16`,
          `--node-ip=10.${16 + z}.255.254`,
          `--server-address=127.0.0.1:${ports.kwok[z]}`,
          ...extra('kwok'),
        ],
        logFile: log(id),
        restart: 'always',
        // kwok acts as system:masters, which RBAC never refuses, so it can start (and boot) alongside the API.
        startWhen: 'at-once',
      });
    });
  }
  return out;
}

/** The kwok process that plays the nodes of the zone at this index of the config's zone list. */
export const kwokComponentId = (zoneIndex: number) => `kwok-${zoneIndex}`;

/** Nodes carrying this annotation (value "fake") are the ones kwok keeps alive. */
export const kwokNodeAnnotation = 'kwok.x-k8s.io/node';
