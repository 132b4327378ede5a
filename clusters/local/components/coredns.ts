import type { ComponentSpec } from '../../../src/model/local-cluster-spec.ts';
import { type ComponentInputs, extraArgs, logFile } from './component-inputs.ts';

/** CoreDNS serving the cluster domain from outside the cluster (its kubernetes plugin reads the API). */
export function corednsServer(i: ComponentInputs): ComponentSpec[] {
  const log = (id: string) => logFile(i, id);
  const extra = (name: 'coredns') => extraArgs(i, name);
  const enabled = (name: 'coredns') => i.config.components[name].enabled;
  const out: ComponentSpec[] = [];
  if (enabled('coredns') && i.coredns) {
    out.push({
      id: 'coredns',
      kind: 'coredns',
      command: i.coredns.binary,
      args: [`-conf=${i.coredns.corefile}`, ...extra('coredns')],
      logFile: log('coredns'),
      restart: 'always',
      // Its informers would only collect refusals before the API (and its RBAC) exist.
      startWhen: 'api-ready',
    });
  }
  return out;
}
