import { componentStates, startComponent } from './supervisor-client.ts';

/**
 * Starts, at once, every listed component the supervisor shows as exited or waiting out its restart backoff
 * (up to 10 s after a crash loop). Components held down ('stopped') or frozen ('paused') are left alone: they
 * belong to whatever fault holds them. Returns the ids it started.
 */
export async function restartExited(clusterDir: string, ids: string[]): Promise<string[]> {
  const states = await componentStates(clusterDir);
  const down = states.filter(
    (s) => ids.includes(s.id) && (s.status === 'exited' || s.status === 'restarting'),
  );
  for (const s of down) await startComponent(clusterDir, s.id);
  return down.map((s) => s.id);
}
