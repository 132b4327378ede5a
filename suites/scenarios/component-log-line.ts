import { readdir, readFile, watch } from 'node:fs/promises';
import { join } from 'node:path';
import { ClusterAssertionError } from '../../src/errors.ts';

/**
 * When a component of the embedded cluster first logged a line containing the message since `since` (an earlier
 * fault of a reused cluster may have logged it too), from klog's header ("Immdd hh:mm:ss.uuuuuu", the host's
 * local time, as the components run here), woken by writes to the logs directory. Components flush their logs
 * every few seconds (--log-flush-frequency, 5 s), so the bound should leave room for that.
 */
export async function untilComponentLogs(
  clusterDir: string,
  component: string,
  message: string,
  since: number,
  timeoutMs: number,
): Promise<number> {
  const dir = join(clusterDir, 'logs');
  const loggedAt = async () => {
    const files = (await readdir(dir)).filter((f) => f.startsWith(component));
    const texts = await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')));
    const times = texts
      .flatMap((t) => t.split('\n'))
      .filter((line) => line.includes(message))
      .map((line) => klogTime(line, component))
      .filter((at) => at >= since - 1_000); // klog's clock and ours are the host's: 1 s for rounding
    return times.length > 0 ? Math.min(...times) : undefined;
  };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const watcher = watch(dir, { signal: abort.signal });
    const first = await loggedAt();
    if (first !== undefined) return first;
    for await (const _ of watcher) {
      const at = await loggedAt();
      if (at !== undefined) return at;
    }
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
  } finally {
    clearTimeout(timer);
  }
  throw new ClusterAssertionError({
    object: component,
    expected: `a log line "${message}"`,
    seen: 'none since the first injection',
    waitedMs: timeoutMs,
  });
}

function klogTime(line: string, component: string): number {
  const m = /^[IWEF](\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})/.exec(line);
  if (!m) throw new Error(`${component} log line without a klog header: ${line.slice(0, 120)}`);
  const [month, day, h, min, sec, ms] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(new Date().getFullYear(), month - 1, day, h, min, sec, ms).getTime();
}
