import { z } from 'zod';
import { kwokComponentId } from '../../clusters/local/components/kwok-zones.ts';
import { signalComponent } from '../../clusters/local/supervisor-client.ts';
import { ConfigError } from '../../src/errors.ts';
import type { Fault } from '../fault.ts';

const undo = z.object({
  clusterDir: z.string().min(1),
  zone: z.string().min(1),
  component: z.string().min(1),
});
type Undo = z.infer<typeof undo>;

/**
 * An availability zone goes dark: the zone's kwok (its kubelets) is frozen with SIGSTOP, so every node of the
 * zone stops renewing its Lease and nothing on it moves. The real node lifecycle controller then marks the
 * nodes Unknown after the grace period, taints them and evicts by its zone-aware rules. Applied to every zone
 * at once it is the full-disruption case (nodes lose the API together), where the controller must not mass-evict.
 * Revert resumes the zone's kwok (SIGCONT), which renews the Leases at once.
 */
export const zoneLoss: Fault<Record<string, never>, Undo> = {
  kind: 'zone-loss',
  undo,
  summary: "every node of a zone stops heartbeating and its pods freeze (the zone's kubelets are SIGSTOPped)",
  spec: z.strictObject({}),
  targets: 'zone',
  describe: (_spec, target) =>
    `SIGSTOP the kwok playing zone ${target.kind === 'zone' ? target.name : '?'} (its nodes stop renewing their Leases)`,
  async capture(ctx, _spec, target) {
    const local = ctx.cluster.local;
    if (target.kind !== 'zone' || !local)
      throw new ConfigError('zone-loss acts on zones of the embedded cluster');
    const index = local.config.zones.indexOf(target.name);
    if (index < 0)
      throw new ConfigError(
        `target.zone: ${target.name} is not a zone of this cluster (${local.config.zones.join(', ')})`,
      );
    return { clusterDir: local.dir, zone: target.name, component: kwokComponentId(index) };
  },
  async apply(_ctx, _spec, _target, undo) {
    await signalComponent(undo.clusterDir, undo.component, 'pause');
  },
  async revert(_ctx, undo) {
    await signalComponent(undo.clusterDir, undo.component, 'resume');
  },
};
