import { type EngineCrashPoint, engineCrashPoints } from '../../faults/engine/crash-point.ts';

/**
 * One injection (one target, `--for 0`) SIGKILLed at each of the engine's crash points: whether the fault was in
 * effect on the cluster when the harness died, and whether `gauntlet recover` then has an intent to revert (a
 * revert that ran but was not recorded is reverted again: every revert is idempotent).
 */
export interface CrashCase {
  point: EngineCrashPoint;
  inEffect: boolean;
  pending: boolean;
}

const inEffect: Record<EngineCrashPoint, boolean> = {
  'before-intent': false,
  'after-intent': false,
  'after-apply': true,
  'after-applied-record': true,
  'before-revert': true,
  'after-revert': false,
  'after-reverted-record': false,
};

export const crashMatrix: CrashCase[] = engineCrashPoints.map((point) => ({
  point,
  inEffect: inEffect[point],
  pending: point !== 'before-intent' && point !== 'after-reverted-record',
}));

/** What `gauntlet recover` printed it reverted, as "<fault> on <target>" lines. */
export function revertedBy(stdout: string): string[] {
  return [...stdout.matchAll(/^reverted (\S+ on \S+)$/gm)].map((m) => m[1]!);
}
