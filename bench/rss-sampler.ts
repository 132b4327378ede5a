import { readdir, readFile } from 'node:fs/promises';

/** Sum of resident memory (MiB) of the processes the predicate picks, from /proc. */
export async function rssOf(
  pick: (pid: number, cmdline: string, environ: Buffer) => boolean,
): Promise<number> {
  let kib = 0;
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const [cmdline, environ] = await Promise.all([
        readFile(`/proc/${pid}/cmdline`, 'utf8'),
        readFile(`/proc/${pid}/environ`),
      ]);
      if (!pick(pid, cmdline, environ)) continue;
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    } catch {
      // exited while sampled
    }
  }
  return kib / 1024;
}

/** Samples at a fixed interval until stopped; keeps the peak. A measurement loop, not synchronisation. */
export function peakSampler(sample: () => Promise<number>, intervalMs = 200) {
  let peak = 0;
  let last = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      last = await sample();
      peak = Math.max(peak, last);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    /** Idempotent: a second call returns the same figures. */
    async stop() {
      running = false;
      await loop;
      return { peakMiB: Math.round(peak), lastMiB: Math.round(last) };
    },
  };
}
