import { ConfigError } from '../src/errors.ts';
import { azOutageNacl } from './aws/az-outage-nacl.ts';
import { azOutagePower } from './aws/az-outage-power.ts';
import { instanceStop } from './aws/instance-stop.ts';
import { instanceTerminate } from './aws/instance-terminate.ts';
import { nodeRuntimeHang } from './aws/node-runtime-hang.ts';
import type { AnyFault } from './fault.ts';
import { controlPlaneKill } from './local/control-plane-kill.ts';
import { etcdPressure } from './local/etcd-pressure.ts';
import { etcdSlowMember } from './local/etcd-slow-member.ts';
import { runtimeHang } from './local/runtime-hang.ts';
import { zoneLoss } from './local/zone-loss.ts';

/** Every fault by kind. A new fault is one module and one line here. */
export const faults: Record<string, AnyFault> = {
  [zoneLoss.kind]: zoneLoss,
  [controlPlaneKill.kind]: controlPlaneKill,
  [runtimeHang.kind]: runtimeHang,
  [etcdPressure.kind]: etcdPressure,
  [etcdSlowMember.kind]: etcdSlowMember,
  [azOutageNacl.kind]: azOutageNacl,
  [azOutagePower.kind]: azOutagePower,
  [instanceStop.kind]: instanceStop,
  [instanceTerminate.kind]: instanceTerminate,
  [nodeRuntimeHang.kind]: nodeRuntimeHang,
};

export function faultByKind(kind: string): AnyFault {
  const fault = faults[kind];
  if (!fault)
    throw new ConfigError(`fault: unknown kind "${kind}" (known: ${Object.keys(faults).join(', ')})`);
  return fault;
}
