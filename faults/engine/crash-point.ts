/**
 * For the engine's own crash tests only: GAUNTLET_CRASH_AT=<point>[:<n>] makes the harness SIGKILL itself the
 * n-th time (default 1st) it reaches that point, so tests can prove `gauntlet recover` leaves nothing behind
 * wherever the harness dies. Unset, it does nothing.
 */
const hits = new Map<string, number>();

/**
 * The points every injection passes, in order (the engine's, around the journal and the fault's apply and
 * revert). A fault whose apply or revert takes several steps adds its own, named `<fault kind>:<step>`.
 */
export const engineCrashPoints = [
  'before-intent',
  'after-intent',
  'after-apply',
  'after-applied-record',
  'before-revert',
  'after-revert',
  'after-reverted-record',
] as const;

export type EngineCrashPoint = (typeof engineCrashPoints)[number];

export function crashPoint(point: EngineCrashPoint | `${string}:${string}`): void {
  const wanted = process.env.GAUNTLET_CRASH_AT;
  if (!wanted) return;
  const at = wanted.lastIndexOf(':');
  // "<point>:<n>" counts; a fault's own "<kind>:<step>" alone is its first hit.
  const counted = at > 0 && /^\d+$/.test(wanted.slice(at + 1));
  const name = counted ? wanted.slice(0, at) : wanted;
  if (name !== point) return;
  const count = (hits.get(point) ?? 0) + 1;
  hits.set(point, count);
  if (count === (counted ? Number(wanted.slice(at + 1)) : 1)) process.kill(process.pid, 'SIGKILL');
}
