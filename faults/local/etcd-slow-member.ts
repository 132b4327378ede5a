import { z } from 'zod';
import { signalComponent } from '../../clusters/local/supervisor-client.ts';
import { ConfigError } from '../../src/errors.ts';
import type { Fault } from '../fault.ts';

const undo = z.object({ clusterDir: z.string().min(1), component: z.string().min(1) });
type Undo = z.infer<typeof undo>;

const spec = z
  .strictObject({
    /** How long each freeze lasts, like an fsync stalled on a slow disk. */
    pauseMs: z.number().int().min(10).max(10_000).default(500),
    /** A freeze starts every periodMs. */
    periodMs: z.number().int().min(50).max(60_000).default(1000),
  })
  .refine((s) => s.pauseMs < s.periodMs, {
    message: 'pauseMs must be shorter than periodMs (the member must run between freezes)',
    path: ['pauseMs'],
  });
type Spec = z.infer<typeof spec>;

/** Pulse loops running in this process, by member: revert stops the loop before it resumes the member. */
const loops = new Map<string, { stop: () => Promise<void> }>();
const loopKey = (undo: Undo) => `${undo.clusterDir}/${undo.component}`;

/**
 * A slow etcd member: SIGSTOP/SIGCONT pulses (frozen pauseMs of every periodMs), as a member on a stalling
 * disk answers late. With one member every API call through etcd stalls; in --ha mode a slow follower is
 * outvoted and a slow leader makes the cluster wait or elect another. The pulses run in the harness for
 * the hold: if it dies, the member stays as it was at that moment, at worst frozen until revert resumes it.
 */
export const etcdSlowMember: Fault<Spec, Undo> = {
  kind: 'etcd-slow-member',
  undo,
  summary: 'an etcd member freezes in pulses (SIGSTOP/SIGCONT), like a stalling disk; revert resumes it',
  spec,
  targets: 'component',
  describe: (s, target) =>
    `freeze ${target.kind === 'component' ? target.id : '?'} (SIGSTOP) for ${s.pauseMs} ms of every ${s.periodMs} ms until revert, which resumes it (SIGCONT)`,
  async capture(ctx, _spec, target) {
    if (target.kind !== 'component' || target.role !== 'etcd' || !ctx.cluster.local)
      throw new ConfigError('etcd-slow-member acts on an etcd member of the embedded cluster (--role etcd)');
    return { clusterDir: ctx.cluster.local.dir, component: target.id };
  },
  async apply(_ctx, s, _target, undo) {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let inFlight: Promise<void> = Promise.resolve();
    const freeze = () => signalComponent(undo.clusterDir, undo.component, 'pause');
    const thaw = () => signalComponent(undo.clusterDir, undo.component, 'resume');
    // Timing is the fault itself here, not synchronisation: thaw pauseMs after each freeze, freeze each period.
    const cycle = async (frozenAt: number): Promise<void> => {
      await new Promise((r) => setTimeout(r, Math.max(0, s.pauseMs - (Date.now() - frozenAt))));
      await thaw().catch(() => undefined);
      if (stopped) return;
      timer = setTimeout(
        () => {
          inFlight = (async () => {
            const at = Date.now();
            // A member that is not running (restarting after a crash) is skipped for this pulse.
            await freeze().catch(() => undefined);
            await cycle(at);
          })();
        },
        Math.max(0, s.periodMs - (Date.now() - frozenAt)),
      );
      timer.unref();
    };
    const first = Date.now();
    // The first freeze is in effect when apply returns (and fails it if the member is not running).
    await freeze();
    inFlight = cycle(first);
    loops.set(loopKey(undo), {
      stop: async () => {
        stopped = true;
        clearTimeout(timer);
        await inFlight;
      },
    });
  },
  async revert(_ctx, undo) {
    // In the injecting process: let the current pulse finish, so no freeze lands after the resume below.
    await loops.get(loopKey(undo))?.stop();
    loops.delete(loopKey(undo));
    await signalComponent(undo.clusterDir, undo.component, 'resume').catch((error: Error) => {
      // Not running at all (held down or exited) is not frozen: nothing to resume.
      if (!/is not running/.test(error.message)) throw error;
    });
  },
};
