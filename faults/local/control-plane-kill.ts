import { z } from 'zod';
import { startComponent, stopComponent } from '../../clusters/local/supervisor-client.ts';
import { ConfigError } from '../../src/errors.ts';
import type { Fault } from '../fault.ts';

const undo = z.object({ clusterDir: z.string().min(1), component: z.string().min(1) });
type Undo = z.infer<typeof undo>;

const spec = z.strictObject({
  /** Like a terminated instance that an autoscaling group replaces: the supervisor restarts it after this delay. */
  replaceAfterSeconds: z.number().int().min(0).max(3600).optional(),
});

/**
 * A control-plane member is terminated: SIGKILL, no graceful shutdown, and the supervisor holds it down (as a
 * lost master without an autoscaling group stays lost) unless replaceAfterSeconds says it comes back.
 * Revert starts it again. Works for etcd members, apiservers, controller managers and schedulers, in single
 * and --ha mode.
 */
export const controlPlaneKill: Fault<z.infer<typeof spec>, Undo> = {
  kind: 'control-plane-kill',
  undo,
  summary:
    'SIGKILL a control-plane process (etcd member, apiserver, controller manager, scheduler); revert restarts it',
  spec,
  targets: 'component',
  describe: (s, target) =>
    `SIGKILL ${target.kind === 'component' ? target.id : '?'} and hold it down` +
    (s.replaceAfterSeconds !== undefined
      ? `, replacing it after ${s.replaceAfterSeconds} s`
      : ' until revert'),
  async capture(ctx, _spec, target) {
    if (target.kind !== 'component' || !ctx.cluster.local) {
      throw new ConfigError('control-plane-kill acts on members of the embedded control plane');
    }
    return { clusterDir: ctx.cluster.local.dir, component: target.id };
  },
  async apply(_ctx, s, _target, undo) {
    // The supervisor owns the replacement timer, so it outlives this process and a revert cancels it.
    const replaceAfterMs = s.replaceAfterSeconds === undefined ? undefined : s.replaceAfterSeconds * 1000;
    await stopComponent(undo.clusterDir, undo.component, 'SIGKILL', true, replaceAfterMs);
  },
  async revert(_ctx, undo) {
    await startComponent(undo.clusterDir, undo.component);
  },
};
