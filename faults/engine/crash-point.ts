/**
 * For the engine's own crash tests only: GAUNTLET_CRASH_AT=<point>[:<n>] makes the harness SIGKILL itself the
 * n-th time (default 1st) it reaches that point, so tests can prove `gauntlet recover` leaves nothing behind
 * wherever the harness dies. Unset, it does nothing.
 */
const hits = new Map<string, number>();

export function crashPoint(point: string): void {
  const wanted = process.env.GAUNTLET_CRASH_AT;
  if (!wanted) return;
  const [name, nth] = wanted.split(':');
  if (name !== point) return;
  const count = (hits.get(point) ?? 0) + 1;
  hits.set(point, count);
  if (count === Number(nth ?? 1)) process.kill(process.pid, 'SIGKILL');
}
