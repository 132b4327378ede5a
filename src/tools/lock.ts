import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Progress } from '../log.ts';

/**
 * A lock file created with O_EXCL, holding "<pid> <host>". It keeps two gauntlet processes from
 * downloading or building the same group at once (a Kubernetes build is half an hour of both cores).
 * A lock left by a dead process on this host is taken over. Waiting is polling (no portable flock in
 * Node): every POLL_MS, with a progress line every NOTICE_MS, bounded only by the caller's signal.
 */
const POLL_MS = 1000;
const NOTICE_MS = 30_000;

interface Holder {
  pid: number;
  host: string;
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const [pid, host] = (await readFile(path, 'utf8')).trim().split(' ');
    return { pid: Number(pid), host: host ?? '' };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withLock<T>(
  path: string,
  what: string,
  fn: () => Promise<T>,
  opts: { progress: Progress; signal?: AbortSignal },
): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const me = `${process.pid} ${hostname()}`;
  const started = Date.now();
  let lastNotice = started;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      await writeFile(path, me, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(path);
    if (holder && holder.host === hostname() && Number.isInteger(holder.pid) && !alive(holder.pid)) {
      // Rename before removing so that only one waiter gets to clear a given stale file.
      const stale = `${path}.stale-${process.pid}`;
      await rename(path, stale).catch(() => {});
      await rm(stale, { force: true });
      continue;
    }
    if (Date.now() - lastNotice >= NOTICE_MS) {
      lastNotice = Date.now();
      const secs = Math.round((lastNotice - started) / 1000);
      opts.progress.step(
        `waiting for pid ${holder?.pid ?? '?'} (lock ${path}) to finish ${what}... ${secs}s`,
      );
    }
    await sleep(POLL_MS, undefined, opts.signal ? { signal: opts.signal } : {});
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
